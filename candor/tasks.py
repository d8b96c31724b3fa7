"""Stage calls for schedulers: plain arguments, JSON-able results, settings read when they run.

Airflow tasks (``dags/``) call these, one each, so a DAG file holds wiring only. Each reads the
settings from ``$CANDOR_CONFIG`` (or ``./candor.yaml``) on whichever worker runs it, and each is
idempotent: a retried or backfilled task does its work once. The crawl, enrichment and selection
are incremental (only new or changed threads, only judgements whose version changed); the
interval-keyed calls (:func:`reviews_decided`, :func:`snapshot_metrics`) take the run's data
interval, so the same interval gives the same answer and the same rows.

No partial state survives a failed task: the crawler saves each thread in one transaction,
enrichment commits whole batches of threads, publishing switches ``current`` only after a release
is complete, and a snapshot replaces its rows in one transaction.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from candor import stages
from candor.logs import log
from corpus import models as m
from corpus.settings import load_settings


def init() -> list[str]:
    """Create or migrate the store and sync products, categories and venues; returns the venues."""
    settings = load_settings()
    stages.init(settings)
    return [v.name for v in settings.venues]


def crawl(venue: str, category: str | None = None) -> dict[str, Any]:
    """Crawl one venue (or one of its categories); returns its crawl report (status and
    counts: new, changed, …)."""
    (report,) = stages.crawl(load_settings(), venue, category=category)
    return {"venue": report.venue, "status": report.status, **report.stats}


def enrich() -> int:
    """Enrich changed threads (or all a new model/rule version touches); returns how many."""
    return stages.enrich(load_settings()).threads_enriched


def index() -> Any:
    """Bring the search index up to date; returns its report (a logged no-op without the stage)."""
    stage = getattr(stages, "index", None)
    if stage is None:
        log.info("index.skipped", reason="this Candor has no search index stage yet")
        return None
    return _jsonable(stage(load_settings()))


def select_candidates() -> int:
    """Re-select candidates; returns how many changed."""
    return stages.select_threads(load_settings()).changed


def reviews_decided(start: datetime, end: datetime) -> int:
    """How many curator decisions were made in ``[start, end)``: new ones mean a publish is due."""
    store = stages.open_store(load_settings())
    with store.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(m.Review)
            .where(m.Review.decided_at >= start, m.Review.decided_at < end)
        )
    store.dispose()
    return count or 0


def publish() -> dict[str, Any]:
    """Publish approved mash-ups (nothing unapproved); returns the release now current."""
    report = stages.publish(load_settings())
    return {"release": report.release, "changed": report.changed, "pages": report.pages}


def snapshot_metrics(taken_at: datetime) -> dict[str, dict[str, Any]]:
    """Write every metric snapshot dated ``taken_at`` (replacing those already there).

    Returns the per-product figures; categories, venues and contributors are stored too.
    """
    from candor.measure.snapshots import take_snapshots

    settings = load_settings()
    store = stages.open_store(settings)
    try:
        figures = take_snapshots(store, settings, taken_at)
    finally:
        store.dispose()
    log.info(
        "metrics.snapshot",
        taken_at=taken_at.isoformat(),
        **{scope: len(rows) for scope, rows in figures.items()},
    )
    return figures["product"]


def vacuum() -> list[str]:
    """Vacuum and analyse the store; returns the statements run."""
    from corpus.maintenance import vacuum as vacuum_store

    store = stages.open_store(load_settings())
    try:
        statements = vacuum_store(store)
    finally:
        store.dispose()
    log.info("maintenance.vacuum", dialect=store.engine.dialect.name, statements=statements)
    return statements


def _jsonable(report: Any) -> Any:
    """A stage report as XCom can store it: dataclasses become dicts of their simple fields."""
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        simple = (str, int, float, bool, type(None))
        return {k: v for k, v in dataclasses.asdict(report).items() if isinstance(v, simple)}
    return report if isinstance(report, str | int | float | bool | type(None)) else str(report)
