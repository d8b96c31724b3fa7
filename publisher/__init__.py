"""The publish stage: approved mash-ups rendered into atomic, versioned static releases.

Reads the corpus only (``corpus``); never imports another stage. See
:mod:`publisher.publishing` for the release life cycle, :mod:`publisher.render` for the files
of a release (pages, fragments, JSON-LD, ``embed.js``, microsite) and :mod:`publisher.targets`
for where releases go.
"""

from __future__ import annotations

from publisher.publishing import PublishReport, ReleaseNotWritten, publish, purge, rollback
from publisher.targets import LocalFolder, PublishTarget
from publisher.validate import ReleaseInvalid

__all__ = [
    "LocalFolder",
    "PublishReport",
    "PublishTarget",
    "ReleaseInvalid",
    "ReleaseNotWritten",
    "publish",
    "purge",
    "rollback",
]
