"""A disk that fills up while a release is written: the previous release keeps serving.

Two real faults, no mock: a tiny tmpfs filled to the brim (``ENOSPC``, when this machine lets
the tests mount one, as root in CI does), and ``candor publish`` run in a child whose file
size limit (``RLIMIT_FSIZE``, with ``SIGXFSZ`` ignored) makes its writes fail with ``EFBIG``.
Either way the publish fails with a clear message, ``current`` still serves the earlier,
complete release, no folder of the failed one is left, and the next publish catches up.
"""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from corpus import models as m
from corpus.settings import Settings
from corpus.store import Store
from publisher import publish, releases
from publisher.publishing import ReleaseNotWritten
from publisher.validate import validate_release
from tests.conftest import REPO
from tests.publisher.acme_forum import Forum
from tests.team.conftest import write_config

SLUGS = ["acme-lab", "acme-notes", "acme-sync"]
TMPFS_BYTES = 1024 * 1024


def recorded(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.scalars(select(m.Release.label).order_by(m.Release.id)))


def assert_still_serving(settings: Settings, store: Store, label: str) -> None:
    """``current`` serves ``label``, whole; nothing of the failed release is left or recorded."""
    out = settings.publish.out
    assert releases.current_label(out) == label
    validate_release(releases.releases_dir(out) / label, SLUGS)
    assert sorted(p.name for p in releases.releases_dir(out).iterdir()) == [label]
    assert recorded(store) == [label]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs mounted for this test (skipped where mounting is not allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the rlimit test remains")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` until only ``leave`` bytes are free; returns the ballast file."""
    ballast = disk / f"ballast-{uuid.uuid4().hex[:6]}"
    free = shutil.disk_usage(disk).free
    with open(ballast, "wb") as handle:
        handle.write(b"\0" * max(0, free - leave))
    return ballast


def test_disk_full_on_a_full_filesystem_keeps_the_previous_release(
    acme: Forum, store: Store, settings: Settings, tiny_disk: Path
) -> None:
    settings = settings.model_copy(
        update={"publish": settings.publish.model_copy(update={"out": tiny_disk / "site"})}
    )
    first = publish(store, settings)
    acme.review("acme-sync", "script-tag", "rejected")
    ballast = fill(tiny_disk, leave=8 * 1024)

    with pytest.raises(ReleaseNotWritten) as raised:
        publish(store, settings)

    message = str(raised.value)
    assert "No space left on device" in message
    assert f"{first.release} is still served" in message
    assert_still_serving(settings, store, str(first.release))

    ballast.unlink()
    second = publish(store, settings)  # space again: the next run catches up
    assert second.changed and releases.current_label(settings.publish.out) == second.release


def limit_file_size(max_bytes: int) -> None:
    """In the child before exec: writes past ``max_bytes`` fail with EFBIG instead of a signal."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))


def test_disk_full_in_the_cli_says_so_and_keeps_the_previous_release(
    acme: Forum, store: Store, settings: Settings, tmp_path: Path
) -> None:
    first = publish(store, settings)
    acme.review("acme-sync", "script-tag", "rejected")
    config = write_config(settings, tmp_path / "candor.yaml")

    child = subprocess.run(
        [sys.executable, "-m", "candor", "--config", str(config), "publish"],
        cwd=REPO,
        capture_output=True,
        text=True,
        preexec_fn=lambda: limit_file_size(1024),
        env={"PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )

    assert child.returncode == 1, child.stderr
    assert "error: cannot write release" in child.stderr
    assert "File too large" in child.stderr
    assert f"{first.release} is still served" in child.stderr
    assert "internal error" not in child.stderr
    assert_still_serving(settings, store, str(first.release))

    second = publish(store, settings)
    assert second.changed and releases.current_label(settings.publish.out) == second.release
