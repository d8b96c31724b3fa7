"""Plain, validated records that cross the boundary into the corpus.

Crawlers produce these; the store turns them into rows. Keeping them free of
SQLAlchemy lets a spider, a test or an import script build one without a
database, and lets the store validate everything before it writes anything.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AuthorRecord(BaseModel):
    """A forum member as the source shows them."""

    model_config = ConfigDict(frozen=True)

    source_id: str = Field(description="The forum's own user id or, failing that, the username.")
    username: str
    display_name: str | None = None
    groups: tuple[str, ...] = Field(default=(), description="Primary group, flair group…")
    flair: str | None = None
    is_moderator: bool = False
    is_admin: bool = False
    source_staff_flag: bool = Field(
        default=False, description="The forum's own 'staff' flag (moderators count as staff there)."
    )


class PostRecord(BaseModel):
    """One post of a thread, with the raw HTML kept for re-processing."""

    model_config = ConfigDict(frozen=True)

    source_id: str
    number: int = Field(ge=1, description="Position in the thread, 1 for the opening post.")
    author: AuthorRecord
    html: str
    created_at: datetime
    updated_at: datetime | None = None
    url: str
    reply_to_number: int | None = None
    is_accepted_answer: bool = False
    likes: int = 0
    deleted: bool = False

    @property
    def content_hash(self) -> str:
        """SHA-256 of the raw HTML: a re-crawl compares it to notice edits."""
        return hashlib.sha256(self.html.encode("utf-8")).hexdigest()


class ThreadRecord(BaseModel):
    """A whole thread: the crawler emits one only when every post of it was fetched."""

    model_config = ConfigDict(frozen=True)

    source_id: str
    title: str
    url: str
    category: str | None = None
    tags: tuple[str, ...] = ()
    created_at: datetime
    last_activity_at: datetime | None = None
    highest_post_number: int | None = None
    deleted: bool = False
    posts: tuple[PostRecord, ...]


def activity_fingerprint(highest_post_number: int | None, last_activity_at: datetime | None) -> str:
    """What must change for a thread to be worth re-fetching.

    The crawler computes it from a topic listing, the store from the last saved
    thread; equal fingerprints mean nothing new was posted or bumped.
    """
    stamp = last_activity_at.isoformat() if last_activity_at else ""
    return f"{highest_post_number or 0}@{stamp}"
