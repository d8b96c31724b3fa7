"""Writing crawled threads into the corpus: new, changed or unchanged, never half.

:func:`save_thread` takes a whole :class:`~corpus.records.ThreadRecord` and applies it inside the
caller's transaction: a new thread is inserted; a known one has its changed posts updated (the old
content hash stays in ``post_versions``), posts that vanished at the source tombstoned, and new
posts added. The return value says which, for the crawl report.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.models import utcnow
from corpus.records import AuthorRecord, PostRecord, ThreadRecord, activity_fingerprint
from corpus.removals import apply_removals
from corpus.settings import VenueConfig

_Sourced = TypeVar("_Sourced", m.Thread, m.Author)


class Change(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


def ensure_venue(session: Session, venue: VenueConfig) -> m.Venue:
    """The venue's row, created or updated from the configuration."""
    row = session.scalar(select(m.Venue).where(m.Venue.name == venue.name))
    if row is None:
        row = m.Venue(name=venue.name, platform=venue.platform, url=venue.url, public_url="")
        session.add(row)
    row.platform, row.url, row.public_url = venue.platform, venue.url, venue.link_base
    session.flush()
    return row


def known_fingerprints(session: Session, venue_id: int) -> dict[str, str]:
    """Source id → activity fingerprint of every live thread: what a crawl may skip."""
    rows = session.execute(
        select(m.Thread.source_id, m.Thread.fingerprint).where(
            m.Thread.venue_id == venue_id, m.Thread.deleted_at.is_(None)
        )
    )
    return dict(rows.all())


def _by_source(
    session: Session, model: type[_Sourced], venue_id: int, source_id: str
) -> _Sourced | None:
    """The row of ``model`` the venue knows by ``source_id``."""
    return session.scalar(
        select(model).where(model.venue_id == venue_id, model.source_id == source_id)
    )


def save_thread(session: Session, venue: m.Venue, record: ThreadRecord) -> Change:
    """Apply ``record`` to the corpus; see the module docstring."""
    record = apply_removals(session, venue, record)
    thread = _by_source(session, m.Thread, venue.id, record.source_id)
    fingerprint = activity_fingerprint(record.highest_post_number, record.last_activity_at)
    change = Change.NEW if thread is None else Change.UNCHANGED
    if thread is None:
        thread = m.Thread(venue_id=venue.id, source_id=record.source_id, fingerprint=fingerprint)
        session.add(thread)
    was_deleted = thread.deleted_at is not None
    thread.title, thread.url = record.title, record.url
    thread.source_category, thread.tags = record.category, list(record.tags)
    thread.created_at, thread.last_activity_at = record.created_at, record.last_activity_at
    thread.highest_post_number, thread.fingerprint = record.highest_post_number, fingerprint
    thread.deleted_at = utcnow() if record.deleted else None
    session.flush()

    existing = {p.source_id: p for p in thread.posts}
    posts_changed = _save_posts(session, venue, thread, record.posts, existing)
    if change is Change.UNCHANGED and (posts_changed or was_deleted != record.deleted):
        change = Change.CHANGED
    if change is not Change.UNCHANGED:
        thread.changed_at = utcnow()
    return change


def _save_posts(
    session: Session,
    venue: m.Venue,
    thread: m.Thread,
    records: tuple[PostRecord, ...],
    existing: dict[str, m.Post],
) -> bool:
    """Insert, update and tombstone the thread's posts; True if anything changed."""
    changed = False
    seen: set[str] = set()
    for record in records:
        seen.add(record.source_id)
        post = existing.get(record.source_id)
        author = _ensure_author(session, venue, record.author)
        if post is None:
            post = m.Post(
                thread_id=thread.id,
                source_id=record.source_id,
                number=record.number,
                author_id=author.id,
                html=record.html,
                content_hash="",
                created_at=record.created_at,
                url=record.url,
            )
            session.add(post)
            changed = True
            session.flush()
        if post.content_hash != record.content_hash:
            session.add(m.PostVersion(post_id=post.id, content_hash=record.content_hash))
            changed = True
        deleted_now = record.deleted and post.deleted_at is None
        restored = not record.deleted and post.deleted_at is not None
        changed = changed or deleted_now or restored
        post.number, post.author_id, post.html = record.number, author.id, record.html
        post.content_hash, post.url = record.content_hash, record.url
        post.created_at, post.updated_at = record.created_at, record.updated_at
        post.reply_to_number, post.likes = record.reply_to_number, record.likes
        post.is_accepted_answer = record.is_accepted_answer
        post.deleted_at = (post.deleted_at or utcnow()) if record.deleted else None
    for source_id, post in existing.items():
        if source_id not in seen and post.deleted_at is None:
            post.deleted_at = utcnow()
            changed = True
    session.flush()
    return changed


def _ensure_author(session: Session, venue: m.Venue, record: AuthorRecord) -> m.Author:
    author = _by_source(session, m.Author, venue.id, record.source_id)
    if author is None:
        author = m.Author(venue_id=venue.id, source_id=record.source_id)
        session.add(author)
    author.username, author.display_name = record.username, record.display_name
    author.groups, author.flair = list(record.groups), record.flair
    author.is_moderator, author.is_admin = record.is_moderator, record.is_admin
    author.source_staff_flag = record.source_staff_flag
    session.flush()
    return author


def tombstone_thread(session: Session, venue: m.Venue, source_id: str) -> bool:
    """Mark a thread deleted at the source; True if it was live."""
    thread = _by_source(session, m.Thread, venue.id, source_id)
    if thread is None or thread.deleted_at is not None:
        return False
    thread.deleted_at = thread.changed_at = utcnow()
    return True
