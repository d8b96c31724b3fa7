"""Removal requests: a person's words taken off everything Candor publishes, and kept off.

:func:`forget` records the request and scrubs the corpus at once: the posts become empty
tombstones, their texts, judgements and vectors go, the author's names are replaced, and every
judgement of the threads they were in is dropped so enrichment recomputes it without them.
:func:`apply_removals` is how ingest keeps them off when the forum is crawled again. Publishing,
indexing and purging old releases follow in :func:`candor.stages.forget`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.errors import InputError
from corpus.models import utcnow
from corpus.records import AuthorRecord, PostRecord, ThreadRecord

REMOVED = "[removed]"
EMPTY_HASH = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class Forgotten:
    """What a removal touched: thread ids to re-judge and republish, post ids scrubbed."""

    thread_ids: tuple[int, ...]
    post_ids: tuple[int, ...]


def forget(
    session: Session,
    venue: m.Venue,
    requested_by: str,
    author: str | None = None,
    post_source_id: str | None = None,
    reason: str | None = None,
) -> Forgotten:
    """Record the removal of ``author`` (a username) or one post, and scrub the corpus."""
    if (author is None) == (post_source_id is None):
        raise InputError("say whose words to remove: an author or a post, not both")
    if author is not None:
        authors = session.scalars(
            select(m.Author).where(
                m.Author.venue_id == venue.id, func.lower(m.Author.username) == author.lower()
            )
        ).all()
        if not authors:
            raise InputError(f"no author {author!r} in venue {venue.name}")
        for row in authors:
            _record(session, venue, "author", row.source_id, requested_by, reason)
            row.username, row.display_name, row.groups, row.flair = REMOVED, None, [], None
        posts = session.scalars(
            select(m.Post).where(m.Post.author_id.in_([a.id for a in authors]))
        ).all()
    else:
        posts = session.scalars(
            select(m.Post)
            .join(m.Thread, m.Thread.id == m.Post.thread_id)
            .where(m.Thread.venue_id == venue.id, m.Post.source_id == post_source_id)
        ).all()
        if not posts:
            raise InputError(f"no post {post_source_id!r} in venue {venue.name}")
        _record(session, venue, "post", str(post_source_id), requested_by, reason)
    return _scrub(session, posts)


def _record(
    session: Session, venue: m.Venue, kind: str, source_id: str, by: str, reason: str | None
) -> None:
    exists = session.scalar(
        select(m.Removal).where(
            m.Removal.venue_id == venue.id, m.Removal.kind == kind, m.Removal.source_id == source_id
        )
    )
    if exists is None:
        session.add(
            m.Removal(
                venue_id=venue.id, kind=kind, source_id=source_id, requested_by=by, reason=reason
            )
        )
    session.add(
        m.AuditEntry(
            actor=by,
            action="forget",
            subject=f"{kind}:{venue.name}:{source_id}",
            details={"reason": reason} if reason else {},
        )
    )


def _scrub(session: Session, posts: list[m.Post]) -> Forgotten:
    post_ids = [p.id for p in posts]
    thread_ids = sorted({p.thread_id for p in posts})
    for post in posts:
        post.html, post.content_hash = "", EMPTY_HASH
        post.deleted_at = post.deleted_at or utcnow()
    # A changed thread is enriched and indexed again (see nlp.enrich and corpus.search).
    session.execute(update(m.Thread).where(m.Thread.id.in_(thread_ids)).values(changed_at=utcnow()))
    session.execute(delete(m.PostText).where(m.PostText.post_id.in_(post_ids)))
    # Every judgement of these threads may quote the removed words; enrichment redoes them.
    session.execute(delete(m.Annotation).where(m.Annotation.thread_id.in_(thread_ids)))
    session.execute(
        delete(m.Embedding).where(
            or_(
                (m.Embedding.subject == "thread") & m.Embedding.subject_id.in_(thread_ids),
                (m.Embedding.subject == "post") & m.Embedding.subject_id.in_(post_ids),
            )
        )
    )
    removed = set(post_ids)
    for candidate in session.scalars(
        select(m.Candidate).where(m.Candidate.thread_id.in_(thread_ids))
    ):
        candidate.evidence = [e for e in candidate.evidence if e.get("post_id") not in removed]
        candidate.excerpt_post_ids = [p for p in candidate.excerpt_post_ids if p not in removed]
    session.flush()
    return Forgotten(tuple(thread_ids), tuple(post_ids))


def apply_removals(session: Session, venue: m.Venue, record: ThreadRecord) -> ThreadRecord:
    """The record with removed authors' and posts' words replaced by empty tombstones."""
    removals = session.execute(
        select(m.Removal.kind, m.Removal.source_id).where(m.Removal.venue_id == venue.id)
    ).all()
    if not removals:
        return record
    authors = {s for kind, s in removals if kind == "author"}
    posts = {s for kind, s in removals if kind == "post"}
    kept = tuple(
        _tombstone(p) if p.author.source_id in authors or p.source_id in posts else p
        for p in record.posts
    )
    return record.model_copy(update={"posts": kept})


def _tombstone(post: PostRecord) -> PostRecord:
    author = AuthorRecord(source_id=post.author.source_id, username=REMOVED)
    return post.model_copy(update={"html": "", "deleted": True, "author": author})
