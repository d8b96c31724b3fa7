"""Writing crawled threads into the corpus: new, changed or unchanged, never half.

:func:`save_thread` takes a whole :class:`~corpus.records.ThreadRecord` and applies it inside the
caller's transaction: a new thread is inserted; a known one has its changed posts updated (the old
content hash stays in ``post_versions``), posts that vanished at the source tombstoned, and new
posts added. The return value says which, for the crawl report.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.models import utcnow
from corpus.records import AuthorRecord, PostRecord, ThreadRecord, activity_fingerprint
from corpus.removals import apply_removals
from corpus.settings import VenueConfig


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


def _thread(session: Session, venue_id: int, source_id: str) -> m.Thread | None:
    """The thread the venue knows by ``source_id``."""
    return session.scalar(
        select(m.Thread).where(m.Thread.venue_id == venue_id, m.Thread.source_id == source_id)
    )


def save_thread(
    session: Session,
    venue: m.Venue,
    record: ThreadRecord,
    authors: dict[str, m.Author] | None = None,
) -> Change:
    """Apply ``record`` to the corpus; see the module docstring.

    authors (dict[str, m.Author] | None): the venue's author rows by source id, loaded in this
        ``session``. Pass one dict to every thread saved in the same transaction, so a crawl that
        writes threads in batches looks each author up once per batch, not once per post.
    """
    record = apply_removals(session, venue, record)
    thread = _thread(session, venue.id, record.source_id)
    fingerprint = activity_fingerprint(record.highest_post_number, record.last_activity_at)
    change = Change.NEW if thread is None else Change.UNCHANGED
    # A new thread has no posts to load; an existing one's posts are compared one by one.
    existing = {} if thread is None else {p.source_id: p for p in thread.posts}
    if thread is None:
        thread = m.Thread(venue_id=venue.id, source_id=record.source_id, fingerprint=fingerprint)
        session.add(thread)
    was_deleted = thread.deleted_at is not None
    thread.title, thread.url = record.title, record.url
    thread.source_category, thread.tags = record.category, list(record.tags)
    thread.created_at, thread.last_activity_at = record.created_at, record.last_activity_at
    thread.highest_post_number, thread.fingerprint = record.highest_post_number, fingerprint
    thread.deleted_at = utcnow() if record.deleted else None

    cache = {} if authors is None else authors
    _load_authors(session, venue, record.posts, cache)
    posts_changed = _save_posts(session, venue, thread, record.posts, existing, cache)
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
    authors: dict[str, m.Author],
) -> bool:
    """Insert, update and tombstone the thread's posts; True if anything changed.

    Rows are linked through relationships, so the whole thread is written by one flush (plus
    one for the content-hash history, which needs the new posts' ids).
    """
    changed = False
    seen: set[str] = set()
    versions: list[tuple[m.Post, str]] = []
    for record in records:
        seen.add(record.source_id)
        post = existing.get(record.source_id)
        author = _update_author(venue, record.author, authors)
        if post is None:
            post = m.Post(thread=thread, source_id=record.source_id, content_hash="")
            session.add(post)
            changed = True
        if post.content_hash != record.content_hash:
            versions.append((post, record.content_hash))
            changed = True
        deleted_now = record.deleted and post.deleted_at is None
        restored = not record.deleted and post.deleted_at is not None
        # An answer accepted (or no longer) changes whether the thread is resolved.
        accepted = bool(post.is_accepted_answer) != record.is_accepted_answer
        changed = changed or deleted_now or restored or accepted
        post.number, post.author, post.html = record.number, author, record.html
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
    session.add_all(m.PostVersion(post_id=post.id, content_hash=h) for post, h in versions)
    return changed


# Source ids per ``IN (…)`` query: far below any database's limit on bound parameters.
_AUTHORS_PER_QUERY = 500


def _load_authors(
    session: Session,
    venue: m.Venue,
    records: tuple[PostRecord, ...],
    authors: dict[str, m.Author],
) -> None:
    """Add the rows of the posts' authors not yet in ``authors`` (one query per 500 authors)."""
    wanted = sorted({p.author.source_id for p in records} - authors.keys())
    for start in range(0, len(wanted), _AUTHORS_PER_QUERY):
        chunk = wanted[start : start + _AUTHORS_PER_QUERY]
        rows = session.scalars(
            select(m.Author).where(m.Author.venue_id == venue.id, m.Author.source_id.in_(chunk))
        )
        authors.update((row.source_id, row) for row in rows)


def _update_author(venue: m.Venue, record: AuthorRecord, authors: dict[str, m.Author]) -> m.Author:
    """The author's row, created when new, with what the source shows now."""
    author = authors.get(record.source_id)
    if author is None:
        # Added to the session with the post that references it (save-update cascade).
        author = authors[record.source_id] = m.Author(venue_id=venue.id, source_id=record.source_id)
    author.username, author.display_name = record.username, record.display_name
    author.groups, author.flair = list(record.groups), record.flair
    author.is_moderator, author.is_admin = record.is_moderator, record.is_admin
    author.source_staff_flag = record.source_staff_flag
    return author


def tombstone_thread(session: Session, venue: m.Venue, source_id: str) -> bool:
    """Mark a thread deleted at the source; True if it was live."""
    thread = _thread(session, venue.id, source_id)
    if thread is None or thread.deleted_at is not None:
        return False
    thread.deleted_at = thread.changed_at = utcnow()
    return True
