"""Crawl state kept in the corpus, so any process (or Airflow worker) can resume or continue.

Nothing lives beside the corpus: what a crawl may skip is the threads' activity fingerprints;
where an incremental crawl may stop is the start of the last *clean* run (complete listing
walk, no failed item); whether a full crawl is due is the start of the last complete full run.
All three come from the ``threads`` and ``crawl_runs`` tables, which is why a crawl killed
with ``kill -9`` resumes by simply running again: threads saved before the kill are skipped,
the rest are fetched, and the killed run (never complete) moves no watermark.

A crawl limited to some categories (a Discourse venue's ``categories``) records them as its
``scope``. It can only vouch for those: a run serves as the watermark (or as the last full
crawl) of a later crawl only if it covered at least that crawl's categories, the whole forum
covering all. A category crawl therefore never lets a whole-forum crawl skip the threads of
other categories.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.ingest import known_fingerprints
from corpus.settings import VenueConfig

__all__ = ["CrawlState", "close_stale_runs", "crawl_state", "mark_run_owner"]

# Enough history to find the last clean and the last full run of a venue.
RUNS_LOOKED_AT = 200


@dataclass(frozen=True)
class CrawlState:
    """What a spider needs to crawl incrementally: see the module docstring."""

    known: dict[str, str]
    full: bool
    since: datetime | None
    verify: dict[str, str] = field(default_factory=dict)
    # The categories the crawl is limited to, sorted; empty for the whole forum.
    scope: tuple[str, ...] = ()
    # Thread id → stored category, for the threads of ``verify`` (a scoped full crawl checks
    # only those in its categories).
    thread_categories: dict[str, str | None] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return "full" if self.full else "incremental"


def crawl_state(
    session: Session, venue: VenueConfig, venue_id: int, full: bool | None = None
) -> CrawlState:
    """The state for the next crawl of ``venue``.

    full (bool | None): force a full (True) or incremental (False) crawl; ``None`` makes it
        full when the last complete full crawl is older than ``venue.full_crawl_days``.
    """
    scope = tuple(sorted(venue.categories))
    runs = session.scalars(
        select(m.CrawlRun)
        .where(m.CrawlRun.venue_id == venue_id, m.CrawlRun.status == "finished")
        .order_by(m.CrawlRun.id.desc())
        .limit(RUNS_LOOKED_AT)
    ).all()
    complete = [
        r
        for r in runs
        if (r.stats or {}).get("complete") and _covers((r.stats or {}).get("scope"), scope)
    ]
    clean = next((r for r in complete if not (r.stats or {}).get("failed")), None)
    last_full = next((r for r in complete if (r.stats or {}).get("mode") == "full"), None)
    if full is None:
        due = venue.full_crawl_days is not None and (
            last_full is None
            or m.utcnow() - last_full.started_at > timedelta(days=venue.full_crawl_days)
        )
        full = due
    verify: dict[str, str] = {}
    categories: dict[str, str | None] = {}
    if full:
        rows = session.execute(
            select(m.Thread.source_id, m.Thread.url, m.Thread.source_category).where(
                m.Thread.venue_id == venue_id, m.Thread.deleted_at.is_(None)
            )
        )
        for source_id, url, category in rows:
            verify[source_id] = _crawl_url(venue, url)
            categories[source_id] = category
    return CrawlState(
        known=known_fingerprints(session, venue_id),
        full=full,
        since=clean.started_at if clean else None,
        verify=verify,
        scope=scope,
        thread_categories=categories if scope else {},
    )


def mark_run_owner(session: Session, run_id: int, scope: tuple[str, ...] = ()) -> None:
    """Record which process runs the crawl, so a later run can tell it died, and its scope."""
    run = session.get(m.CrawlRun, run_id)
    if run is not None:
        run.stats = {
            **(run.stats or {}),
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "scope": list(scope) or None,
        }


def _covers(run_scope: list[str] | None, scope: tuple[str, ...]) -> bool:
    """True if a run limited to ``run_scope`` (None: the whole forum) vouches for ``scope``."""
    return not run_scope or (bool(scope) and set(scope) <= set(run_scope))


def close_stale_runs(session: Session, venue_id: int) -> int:
    """Mark ``interrupted`` this host's running crawls of the venue whose process is gone.

    A crawl killed with ``kill -9`` cannot say so itself. Runs on other hosts are left
    alone: only their own host can tell whether they still run.
    """
    host = socket.gethostname()
    closed = 0
    for run in session.scalars(
        select(m.CrawlRun).where(m.CrawlRun.venue_id == venue_id, m.CrawlRun.status == "running")
    ):
        pid = (run.stats or {}).get("pid")
        if (run.stats or {}).get("host") == host and pid and not _alive(int(pid)):
            run.status, run.finished_at = "interrupted", m.utcnow()
            closed += 1
    return closed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped by its parent) is not running either.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def _crawl_url(venue: VenueConfig, url: str) -> str:
    """A stored (public) thread URL as the crawler reaches it."""
    public = venue.link_base
    return venue.url + url[len(public) :] if url.startswith(public) else url
