"""Dated metric snapshots: what the corpus shows per product, category and venue, kept over time.

:func:`snapshot_groups` groups live threads three ways — by product (the thread's ``products``
annotation), by taxonomy category (its ``category`` annotation) and by venue — and counts, per
group, from the forum's own records and the enrichment's annotations (definitions in
``docs/metrics.md``):

    threads                  live threads in the group
    resolved                 threads judged resolved (``resolved`` annotation is true)
    gratitude                expressions of thanks (``gratitude`` post annotations)
    admissions               staff admissions of a mistake (``admission`` post annotations)
    threads_with_admissions  threads holding at least one admission
    accepted_answers         replies the forum marks as the accepted answer
    confirmed_fixes          openers confirming a fix (``solved_confirmation`` annotations)
    solved                   threads with an accepted answer or a confirmed fix
    first_helpful_reply_hours  median hours to the first helpful reply (``response_time``)
    helpers                  distinct community helpers, summed over threads (``helpers``)
    group_solved             solved threads with two or more distinct helpers
    referrals                unasked recommendations and mentions (``referral`` annotations)
    likes                    likes on live posts, as the forum counts them

Each group is stored as a :class:`~corpus.models.MetricSnapshot` (scope ``product``,
``category`` or ``venue``; key the slug, category id or venue name) dated ``taken_at``. Taking a
snapshot again for the same ``taken_at`` replaces that scope's rows, so a retried or backfilled
scheduler run writes the same rows once. :func:`snapshot_products` is the product scope alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.annotations import annotation_values
from corpus.store import Store

PRODUCT_SCOPE = "product"
CATEGORY_SCOPE = "category"
VENUE_SCOPE = "venue"
GROUP_SCOPES = (PRODUCT_SCOPE, CATEGORY_SCOPE, VENUE_SCOPE)
# Per contributor (key ``venue/username``), written by ``candor.measure``; the microsite's
# rankings page reads it back for rank changes.
CONTRIBUTOR_SCOPE = "contributor"
GROUP_METRICS = (
    "threads",
    "resolved",
    "gratitude",
    "admissions",
    "threads_with_admissions",
    "accepted_answers",
    "confirmed_fixes",
    "solved",
    "first_helpful_reply_hours",
    "helpers",
    "group_solved",
    "referrals",
    "likes",
)


@dataclass
class ThreadFacts:
    """What one live thread contributes to every group it belongs to."""

    venue: str
    products: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)
    resolved: bool = False
    gratitude: int = 0
    admissions: int = 0
    accepted_answers: int = 0
    confirmed_fixes: int = 0
    referrals: int = 0
    helpers: int = 0
    likes: int = 0
    first_helpful_reply_hours: float | None = None

    @property
    def solved(self) -> bool:
        return bool(self.accepted_answers or self.confirmed_fixes)


def thread_facts(session: Session) -> dict[int, ThreadFacts]:
    """Thread id → :class:`ThreadFacts` for every live thread (annotations read once)."""
    facts = {
        thread_id: ThreadFacts(venue)
        for thread_id, venue in session.execute(
            select(m.Thread.id, m.Venue.name)
            .join(m.Venue, m.Venue.id == m.Thread.venue_id)
            .where(m.Thread.deleted_at.is_(None))
        )
    }
    live_posts: dict[int, int] = {}
    for post_id, thread_id, likes, accepted in session.execute(
        select(m.Post.id, m.Post.thread_id, m.Post.likes, m.Post.is_accepted_answer).where(
            m.Post.deleted_at.is_(None)
        )
    ):
        if thread_id in facts:
            live_posts[post_id] = thread_id
            facts[thread_id].likes += likes or 0
            facts[thread_id].accepted_answers += bool(accepted)
    post_counts = {
        "gratitude": "gratitude",
        "admission": "admissions",
        "solved_confirmation": "confirmed_fixes",
        "referral": "referrals",
    }
    for subject, subject_id, thread_id, kind, value in annotation_values(
        session, [*post_counts, "products", "category", "resolved", "helpers", "response_time"]
    ):
        thread = facts.get(thread_id)
        if thread is None:
            continue
        if subject == "post":
            if kind in post_counts and subject_id in live_posts and value:
                setattr(thread, post_counts[kind], getattr(thread, post_counts[kind]) + 1)
        elif kind == "products":
            thread.products = {link["slug"] for link in value or [] if isinstance(link, dict)}
        elif kind == "category":
            thread.categories = {c["id"] for c in value or [] if isinstance(c, dict)}
        elif kind == "resolved":
            thread.resolved = value is True
        elif kind == "helpers" and isinstance(value, dict):
            thread.helpers = int(value.get("count") or 0)
        elif kind == "response_time" and isinstance(value, dict):
            thread.first_helpful_reply_hours = value.get("first_helpful_reply_hours")
    return facts


def group_figures(threads: Iterable[ThreadFacts]) -> dict[str, Any]:
    """The figures of one group of threads (see the module docstring)."""
    group = list(threads)
    hours = [t.first_helpful_reply_hours for t in group if t.first_helpful_reply_hours is not None]
    return {
        "threads": len(group),
        "resolved": sum(t.resolved for t in group),
        "gratitude": sum(t.gratitude for t in group),
        "admissions": sum(t.admissions for t in group),
        "threads_with_admissions": sum(t.admissions > 0 for t in group),
        "accepted_answers": sum(t.accepted_answers for t in group),
        "confirmed_fixes": sum(t.confirmed_fixes for t in group),
        "solved": sum(t.solved for t in group),
        "first_helpful_reply_hours": round(median(hours), 2) if hours else None,
        "helpers": sum(t.helpers for t in group),
        "group_solved": sum(t.solved and t.helpers >= 2 for t in group),
        "referrals": sum(t.referrals for t in group),
        "likes": sum(t.likes for t in group),
    }


def group_snapshot(session: Session) -> dict[str, dict[str, dict[str, Any]]]:
    """Scope → key → figures for every product, category and venue (computed, not stored)."""
    facts = thread_facts(session).values()
    members: dict[str, dict[str, list[ThreadFacts]]] = {s: defaultdict(list) for s in GROUP_SCOPES}
    for slug in session.scalars(select(m.Product.slug)):
        members[PRODUCT_SCOPE][slug] = []
    for venue in session.scalars(select(m.Venue.name)):
        members[VENUE_SCOPE][venue] = []
    for thread in facts:
        members[VENUE_SCOPE][thread.venue].append(thread)
        for slug in thread.products:
            members[PRODUCT_SCOPE][slug].append(thread)
        for category in thread.categories:
            members[CATEGORY_SCOPE][category].append(thread)
    return {
        scope: {key: group_figures(members[scope][key]) for key in sorted(members[scope])}
        for scope in GROUP_SCOPES
    }


def replace_snapshot(
    session: Session, scope: str, taken_at: datetime, rows: dict[str, dict[str, Any]]
) -> None:
    """Store ``rows`` (key → metrics) as the ``scope`` snapshot dated ``taken_at``, replacing it."""
    session.execute(
        delete(m.MetricSnapshot).where(
            m.MetricSnapshot.scope == scope, m.MetricSnapshot.taken_at == taken_at
        )
    )
    session.add_all(
        m.MetricSnapshot(taken_at=taken_at, scope=scope, key=key, metrics=metrics)
        for key, metrics in rows.items()
    )


def snapshot_groups(store: Store, taken_at: datetime) -> dict[str, dict[str, dict[str, Any]]]:
    """Write the product, category and venue snapshots dated ``taken_at``; returns them.

    store (Store): the corpus, enriched (threads without annotations count only in their venue).
    taken_at (datetime): the moment the figures describe, timezone-aware; a scheduler passes
        the end of its data interval.
    """
    with store.session() as session:
        figures = group_snapshot(session)
        for scope, rows in figures.items():
            replace_snapshot(session, scope, taken_at, rows)
    return figures


def snapshot_products(store: Store, taken_at: datetime) -> dict[str, dict[str, Any]]:
    """Write the product snapshot dated ``taken_at`` alone; returns ``{slug: metrics}``."""
    with store.session() as session:
        rows = group_snapshot(session)[PRODUCT_SCOPE]
        replace_snapshot(session, PRODUCT_SCOPE, taken_at, rows)
    return rows
