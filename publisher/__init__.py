"""The publish stage: approved mash-ups rendered into atomic, versioned static releases.

Reads the corpus only (``corpus``); never imports another stage. See
:mod:`publisher.publishing` for the release life cycle and :mod:`publisher.render` for the files
of a release.
"""

from __future__ import annotations

from publisher.publishing import PublishReport, publish, rollback
from publisher.validate import ReleaseInvalid

__all__ = ["PublishReport", "ReleaseInvalid", "publish", "rollback"]
