"""What each product page shows: approved threads, read from the corpus into plain values.

For every product, :func:`collect_mashups` takes the approved candidates
(:func:`corpus.reviews.approved_for_product`, best rank first, deleted threads already gone) and
keeps up to ``settings.publish.per_page`` that still have something to show. Of each thread it
shows the excerpt posts the curator chose, in thread order, from their cleaned and redacted
:class:`~corpus.models.PostText` (never the raw HTML). A post deleted at the source, or not yet
enriched, is left out; a thread left with no post, or without an http(s) link back to the
source, is left out too. Templates and JSON only ever see the values built here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from corpus import models as m
from corpus.errors import InputError
from corpus.redact import redact
from corpus.reviews import approved_for_product, latest_reviews
from corpus.settings import PublishConfig
from publisher.excerpts import ELLIPSIS, keep_sentences, trim
from publisher.referrals import is_web_url, referral_code, with_referral

log = logging.getLogger(__name__)

# A slug becomes a file name: nothing that could leave the release folder.
SAFE_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Byline:
    """An author as the forum shows them: display name (if any) and @username."""

    username: str
    display_name: str | None

    @property
    def name(self) -> str | None:
        """The display name, unless it only repeats the username."""
        name = (self.display_name or "").strip()
        if not name or name.lower() == self.username.lower():
            return None
        return name


@dataclass(frozen=True)
class Excerpt:
    """One post as shown: who, when, whether staff, and the (possibly trimmed) text."""

    post_id: int
    number: int
    author: Byline
    staff: bool
    created_at: datetime
    paragraphs: tuple[str, ...]
    trimmed: bool
    url: str | None = None

    @property
    def text(self) -> str:
        """The shown text in one string (paragraphs on lines), ending in "…" when trimmed."""
        body = "\n".join(self.paragraphs)
        return f"{body} {ELLIPSIS}" if self.trimmed else body


@dataclass(frozen=True)
class ShownThread:
    """One thread of a mash-up, its link already carrying the referral code.

    ``source_url`` is the thread's own address (no referral code) and ``opener`` the author of
    its live opening post: structured data describes the thread with them.
    """

    thread_id: int
    title: str
    url: str
    source_host: str
    solved: bool
    posts: tuple[Excerpt, ...]
    source_url: str = ""
    created_at: datetime | None = None
    opener: Byline | None = None


class Shown(NamedTuple):
    """An approved thread with what it can show, before it becomes a :class:`ShownThread`."""

    thread: m.Thread
    excerpts: tuple[Excerpt, ...]
    solved: bool


@dataclass(frozen=True)
class MashUpView:
    """One product page's content; ``variant`` names an experiment's version ("" normally)."""

    product_id: int
    slug: str
    name: str
    page: str | None
    referral_code: str
    threads: tuple[ShownThread, ...]
    variant: str = ""

    @property
    def thread_ids(self) -> list[int]:
        return [t.thread_id for t in self.threads]

    @property
    def name_in_files(self) -> str:
        """``acme-sync`` for the normal page, ``acme-sync.b`` for variant b (a dot is never in a
        slug, so the two can never collide)."""
        return f"{self.slug}.{self.variant}" if self.variant else self.slug


def collect_mashups(session: Session, config: PublishConfig) -> list[MashUpView]:
    """Every product's mash-up, products ordered by slug; see the module docstring."""
    products = session.scalars(select(m.Product).order_by(m.Product.slug))
    decisions = latest_reviews(session)  # once, not per product: it reads the whole audit log
    return [collect_mashup(session, product, config, decisions) for product in products]


def collect_mashup(
    session: Session,
    product: m.Product,
    config: PublishConfig,
    decisions: dict[int, m.Review] | None = None,
) -> MashUpView:
    """One product's mash-up (possibly with no threads: the page then says so)."""
    check_slug(product)
    chosen = showable_threads(session, product, decisions, limit=config.per_page)
    return mashup_view(session, product, chosen, config)


def check_slug(product: m.Product) -> None:
    """Raise :class:`InputError` unless the product's slug can name a file of the release."""
    if not SAFE_SLUG.match(product.slug):
        raise InputError(
            f"product {product.name!r} has slug {product.slug!r}, which cannot name a page: "
            "use lowercase letters, digits and hyphens"
        )


