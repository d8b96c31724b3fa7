"""The corpus data model: the tables every stage reads and writes.

Crawlers write venues, authors, threads and posts; enrichment writes post texts, vectors and
annotations; selection writes candidates; curators write reviews; the publisher writes releases
and mash-ups. Rows are only added or updated, never deleted, by stages: a deletion at the source
becomes a tombstone (``deleted_at``) so every later stage can honour it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Candor stores UTC-aware timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Venue(Base):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    platform: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(500))
    public_url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Author(Base):
    __tablename__ = "authors"
    __table_args__ = (UniqueConstraint("venue_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(200))
    username: Mapped[str] = mapped_column(String(200), index=True)
    display_name: Mapped[str | None] = mapped_column(String(300))
    groups: Mapped[list[Any]] = mapped_column(default=list)
    flair: Mapped[str | None] = mapped_column(String(200))
    is_moderator: Mapped[bool] = mapped_column(default=False)
    is_admin: Mapped[bool] = mapped_column(default=False)
    source_staff_flag: Mapped[bool] = mapped_column(default=False)

    venue: Mapped[Venue] = relationship()


class Thread(Base):
    __tablename__ = "threads"
    __table_args__ = (UniqueConstraint("venue_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(1000))
    source_category: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime | None]
    highest_post_number: Mapped[int | None]
    fingerprint: Mapped[str] = mapped_column(String(100))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    deleted_at: Mapped[datetime | None]
    # Processing markers: a run with nothing new compares these instead of rebuilding every thread.
    enriched_at: Mapped[datetime | None]
    enrichment_key: Mapped[str | None] = mapped_column(String(64))
    indexed_at: Mapped[datetime | None]

    venue: Mapped[Venue] = relationship()
    posts: Mapped[list[Post]] = relationship(back_populates="thread", order_by="Post.number")


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("thread_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    source_id: Mapped[str] = mapped_column(String(200))
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    html: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]
    url: Mapped[str] = mapped_column(String(1000))
    reply_to_number: Mapped[int | None]
    is_accepted_answer: Mapped[bool] = mapped_column(default=False)
    likes: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None]

    thread: Mapped[Thread] = relationship(back_populates="posts")
    author: Mapped[Author] = relationship()


class PostVersion(Base):
    """Every content hash a post has had: edits at the source stay visible."""

    __tablename__ = "post_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class PostText(Base):
    """A post's cleaned, redacted text and sentence spans; every judgement cites offsets into it."""

    __tablename__ = "post_texts"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    sentences: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str | None] = mapped_column(String(10))
    redactions: Mapped[int] = mapped_column(default=0)


class Embedding(Base):
    """A vector of a post or a thread, with the model that made it."""

    __tablename__ = "embeddings"
    __table_args__ = (UniqueConstraint("subject", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(index=True)
    model: Mapped[str] = mapped_column(String(200))
    input_hash: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    page: Mapped[str | None] = mapped_column(String(1000))


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)


class Annotation(Base):
    """One judgement about a post or a thread, with the component that made it and its evidence.

    ``evidence`` is a list of ``{"post_id", "start", "end", "text"}``: character offsets into the
    post's :class:`PostText`. ``input_hash`` is what the judgement was computed from, so a changed
    post or a new component version re-computes only what it touches.
    """

    __tablename__ = "annotations"
    __table_args__ = (UniqueConstraint("subject", "subject_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    kind: Mapped[str] = mapped_column(String(50), index=True)
    value: Mapped[Any] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float, default=1.0)
    component: Mapped[str] = mapped_column(String(100))
    input_hash: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Candidate(Base):
    """A thread proposed for a product's page, with the parts of its score and their evidence."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("product_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    rank: Mapped[int]
    score: Mapped[float]
    parts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    excerpt_post_ids: Mapped[list[Any]] = mapped_column(default=list)
    selector: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship()
    thread: Mapped[Thread] = relationship()


class Review(Base):
    """A curator's decision on a candidate. Append-only: the newest review of a candidate counts."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    excerpt_post_ids: Mapped[list[Any]] = mapped_column(default=list)
    excerpt_sentences: Mapped[dict[str, Any]] = mapped_column(
        default=dict,
        doc="Post id → indexes of the sentences kept; a post not named here is shown whole.",
    )
    reviewer: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidate: Mapped[Candidate] = relationship()


class User(Base):
    """A person who may use the studio: ``viewer`` reads, ``curator`` decides, ``admin`` manages."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A bearer token that lets another tool call the studio's JSON API as one user.

    Only the SHA-256 of the token is stored; the token itself is shown once, when it is made.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class StudioSession(Base):
    """One login to the studio: the signed cookie names it, and logging out ends it here, so a
    copy of the cookie stops working too. Only the SHA-256 of the session's id is stored."""

    __tablename__ = "studio_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who did what to which object, when: approvals, edits, publishes, withdrawals, logins."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Release(Base):
    """An immutable, versioned publication of every product page."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100), unique=True)
    path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MashUp(Base):
    """What one product page shows in one release."""

    __tablename__ = "mashups"
    __table_args__ = (
        UniqueConstraint(
            "release_id", "product_id", "variant", name="uq_mashups_release_id_product_id_variant"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    thread_ids: Mapped[list[Any]] = mapped_column(default=list)
    referral_code: Mapped[str] = mapped_column(String(100))
    # "" for the page everyone sees; a variant name ("a", "b", …) when the page runs an experiment.
    variant: Mapped[str] = mapped_column(String(40), default="", server_default="")


class MetricSnapshot(Base):
    """Dated figures for one scope (product, category, contributor, venue)."""

    __tablename__ = "metric_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    scope: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(300))
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CrawlRun(Base):
    """One crawl of one venue: its report."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="running")
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Removal(Base):
    """A person's request to take their words off Candor: an author, or one post.

    Kept for as long as the venue is crawled, so a later crawl stores their posts as empty
    tombstones instead of bringing the words back.
    """

    __tablename__ = "removals"
    __table_args__ = (UniqueConstraint("venue_id", "kind", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
