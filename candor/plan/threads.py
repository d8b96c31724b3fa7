"""What planning knows about each live thread: its posts in order, who wrote them, what they did.

:func:`plan_threads` reads, once, the forum's records (posts, times, accepted answers, likes) and
the enrichment's judgements (``role`` per post; ``gratitude``, ``admission``, ``happy_talk``,
``solved_confirmation``, ``staff_post_kind`` per post; ``category``, ``products``, ``resolved``
per thread) of every live thread, on top of :func:`corpus.metrics.thread_facts`. Every planning
figure (``docs/planning.md``) is computed from these records, so all of them count the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.annotations import annotation_values
from corpus.metrics import ThreadFacts, thread_facts

STAFF, OPENER, COMMUNITY, BOT = "staff", "opener", "community", "bot"
POST_KINDS = ("gratitude", "admission", "happy_talk", "solved_confirmation")


@dataclass
class PlanPost:
    """One live post as planning reads it."""

    id: int
    number: int
    username: str
    role: str
    created_at: datetime
    likes: int = 0
    kinds: set[str] = field(default_factory=set)
    staff_kind: str | None = None


@dataclass
class PlanThread:
    """One live thread with its posts (oldest first) and the corpus's figures about it."""

    id: int
    venue: str
    source_category: str | None
    title: str
    url: str
    created_at: datetime
    facts: ThreadFacts
    category: str | None = None
    posts: list[PlanPost] = field(default_factory=list)

    @property
    def opener(self) -> PlanPost | None:
        return self.posts[0] if self.posts and self.posts[0].number == 1 else None

    @property
    def replies(self) -> list[PlanPost]:
        """Posts after the opening post by a person (bots left out)."""
        return [p for p in self.posts if p.number > 1 and p.role != BOT]

    @property
    def participants(self) -> int:
        """Distinct people who posted, the opener included (bots left out)."""
        return len({p.username for p in self.posts if p.role != BOT})

    @property
    def answered(self) -> bool:
        """Someone other than the opener replied."""
        return any(p.role != OPENER for p in self.replies)

    @property
    def staff_posts(self) -> list[PlanPost]:
        return [p for p in self.posts if p.role == STAFF]

    @property
    def first_staff_reply_hours(self) -> float | None:
        """Hours from the opening post to the first staff reply (None: staff opened, or none)."""
        if self.opener is None or self.opener.role == STAFF:
            return None
        reply = next((p for p in self.replies if p.role == STAFF), None)
        if reply is None:
            return None
        return (reply.created_at - self.opener.created_at).total_seconds() / 3600

    @property
    def solved_by_community(self) -> bool:
        """Solved (accepted answer or confirmed fix) with no staff post in the thread."""
        return self.facts.solved and not self.staff_posts


def plan_threads(session: Session) -> dict[int, PlanThread]:
    """Thread id → :class:`PlanThread` for every live thread (each table read once)."""
    facts = thread_facts(session)
    rows = session.execute(
        select(
            m.Thread.id, m.Thread.source_category, m.Thread.title, m.Thread.url, m.Thread.created_at
        ).where(m.Thread.deleted_at.is_(None))
    )
    threads = {
        thread_id: PlanThread(
            thread_id, facts[thread_id].venue, category, title, url, created, facts[thread_id]
        )
        for thread_id, category, title, url, created in rows
        if thread_id in facts
    }
    posts: dict[int, PlanPost] = {}
    for post_id, thread_id, number, username, created_at, likes in session.execute(
        select(
            m.Post.id,
            m.Post.thread_id,
            m.Post.number,
            m.Author.username,
            m.Post.created_at,
            m.Post.likes,
        )
        .join(m.Author, m.Author.id == m.Post.author_id)
        .where(m.Post.deleted_at.is_(None))
        .order_by(m.Post.thread_id, m.Post.number)
    ):
        if thread_id in threads:
            role = OPENER if number == 1 else COMMUNITY  # until the role annotation says
            post = PlanPost(post_id, number, username, role, created_at, likes or 0)
            posts[post_id] = post
            threads[thread_id].posts.append(post)
    notes = annotation_values(session, ["role", "staff_post_kind", "category", *POST_KINDS])
    for subject, subject_id, thread_id, kind, value in notes:
        if subject == "thread" and kind == "category" and thread_id in threads:
            best = value[0] if value and isinstance(value[0], dict) else None
            threads[thread_id].category = best.get("id") if best else None
        elif subject == "post" and (post := posts.get(subject_id)) is not None:
            if kind == "role":
                post.role = str(value)
            elif kind == "staff_post_kind":
                post.staff_kind = str(value)
            elif value:
                post.kinds.add(kind)
    return threads


def by_key(threads: list[PlanThread], key: str) -> dict[str, list[PlanThread]]:
    """Threads grouped by ``venue`` or ``venue/category`` (the forum's own category)."""
    groups: dict[str, list[PlanThread]] = defaultdict(list)
    for thread in threads:
        name = thread.venue if key == "venue" else f"{thread.venue}/{thread.source_category}"
        groups[name].append(thread)
    return dict(sorted(groups.items()))


def post_texts(session: Session, post_ids: Iterable[int]) -> dict[int, str]:
    """Post id → its redacted clean text (enrichment's ``PostText``), for the posts given."""
    wanted = sorted(set(post_ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 500):  # stay under every database's parameter limit
        chunk = wanted[start : start + 500]
        rows = session.execute(
            select(m.PostText.post_id, m.PostText.text).where(m.PostText.post_id.in_(chunk))
        )
        found.update((post_id, text) for post_id, text in rows)
    return found
