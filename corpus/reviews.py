"""Curators' decisions: the audit log of reviews and what it means for publishing.

Reviews are append-only; the newest review of a candidate is its decision. Only candidates whose
decision is ``approved`` and whose thread is still live at the source can be published: a deletion
at the source, or a later rejection, withdraws a thread at the next publish.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.errors import InputError

DECISIONS = ("approved", "rejected", "snoozed")


def record_review(
    session: Session,
    candidate: m.Candidate,
    decision: str,
    reviewer: str,
    reason: str | None = None,
    excerpt_post_ids: list[int] | None = None,
) -> m.Review:
    """Append a review; an excerpt may only name posts of the candidate's thread."""
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    excerpt = excerpt_post_ids or list(candidate.excerpt_post_ids)
    thread_posts = set(
        session.scalars(select(m.Post.id).where(m.Post.thread_id == candidate.thread_id))
    )
    foreign = [p for p in excerpt if p not in thread_posts]
    if foreign:
        raise InputError(f"posts {foreign} are not in thread {candidate.thread_id}")
    review = m.Review(
        candidate_id=candidate.id,
        decision=decision,
        reason=reason,
        excerpt_post_ids=excerpt,
        reviewer=reviewer,
    )
    session.add(review)
    session.flush()
    return review


def latest_reviews(session: Session) -> dict[int, m.Review]:
    """Candidate id → its newest review."""
    newest = (
        select(m.Review.candidate_id, func.max(m.Review.id).label("id"))
        .group_by(m.Review.candidate_id)
        .subquery()
    )
    reviews = session.scalars(select(m.Review).join(newest, newest.c.id == m.Review.id))
    return {r.candidate_id: r for r in reviews}


def approved_for_product(session: Session, product_id: int) -> list[tuple[m.Candidate, m.Review]]:
    """The product's publishable candidates with their approving review, best rank first."""
    decisions = latest_reviews(session)
    candidates = session.scalars(
        select(m.Candidate)
        .join(m.Thread, m.Thread.id == m.Candidate.thread_id)
        .where(m.Candidate.product_id == product_id, m.Thread.deleted_at.is_(None))
        .order_by(m.Candidate.rank, m.Candidate.id)
    )
    return [
        (c, decisions[c.id])
        for c in candidates
        if c.id in decisions and decisions[c.id].decision == "approved"
    ]
