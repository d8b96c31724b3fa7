"""Taking every snapshot at once, and reading snapshots back as series and ranking tables.

:func:`take_snapshots` writes, dated ``taken_at``, the product, category and venue snapshots
(:func:`corpus.metrics.snapshot_groups`) and the contributor snapshot
(:mod:`candor.measure.contributors`). Each scope's rows for that date are replaced, so a rerun
for the same date writes the same rows once (the Airflow metrics DAG passes its data interval's
end; ``candor snapshot`` passes now or ``--at``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.measure.contributors import contributor_figures
from corpus import models as m
from corpus.metrics import CONTRIBUTOR_SCOPE, group_snapshot, replace_snapshot
from corpus.settings import Settings
from corpus.store import Store


def take_snapshots(
    store: Store, settings: Settings, taken_at: datetime
) -> dict[str, dict[str, dict[str, Any]]]:
    """Write every corpus snapshot dated ``taken_at``; returns scope → key → figures."""
    with store.session() as session:
        figures = group_snapshot(session)
        figures[CONTRIBUTOR_SCOPE] = contributor_figures(
            session, settings.pilot_contributors, settings.publish.rankings_opt_out
        )
        for scope, rows in figures.items():
            replace_snapshot(session, scope, taken_at, rows)
    return figures


@dataclass(frozen=True)
class Point:
    """One dated value of one metric for one key."""

    taken_at: datetime
    key: str
    value: float | None


def series(
    session: Session,
    scope: str,
    metric: str,
    keys: list[str] | None = None,
    since: datetime | None = None,
) -> dict[str, list[Point]]:
    """Key → dated values of ``metric`` in ``scope`` (oldest first), optionally for ``keys``."""
    query = select(m.MetricSnapshot).where(m.MetricSnapshot.scope == scope)
    if keys:
        query = query.where(m.MetricSnapshot.key.in_(keys))
    if since is not None:
        query = query.where(m.MetricSnapshot.taken_at >= since)
    found: dict[str, list[Point]] = defaultdict(list)
    for row in session.scalars(query.order_by(m.MetricSnapshot.taken_at, m.MetricSnapshot.key)):
        value = (row.metrics or {}).get(metric)
        found[row.key].append(Point(row.taken_at, row.key, _number(value)))
    return dict(found)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None if value is None else float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def snapshot_dates(session: Session, scope: str, since: datetime | None = None) -> list[datetime]:
    """The dates ``scope`` was snapshotted (oldest first)."""
    query = select(m.MetricSnapshot.taken_at).where(m.MetricSnapshot.scope == scope).distinct()
    if since is not None:
        query = query.where(m.MetricSnapshot.taken_at >= since)
    return sorted(session.scalars(query))


def latest(session: Session, scope: str) -> tuple[datetime | None, dict[str, dict[str, Any]]]:
    """The newest snapshot of ``scope``: its date and key → metrics."""
    dates = snapshot_dates(session, scope)
    if not dates:
        return None, {}
    return dates[-1], _at(session, scope, dates[-1])


def _at(session: Session, scope: str, taken_at: datetime) -> dict[str, dict[str, Any]]:
    rows = session.scalars(
        select(m.MetricSnapshot).where(
            m.MetricSnapshot.scope == scope, m.MetricSnapshot.taken_at == taken_at
        )
    )
    return {row.key: dict(row.metrics or {}) for row in rows}


@dataclass(frozen=True)
class RankingRow:
    """One contributor in a ranking: rank now, rank at the previous snapshot, the change."""

    rank: int
    username: str
    venue: str
    score: int
    accepted_answers: int
    thanks_received: int
    helpful_replies: int
    mentions: int
    likes: int
    previous_rank: int | None

    @property
    def change(self) -> int | None:
        """Places gained since the previous snapshot (positive: moved up); None when new."""
        return None if self.previous_rank is None else self.previous_rank - self.rank


def ranking(
    session: Session, pilot: bool = False, since: datetime | None = None
) -> list[RankingRow]:
    """The newest contributor ranking (community, or the pilot group), with rank changes.

    The change compares with the oldest snapshot on or after ``since`` (the report's week), or
    with the snapshot just before the newest when ``since`` is not given.
    """
    dates = snapshot_dates(session, CONTRIBUTOR_SCOPE)
    if not dates:
        return []
    earlier = [d for d in dates[:-1] if since is None or d >= since]
    before = (
        _at(session, CONTRIBUTOR_SCOPE, (earlier[0] if since else earlier[-1])) if earlier else {}
    )
    field = "pilot_rank" if pilot else "rank"
    rows = [
        RankingRow(
            rank=figures[field],
            username=figures["username"],
            venue=figures["venue"],
            score=figures["score"],
            accepted_answers=figures["accepted_answers"],
            thanks_received=figures["thanks_received"],
            helpful_replies=figures["helpful_replies"],
            mentions=figures.get("mentions", 0),
            likes=figures.get("likes", 0),
            previous_rank=(before.get(key) or {}).get(field),
        )
        for key, figures in _at(session, CONTRIBUTOR_SCOPE, dates[-1]).items()
        if figures.get(field) is not None
    ]
    return sorted(rows, key=lambda r: r.rank)
