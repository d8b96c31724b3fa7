"""What the studio does, as plain functions over a session: the pages and the API both call them.

- :func:`queue` reads a product's candidates with their threads, score parts and evidence;
- :func:`decide` appends reviews (approve, reject with a reason, snooze), one or many at once,
  with the excerpt the curator chose (whole posts, or some of their sentences);
- :func:`composition` and :func:`set_order` read and set what a product page shows, in order;
  :func:`preview_files` renders it with the publisher, exactly as a release would;
- :func:`audit` writes the audit log every action and login goes to; :func:`audit_page` reads it.

Settings: ``studio.page_size``, ``publish.per_page`` (what the composer marks as shown).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.errors import InputError
from corpus.reviews import (
    DECISIONS,
    ORDER_ACTION,
    approved_for_product,
    latest_reviews,
    order_subject,
    record_review,
)
from corpus.settings import Settings

STATUSES = ("pending", "approved", "rejected", "snoozed", "all")
"""Queue tabs: ``pending`` is never reviewed; the others are the newest decision."""
MAX_EDITOR_POSTS = 40
"""Posts of a thread offered in the excerpt editor (the excerpt's own posts are always there)."""


class NotFound(InputError):
    """A product, candidate or thread named in a request does not exist."""


def audit(session: Session, actor: str, action: str, subject: str, **details: Any) -> None:
    """Append one row to the audit log (who did what to which object, with what)."""
    session.add(m.AuditEntry(actor=actor, action=action, subject=subject, details=details))


# -- reading the queue


@dataclass(frozen=True)
class SentenceView:
    index: int
    text: str
    parts: tuple[str, ...]
    """Score parts whose evidence falls in this sentence (highlighted)."""
    kept: bool


@dataclass(frozen=True)
class PostView:
    post_id: int
    number: int
    author: str
    staff: bool
    url: str
    sentences: tuple[SentenceView, ...]
    in_excerpt: bool
    whole: bool
    """In the excerpt with every sentence (no sentence chosen)."""

    @property
    def evidence(self) -> bool:
        return any(s.parts for s in self.sentences)

    def shown(self) -> list[SentenceView | None]:
        """The excerpt as shown: kept sentences, ``None`` where a gap shows as "…"."""
        out: list[SentenceView | None] = []
        for sentence in self.sentences:
            if sentence.kept:
                out.append(sentence)
            elif not out or out[-1] is not None:
                out.append(None)
        return out


@dataclass(frozen=True)
class CandidateView:
    id: int
    product: str
    rank: int
    score: float
    parts: dict[str, float]
    thread_id: int
    title: str
    url: str
    venue: str
    last_activity: datetime
    """What the ``freshness`` part counts the thread's age from."""
    decision: str | None
    reason: str | None
    reviewer: str | None
    decided_at: datetime | None
    posts: tuple[PostView, ...]

    @property
    def excerpt(self) -> list[PostView]:
        return [p for p in self.posts if p.in_excerpt]

    def data(self) -> dict[str, Any]:
        """JSON-ready: what the API returns for a candidate."""
        return {
            "id": self.id,
            "product": self.product,
            "rank": self.rank,
            "score": self.score,
            "parts": self.parts,
            "thread": {
                "id": self.thread_id,
                "title": self.title,
                "url": self.url,
                "last_activity_at": self.last_activity.isoformat(),
            },
            "venue": self.venue,
            "decision": self.decision,
            "reason": self.reason,
            "reviewer": self.reviewer,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "excerpt": [
                {
                    "post_id": p.post_id,
                    "number": p.number,
                    "author": p.author,
                    "staff": p.staff,
                    "whole": p.whole,
                    "sentences": [
                        {"index": s.index, "text": s.text, "parts": list(s.parts)}
                        for s in p.sentences
                        if s.kept
                    ],
                }
                for p in self.excerpt
            ],
        }


@dataclass(frozen=True)
class QueuePage:
    product: m.Product
    status: str
    candidates: list[CandidateView]
    counts: dict[str, int]
    page: int
    pages: int


def product_by_slug(session: Session, slug: str) -> m.Product:
    product = session.scalar(select(m.Product).where(m.Product.slug == slug))
    if product is None:
        known = ", ".join(session.scalars(select(m.Product.slug).order_by(m.Product.slug)))
        raise NotFound(f"no product {slug!r} (known: {known or 'none'})")
    return product


def products(session: Session) -> list[m.Product]:
    return list(session.scalars(select(m.Product).order_by(m.Product.name)))


def queue(
    session: Session, slug: str, status: str = "pending", page: int = 1, page_size: int = 25
) -> QueuePage:
    """One page of a product's active candidates in ``status`` (see :data:`STATUSES`), by rank."""
    if status not in STATUSES:
        raise InputError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    product = product_by_slug(session, slug)
    rows = session.execute(
        select(m.Candidate.id, m.Candidate.rank)
        .join(m.Thread, m.Thread.id == m.Candidate.thread_id)
        .where(
            m.Candidate.product_id == product.id,
            m.Candidate.active,
            m.Thread.deleted_at.is_(None),
        )
        .order_by(m.Candidate.rank, m.Candidate.id)
    ).all()
    decisions = _decisions(session, [cid for cid, _ in rows])
    counts = dict.fromkeys(STATUSES, 0)
    chosen = []
    for cid, _ in rows:
        state = decisions[cid].decision if cid in decisions else "pending"
        counts[state] = counts.get(state, 0) + 1
        counts["all"] += 1
        if status in ("all", state):
            chosen.append(cid)
    pages = max(1, -(-len(chosen) // page_size))
    page = min(max(1, page), pages)
    ids = chosen[(page - 1) * page_size : page * page_size]
    return QueuePage(product, status, candidate_views(session, ids, decisions), counts, page, pages)


def _decisions(session: Session, candidate_ids: list[int]) -> dict[int, m.Review]:
    """Candidate id → newest review, for these candidates only."""
    if not candidate_ids:
        return {}
    newest = (
        select(func.max(m.Review.id))
        .where(m.Review.candidate_id.in_(candidate_ids))
        .group_by(m.Review.candidate_id)
    )
    return {
        r.candidate_id: r for r in session.scalars(select(m.Review).where(m.Review.id.in_(newest)))
    }


def candidate_views(
    session: Session, ids: list[int], decisions: dict[int, m.Review] | None = None
) -> list[CandidateView]:
    """The candidates ``ids`` (in that order) with their threads' posts, sentences and evidence."""
    if not ids:
        return []
    decisions = decisions if decisions is not None else _decisions(session, ids)
    rows = session.execute(
        select(m.Candidate, m.Thread, m.Venue.name, m.Product.slug)
        .join(m.Thread, m.Thread.id == m.Candidate.thread_id)
        .join(m.Venue, m.Venue.id == m.Thread.venue_id)
        .join(m.Product, m.Product.id == m.Candidate.product_id)
        .where(m.Candidate.id.in_(ids))
    ).all()
    by_id = {c.id: (c, t, venue, slug) for c, t, venue, slug in rows}
    thread_ids = list({t.id for _, t, _, _ in rows})
    posts: dict[int, list[tuple[m.Post, str, m.PostText]]] = defaultdict(list)
    for post, username, text in session.execute(
        select(m.Post, m.Author.username, m.PostText)
        .join(m.Author, m.Author.id == m.Post.author_id)
        .join(m.PostText, m.PostText.post_id == m.Post.id)
        .where(m.Post.thread_id.in_(thread_ids), m.Post.deleted_at.is_(None))
        .order_by(m.Post.thread_id, m.Post.number)
    ):
        posts[post.thread_id].append((post, username, text))
    post_ids = [p.id for rows_ in posts.values() for p, _, _ in rows_]
    staff = {
        post_id
        for post_id, value in session.execute(
            select(m.Annotation.subject_id, m.Annotation.value).where(
                m.Annotation.subject == "post",
                m.Annotation.kind == "role",
                m.Annotation.subject_id.in_(post_ids),
            )
        )
        if value == "staff"
    }
    views = []
    for cid in ids:
        if cid not in by_id:
            continue
        candidate, thread, venue, slug = by_id[cid]
        review = decisions.get(cid)
        excerpt = [int(p) for p in (review.excerpt_post_ids if review else [])] or [
            int(p) for p in candidate.excerpt_post_ids
        ]
        chosen = {int(k): set(v) for k, v in (review.excerpt_sentences if review else {}).items()}
        views.append(
            CandidateView(
                id=candidate.id,
                product=slug,
                rank=candidate.rank,
                score=candidate.score,
                parts=dict(candidate.parts),
                thread_id=thread.id,
                title=thread.title,
                url=thread.url,
                venue=venue,
                last_activity=thread.last_activity_at or thread.created_at,
                decision=review.decision if review else None,
                reason=review.reason if review else None,
                reviewer=review.reviewer if review else None,
                decided_at=review.decided_at if review else None,
                posts=_post_views(posts[thread.id], candidate.evidence, excerpt, chosen, staff),
            )
        )
    return views


def _post_views(
    rows: list[tuple[m.Post, str, m.PostText]],
    evidence: list[dict[str, Any]],
    excerpt: list[int],
    chosen: dict[int, set[int]],
    staff: set[int],
) -> tuple[PostView, ...]:
    marks: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for item in evidence:
        if item.get("post_id") is not None and "start" in item and "end" in item:
            marks[int(item["post_id"])].append(
                (int(item["start"]), int(item["end"]), str(item.get("part", "")))
            )
    views = []
    for post, username, text in rows:
        in_excerpt = post.id in excerpt
        if not in_excerpt and not marks.get(post.id) and len(views) >= MAX_EDITOR_POSTS:
            continue
        kept = chosen.get(post.id, set())
        spans = [(int(s[0]), int(s[1])) for s in text.sentences] or [(0, len(text.text))]
        sentences = tuple(
            SentenceView(
                index=i,
                text=text.text[start:end],
                parts=tuple(
                    sorted({part for a, b, part in marks.get(post.id, []) if a < end and b > start})
                ),
                kept=in_excerpt and (not kept or i in kept),
            )
            for i, (start, end) in enumerate(spans)
        )
        views.append(
            PostView(
                post_id=post.id,
                number=post.number,
                author=username,
                staff=post.id in staff,
                url=post.url,
                sentences=sentences,
                in_excerpt=in_excerpt,
                whole=in_excerpt and not kept,
            )
        )
    return tuple(views)


# -- deciding


def decide(
    session: Session,
    actor: str,
    candidate_ids: list[int],
    decision: str,
    reason: str | None = None,
    excerpt_post_ids: list[int] | None = None,
    excerpt_sentences: dict[int, list[int]] | None = None,
) -> list[m.Review]:
    """Append a review to each candidate, and an audit entry for each.

    A rejection needs a reason. An excerpt (posts, and optionally sentences of them) may only be
    given for a single candidate; without one the candidate's current excerpt is kept.
    """
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    reason = (reason or "").strip() or None
    if decision == "rejected" and not reason:
        raise InputError("say why: a rejection needs a reason")
    if not candidate_ids:
        raise InputError("choose at least one candidate")
    if (excerpt_post_ids or excerpt_sentences) and len(candidate_ids) != 1:
        raise InputError("an excerpt can be chosen for one candidate at a time")
    if excerpt_sentences and not excerpt_post_ids:
        excerpt_post_ids = sorted(int(p) for p in excerpt_sentences)
    current = _decisions(session, candidate_ids)
    reviews = []
    for cid in dict.fromkeys(candidate_ids):
        candidate = session.get(m.Candidate, cid)
        if candidate is None:
            raise NotFound(f"no candidate {cid}")
        previous = current.get(cid)
        posts = excerpt_post_ids or (list(previous.excerpt_post_ids) if previous else None)
        sentences = excerpt_sentences
        if sentences is None and excerpt_post_ids is None and previous is not None:
            sentences = {int(k): list(v) for k, v in previous.excerpt_sentences.items()}
        review = record_review(session, candidate, decision, actor, reason, posts, sentences)
        before = (
            (list(previous.excerpt_post_ids), dict(previous.excerpt_sentences))
            if previous
            else (list(candidate.excerpt_post_ids), {})
        )
        audit(
            session,
            actor,
            f"review.{decision}",
            f"candidate:{cid}",
            product=candidate.product.slug,
            thread_id=candidate.thread_id,
            reason=reason,
            excerpt_post_ids=review.excerpt_post_ids,
            excerpt_sentences=review.excerpt_sentences,
            excerpt_edited=(review.excerpt_post_ids, review.excerpt_sentences) != before,
            previous=previous.decision if previous else None,
        )
        reviews.append(review)
    return reviews


# -- composing a product page


@dataclass(frozen=True)
class Composition:
    product: m.Product
    approved: list[CandidateView]
    per_page: int
    live: list[int] = field(default_factory=list)
    """Thread ids the current release shows on this page."""


def composition(session: Session, slug: str, settings: Settings) -> Composition:
    """The product's approved candidates in page order; the first ``per_page`` are shown."""
    product = product_by_slug(session, slug)
    approved = approved_for_product(session, product.id, latest_reviews(session))
    decisions = {c.id: r for c, r in approved}
    views = candidate_views(session, [c.id for c, _ in approved], decisions)
    live = session.scalar(
        select(m.MashUp.thread_ids)
        .join(m.Release, m.Release.id == m.MashUp.release_id)
        .where(m.Release.status == "current", m.MashUp.product_id == product.id)
    )
    return Composition(product, views, settings.publish.per_page, list(live or []))


def set_order(session: Session, actor: str, slug: str, candidate_ids: list[int]) -> list[int]:
    """Record the curator's order of the product's approved candidates (an audit entry)."""
    product = product_by_slug(session, slug)
    approved = {c.id for c, _ in approved_for_product(session, product.id)}
    unknown = [cid for cid in candidate_ids if cid not in approved]
    if unknown:
        raise InputError(f"candidates {unknown} are not approved for {slug}")
    order = list(dict.fromkeys(candidate_ids))
    audit(session, actor, ORDER_ACTION, order_subject(product), candidate_ids=order)
    return order


def move(session: Session, actor: str, slug: str, candidate_id: int, step: int) -> list[int]:
    """Move one approved candidate up (``step=-1``) or down (``+1``) the page."""
    product = product_by_slug(session, slug)
    order = [c.id for c, _ in approved_for_product(session, product.id)]
    if candidate_id not in order:
        raise InputError(f"candidate {candidate_id} is not approved for {slug}")
    i = order.index(candidate_id)
    j = min(max(0, i + step), len(order) - 1)
    order[i], order[j] = order[j], order[i]
    return set_order(session, actor, slug, order)


def preview_files(session: Session, slug: str, settings: Settings) -> dict[str, bytes]:
    """The release files of this product's page, rendered now by the publisher."""
    from publisher.mashups import collect_mashup
    from publisher.render import Microsite, render_site

    product = product_by_slug(session, slug)
    mashup = collect_mashup(session, product, settings.publish)
    site = Microsite(
        removal_contact=settings.publish.removal_contact,
        per_page=settings.publish.per_page,
        referral_param=settings.publish.referral_param,
    )
    return render_site([mashup], settings.publish.base_url, site)


# -- the audit log


@dataclass(frozen=True)
class AuditPage:
    entries: list[m.AuditEntry]
    page: int
    pages: int
    actions: list[str]


def audit_page(
    session: Session,
    page: int = 1,
    page_size: int = 50,
    actor: str | None = None,
    action: str | None = None,
) -> AuditPage:
    """The newest audit entries first, optionally of one actor or action."""
    where = []
    if actor:
        where.append(m.AuditEntry.actor == actor)
    if action:
        where.append(m.AuditEntry.action == action)
    total = session.scalar(select(func.count()).select_from(m.AuditEntry).where(*where)) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    entries = list(
        session.scalars(
            select(m.AuditEntry)
            .where(*where)
            .order_by(m.AuditEntry.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    actions = list(
        session.scalars(select(m.AuditEntry.action).distinct().order_by(m.AuditEntry.action))
    )
    return AuditPage(entries, page, pages, actions)
