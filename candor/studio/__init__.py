"""The curation studio: marketers choose which conversations go on product pages.

``candor studio`` serves :func:`create_app` with uvicorn; ``candor user add`` creates users.
"""

from __future__ import annotations

from candor.studio.app import create_app
from candor.studio.users import ROLES, add_user

__all__ = ["ROLES", "add_user", "create_app"]
