"""Airflow pools for politeness: one per venue, as many slots as the venue allows parallel requests.

Every crawl of a venue runs in that venue's pool and takes ``concurrency`` slots (the parallel
requests it makes), so however many workers, runs and backfills there are, a forum never sees
more parallel requests from Candor than configured. Plain data, no Airflow import:
``candor airflow pools`` prints :func:`pools` for ``airflow pools import``.
"""

from __future__ import annotations

import re
from typing import Any

from corpus.settings import Settings, VenueConfig

POOL_PREFIX = "candor-venue-"


def pool_name(venue: VenueConfig) -> str:
    """The Airflow pool that bounds the parallel requests to ``venue``."""
    return f"{POOL_PREFIX}{venue.name}"


def crawl_task_id(venue: str, category: str | None = None) -> str:
    """The crawl task of a venue, or of one of its categories (an Airflow-safe id)."""
    if category is None:
        return f"crawl_{venue}"
    return f"crawl_{venue}__{re.sub(r'[^A-Za-z0-9_.-]', '_', category)}"


def pools(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every venue's pool as ``airflow pools import`` reads it: slots = the venue's concurrency."""
    return {
        pool_name(v): {
            "slots": v.concurrency,
            "description": f"Candor: parallel requests to {v.url}",
            "include_deferred": False,
        }
        for v in settings.venues
    }
