"""Publish targets: where releases go and how ``current`` is switched there.

:func:`publisher.publish` renders a release in memory and then talks to a target only through
:class:`PublishTarget`. The life cycle of one release::

    target.remove_leftovers()              clear what a crashed run left
    folder = target.stage(label, files)    a complete local copy, not yet visible
    validate_release(folder, …)            (the publisher) — on failure: target.discard(folder)
    target.commit(folder)                  the release exists under its label, immutable
    target.switch(label)                   visitors now get it, all at once
    target.switch(older_label)             a rollback is just another switch

Rules every target keeps: a release is written completely before its label exists; ``switch``
is atomic for a visitor (old release or new, never a mix); release folders are never changed
after ``commit``, so rolling back is instant and caching them forever is safe; the published
tree is the one :mod:`publisher.render` lists (``index.html``, ``embed.js``, ``fragments/``…).

:class:`LocalFolder` is the implemented target (``settings.publish.out``): a web server serves
``out/current``. Other targets would implement the same five methods, staging into a local
temporary folder so the validator always reads real files:

- **rsync/SSH**: ``commit`` runs ``rsync -a --link-dest=../<current> folder/
  host:out/releases/<label>/`` (unchanged files become hard links); ``switch`` runs
  ``ln -sfn releases/<label> out/.current.tmp && mv -T out/.current.tmp out/current`` on the
  host: a rename, atomic exactly as here. ``labels`` and ``current_label`` read ``ls`` and
  ``readlink`` over SSH.
- **S3-compatible bucket**: ``commit`` uploads every file under ``releases/<label>/`` with
  long-lived cache headers (objects never change); S3 has neither symlinks nor a multi-object
  rename, so ``switch`` changes one thing that selects the release: the CDN's origin path
  (one API call, atomic at the edge), or a small ``current.json`` pointer read by an edge
  function. Copying objects into a ``current/`` prefix is *not* a switch: visitors would see a
  mix while it runs. Not implemented here: it must be tested against a real S3-compatible
  server before it can be trusted.

Whatever serves the release must send ``Access-Control-Allow-Origin: *`` for ``fragments/`` when
product pages live on another origin (``embed.js`` fetches the fragment), and should give
``embed.js`` and ``fragments/`` a short cache lifetime (their paths stay the same across
releases).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Protocol, runtime_checkable

from publisher import releases


@runtime_checkable
class PublishTarget(Protocol):
    """Where releases are published; see the module docstring for the contract."""

    def remove_leftovers(self) -> list[str]:
        """Delete what a crashed publish left behind; return the names removed."""

    def labels(self) -> set[str]:
        """Labels of the committed releases."""

    def stage(self, label: str, files: dict[str, bytes]) -> Path:
        """Write ``files`` into a local folder (not yet a release); return that folder."""

    def discard(self, staged: Path) -> None:
        """Throw away a staged folder (validation failed, or recording it did)."""

    def commit(self, staged: Path) -> str:
        """Make a validated staged folder the release of its label; return where it now is."""

    def switch(self, label: str) -> None:
        """Make ``label`` what visitors get, atomically."""

    def current_label(self) -> str | None:
        """The label visitors get now (``None`` when nothing is published)."""

    def has(self, label: str) -> bool:
        """Whether the release ``label`` is still there to switch to."""

    def delete(self, label: str) -> None:
        """Remove a release that is not current (a removal request purges old releases)."""


class LocalFolder:
    """Releases in ``out/releases/<label>/`` and ``out/current`` as a relative symlink."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def __repr__(self) -> str:
        return f"LocalFolder({str(self.out)!r})"

    def remove_leftovers(self) -> list[str]:
        self.out.mkdir(parents=True, exist_ok=True)
        return releases.remove_leftovers(self.out)

    def labels(self) -> set[str]:
        return releases.existing_labels(self.out)

    def stage(self, label: str, files: dict[str, bytes]) -> Path:
        return releases.write_tmp(self.out, label, files)

    def discard(self, staged: Path) -> None:
        shutil.rmtree(staged, ignore_errors=True)

    def commit(self, staged: Path) -> str:
        return str(releases.finish(staged))

    def switch(self, label: str) -> None:
        releases.switch_current(self.out, label)

    def current_label(self) -> str | None:
        return releases.current_label(self.out)

    def has(self, label: str) -> bool:
        return (releases.releases_dir(self.out) / label).is_dir()

    def delete(self, label: str) -> None:
        if label == self.current_label():
            raise ValueError(f"release {label} is current; publish a new one first")
        shutil.rmtree(releases.releases_dir(self.out) / label, ignore_errors=True)

    @property
    def current(self) -> Path:
        """The path a web server serves."""
        return self.out / releases.CURRENT