def showable_threads(
    session: Session,
    product: m.Product,
    decisions: dict[int, m.Review] | None = None,
    limit: int | None = None,
) -> list[Shown]:
    """The product's approved threads that have something to show, best rank first.

    limit (int | None): stop after this many; ``None`` for all (experiments rearrange them).
    """
    chosen: list[Shown] = []
    for candidate, review in approved_for_product(session, product.id, decisions):
        if limit is not None and len(chosen) >= limit:
            break
        thread = candidate.thread
        if not is_web_url(thread.url):
            log.warning("thread %s has no http(s) link to its source; not shown", thread.id)
            continue
        excerpts = _excerpts(session, thread.id, review.excerpt_post_ids, review.excerpt_sentences)
        if not excerpts:
            log.info("thread %s has no showable excerpt post; not shown", thread.id)
            continue
        chosen.append(Shown(thread, excerpts, _is_solved(session, thread.id)))
    return chosen


def mashup_view(
    session: Session,
    product: m.Product,
    chosen: list[Shown],
    config: PublishConfig,
    variant: str = "",
    experiment: str = "",
) -> MashUpView:
    """The :class:`MashUpView` showing ``chosen``, its links carrying its own referral code."""
    code = referral_code(
        product.slug, [shown.thread.id for shown in chosen], variant=variant, experiment=experiment
    )
    threads = tuple(
        ShownThread(
            thread_id=thread.id,
            title=redact(thread.title).text,  # titles are forum text too
            url=with_referral(thread.url, config.referral_param, code),
            source_host=urlsplit(thread.url).hostname or "",
            solved=solved,
            posts=excerpts,
            source_url=thread.url,
            created_at=thread.created_at,
            opener=_opener(session, thread.id),
        )
        for thread, excerpts, solved in chosen
    )
    page = product.page if is_web_url(product.page) else None
    return MashUpView(product.id, product.slug, product.name, page, code, threads, variant)


def _excerpts(
    session: Session,
    thread_id: int,
    post_ids: Iterable[int],
    sentences: dict[str, list[int]] | None = None,
) -> tuple[Excerpt, ...]:
    """The chosen posts that are live and enriched, in thread order; ``sentences`` (post id →
    kept sentence indexes) trims a post to the sentences the curator kept."""
    ids = [int(i) for i in post_ids]
    if not ids:
        return ()
    rows = session.execute(
        select(m.Post, m.PostText)
        .options(joinedload(m.Post.author))
        .join(m.PostText, m.PostText.post_id == m.Post.id)
        .where(m.Post.id.in_(ids), m.Post.thread_id == thread_id, m.Post.deleted_at.is_(None))
        .order_by(m.Post.number, m.Post.id)
    ).all()
    staff = _staff_posts(session, [post.id for post, _ in rows])
    excerpts = []
    for post, text in rows:
        kept = (sentences or {}).get(str(post.id))
        shown = (
            keep_sentences(text.text, text.sentences, kept)
            if kept
            else trim(text.text, text.sentences)
        )
        if not shown.paragraphs:
            continue
        excerpts.append(
            Excerpt(
                post_id=post.id,
                number=post.number,
                author=Byline(post.author.username, post.author.display_name),
                staff=post.id in staff,
                created_at=post.created_at,
                paragraphs=shown.paragraphs,
                trimmed=shown.trimmed,
                url=post.url if is_web_url(post.url) else None,
            )
        )
    return tuple(excerpts)


def _opener(session: Session, thread_id: int) -> Byline | None:
    """The author of the thread's opening post, unless that post is deleted at the source."""
    post = session.scalar(
        select(m.Post)
        .options(joinedload(m.Post.author))
        .where(m.Post.thread_id == thread_id, m.Post.number == 1, m.Post.deleted_at.is_(None))
    )
    return Byline(post.author.username, post.author.display_name) if post else None


def _staff_posts(session: Session, post_ids: list[int]) -> set[int]:
    """The posts enrichment judged to be written by staff (``role`` annotation = "staff")."""
    if not post_ids:
        return set()
    rows = session.execute(
        select(m.Annotation.subject_id, m.Annotation.value).where(
            m.Annotation.subject == "post",
            m.Annotation.kind == "role",
            m.Annotation.subject_id.in_(post_ids),
        )
    )
    return {subject_id for subject_id, value in rows if value == "staff"}


def _is_solved(session: Session, thread_id: int) -> bool:
    """True only when enrichment judged the thread resolved (a strict JSON ``true``)."""
    value = session.scalar(
        select(m.Annotation.value).where(
            m.Annotation.subject == "thread",
            m.Annotation.subject_id == thread_id,
            m.Annotation.kind == "resolved",
        )
    )
    return value is True
