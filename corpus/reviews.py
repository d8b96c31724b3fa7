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
    excerpt_sentences: dict[int, list[int]] | None = None,
) -> m.Review:
    """Append a review; an excerpt may only name posts of the candidate's thread.

    ``excerpt_sentences`` keeps only some sentences (indexes into the post's
    ``PostText.sentences``) of excerpt posts; a post it does not name is shown whole.
    """
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    excerpt = excerpt_post_ids or list(candidate.excerpt_post_ids)
    thread_posts = set(
        session.scalars(select(m.Post.id).where(m.Post.thread_id == candidate.thread_id))
    )
    foreign = [p for p in excerpt if p not in thread_posts]
    if foreign:
        raise InputError(f"posts {foreign} are not in thread {candidate.thread_id}")
    sentences = _checked_sentences(session, excerpt, excerpt_sentences or {})
    review = m.Review(
        candidate_id=candidate.id,
        decision=decision,
        reason=reason,
        excerpt_post_ids=excerpt,
        excerpt_sentences=sentences,
        reviewer=reviewer,
    )
    session.add(review)
    session.flush()
    return review


def _checked_sentences(
    session: Session, excerpt: list[int], chosen: dict[int, list[int]]
) -> dict[str, list[int]]:
    """``chosen`` with JSON keys, refused unless every index names a sentence of an excerpt post."""
    kept: dict[str, list[int]] = {}
    for post_id, indexes in chosen.items():
        post_id = int(post_id)
        if post_id not in excerpt:
            raise InputError(f"sentences chosen in post {post_id}, which is not in the excerpt")
        text = session.get(m.PostText, post_id)
        count = len(text.sentences) if text else 0
        wanted = sorted({int(i) for i in indexes})
        if not wanted:
            continue  # no sentence named: the post is shown whole
        if wanted[0] < 0 or wanted[-1] >= count:
            raise InputError(f"post {post_id} has {count} sentences; cannot keep {wanted}")
        kept[str(post_id)] = wanted
    return kept


def latest_reviews(session: Session) -> dict[int, m.Review]:
    """Candidate id → its newest review."""
    newest = (
        select(m.Review.candidate_id, func.max(m.Review.id).label("id"))
        .group_by(m.Review.candidate_id)
        .subquery()
    )
    reviews = session.scalars(select(m.Review).join(newest, newest.c.id == m.Review.id))
    return {r.candidate_id: r for r in reviews}


def approved_for_product(
    session: Session, product_id: int, decisions: dict[int, m.Review] | None = None
) -> list[tuple[m.Candidate, m.Review]]:
    """The product's publishable candidates with their approving review, best rank first.

    ``decisions`` is :func:`latest_reviews`, read once by a caller that asks for many products.
    """
    if decisions is None:
        decisions = latest_reviews(session)
    candidates = session.scalars(
        select(m.Candidate)
        .join(m.Thread, m.Thread.id == m.Candidate.thread_id)
        .where(m.Candidate.product_id == product_id, m.Thread.deleted_at.is_(None))
        .order_by(m.Candidate.rank, m.Candidate.id)
    )
    approved = [
        (c, decisions[c.id])
        for c in candidates
        if c.id in decisions and decisions[c.id].decision == "approved"
    ]
    order = {cid: n for n, cid in enumerate(curated_order(session, product_id))}
    if order:  # the curator's order first (stable sort: the rest keep their rank order)
        approved.sort(key=lambda pair: order.get(pair[0].id, len(order)))
    return approved


ORDER_ACTION = "mashup.order"
"""The audit action that records a curator's order of a product page (the newest one counts)."""


def order_subject(product: m.Product) -> str:
    return f"product:{product.slug}"


def curated_order(session: Session, product_id: int) -> list[int]:
    """Candidate ids in the order a curator set for the product's page (newest order wins).

    The order is kept as an append-only audit entry (:data:`ORDER_ACTION`), like every decision.
    Candidates it does not name follow, best rank first.
    """
    product = session.get(m.Product, product_id)
    if product is None:
        return []
    details = session.scalar(
        select(m.AuditEntry.details)
        .where(m.AuditEntry.action == ORDER_ACTION, m.AuditEntry.subject == order_subject(product))
        .order_by(m.AuditEntry.id.desc())
        .limit(1)
    )
    return [int(i) for i in (details or {}).get("candidate_ids", [])]


def withdraw(
    session: Session,
    reviewer: str,
    reason: str,
    thread_id: int | None = None,
    candidate_id: int | None = None,
) -> list[m.Review]:
    """Reject a thread for every product (``thread_id``) or one candidate (``candidate_id``).

    Appends a ``rejected`` review, with ``reason``, to each candidate whose newest decision is not
    already a rejection, so the thread cannot come back without a new approval. Returns the
    reviews added (none when everything was rejected already). Raises :class:`InputError`
    when the thread or candidate does not exist, or when not exactly one of them is given.
    """
    if (thread_id is None) == (candidate_id is None):
        raise InputError("name either a thread or a candidate to withdraw, not both or neither")
    if candidate_id is not None:
        candidate = session.get(m.Candidate, candidate_id)
        if candidate is None:
            raise InputError(f"no candidate {candidate_id}")
        candidates = [candidate]
    else:
        if session.get(m.Thread, thread_id) is None:
            raise InputError(f"no thread {thread_id}")
        candidates = list(
            session.scalars(
                select(m.Candidate)
                .where(m.Candidate.thread_id == thread_id)
                .order_by(m.Candidate.id)
            )
        )
    decisions = latest_reviews(session)
    return [
        record_review(session, c, "rejected", reviewer, reason)
        for c in candidates
        if c.id not in decisions or decisions[c.id].decision != "rejected"
    ]
