"""Release folders on disk and the ``current`` symlink visitors are served from.

Layout under ``settings.publish.out``::

    releases/20240501T120000Z-1a2b3c4d/   one immutable folder per release
    releases/20240501T120000Z-1a2b3c4d.tmp/   a release being written (gone after the run)
    current -> releases/20240501T120000Z-1a2b3c4d

A release is written into ``{label}.tmp``, checked, then renamed into place, so a complete
folder is the only thing that ever has a release's name. ``current`` is switched with
``os.replace`` of a freshly made symlink, which is atomic on POSIX: a web server following
``current`` sees the old release or the new one, never a mix. The symlink is relative, so the
whole ``out`` folder can be moved or synced elsewhere.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from corpus.errors import InputError

RELEASES = "releases"
CURRENT = "current"
TMP_SUFFIX = ".tmp"
LABEL_HASH_CHARS = 8


def release_label(content_hash: str, now: datetime, taken: set[str]) -> str:
    """``20240501T120000Z-1a2b3c4d``: UTC time of the publish plus a short content hash.

    ``taken`` holds labels already used; should the same content be published twice in one
    second (possible only around a rollback), the time moves on a second so labels stay unique.
    """
    moment = now.astimezone(UTC)
    while True:
        label = f"{moment:%Y%m%dT%H%M%SZ}-{content_hash[:LABEL_HASH_CHARS]}"
        if label not in taken:
            return label
        moment += timedelta(seconds=1)


def releases_dir(out: Path) -> Path:
    return out / RELEASES


def existing_labels(out: Path) -> set[str]:
    """Names of the finished release folders on disk."""
    folder = releases_dir(out)
    if not folder.is_dir():
        return set()
    return {p.name for p in folder.iterdir() if p.is_dir() and not p.name.endswith(TMP_SUFFIX)}


def remove_leftovers(out: Path) -> list[str]:
    """Delete what a crashed run left behind (``*.tmp`` releases, a staged symlink).

    Returns the names removed.
    """
    leftovers = sorted(releases_dir(out).glob(f"*{TMP_SUFFIX}"))
    leftovers += sorted(out.glob(f".{CURRENT}.*{TMP_SUFFIX}"))
    removed = []
    for leftover in leftovers:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
        removed.append(leftover.name)
    return removed


def write_tmp(out: Path, label: str, files: dict[str, bytes]) -> Path:
    """Write ``files`` into ``releases/{label}.tmp`` and flush them to disk; return the folder."""
    tmp = releases_dir(out) / f"{label}{TMP_SUFFIX}"
    tmp.mkdir(parents=True)
    for relative, content in files.items():
        path = tmp / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    return tmp


def finish(tmp: Path) -> Path:
    """Rename a written and checked ``{label}.tmp`` to ``{label}``: the release now exists."""
    final = tmp.with_name(tmp.name.removesuffix(TMP_SUFFIX))
    if final.exists():
        raise FileExistsError(f"release folder {final} exists already; labels must be unique")
    tmp.rename(final)
    _fsync_dir(final.parent)
    return final


def switch_current(out: Path, label: str) -> Path:
    """Point ``out/current`` at ``releases/{label}`` atomically; return the ``current`` path."""
    target = releases_dir(out) / label
    if not target.is_dir():
        raise InputError(f"release folder {target} is missing; cannot make it current")
    current = out / CURRENT
    if current.exists() and not current.is_symlink():
        raise InputError(
            f"{current} is a real folder or file, not the symlink Candor manages: move it away"
        )
    staging = out / f".{CURRENT}.{os.getpid()}{TMP_SUFFIX}"
    if staging.is_symlink() or staging.exists():
        staging.unlink()
    staging.symlink_to(Path(RELEASES) / label, target_is_directory=True)
    os.replace(staging, current)
    _fsync_dir(out)
    return current


def current_label(out: Path) -> str | None:
    """The label ``out/current`` points at, if it points at an existing release folder."""
    current = out / CURRENT
    if not current.is_symlink():
        return None
    target = (out / os.readlink(current)).resolve()
    if target.parent != releases_dir(out).resolve() or not target.is_dir():
        return None
    return target.name


def _fsync_dir(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
