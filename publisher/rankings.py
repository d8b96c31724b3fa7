"""Contributor rankings: community members ranked by what the corpus already records.

Only replies that enrichment judged a *community* member's (``role`` annotation ``community``:
not staff, not a bot, not the person who opened that thread) count, in live threads, from live
posts. Per contributor (a username at a venue)::

    score = 3 × accepted answers + 2 × thanks received + 1 × helpful replies

- **accepted answers**: their replies the forum marks as the accepted answer;
- **thanks received**: posts by someone else that reply to one of their replies (the forum's
  "in reply to" link) and that enrichment judged to express gratitude (``gratitude``
  annotation); thanks not addressed to a particular post are not counted, since it cannot be
  told whom they thank;
- **helpful replies**: their replies that other members liked at least once.

Ties are broken by accepted answers, then thanks, then helpful replies, then username. Anyone
named in ``settings.publish.rankings_opt_out`` (case-insensitive, any venue) is left out, and so
is anyone with a score of zero. Only the first :data:`TOP` are shown. The formula is printed on
the rankings page (:data:`WEIGHTS`), so the page always says how it was computed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from corpus import models as m
from publisher.mashups import Byline

TOP = 50
COMMUNITY = "community"
WEIGHTS = {"accepted_answers": 3, "thanks_received": 2, "helpful_replies": 1}


@dataclass(frozen=True)
class ContributorRank:
    """One row of the rankings page."""

    rank: int
    author: Byline
    venue: str
    accepted_answers: int
    thanks_received: int
    helpful_replies: int

    @property
    def score(self) -> int:
        return (
            WEIGHTS["accepted_answers"] * self.accepted_answers
            + WEIGHTS["thanks_received"] * self.thanks_received
            + WEIGHTS["helpful_replies"] * self.helpful_replies
        )


def rank_contributors(
    session: Session,
    opt_out: Iterable[str] = (),
    top: int | None = TOP,
    roles: Iterable[str] = (COMMUNITY,),
) -> list[ContributorRank]:
    """The ranked contributors of every venue; see the module docstring for the rules.

    top (int | None): how many rows to return; ``None`` for all (metric snapshots).
    roles (strings): whose replies count: the page ranks the community; the pilot group's
        ranking (``candor.measure``) also counts ``staff`` replies, since a pilot member may be
        staff.
    """
    # JSON values are compared in Python: PostgreSQL's json type has no equality operator.
    role_rows = session.execute(
        select(m.Annotation.subject_id, m.Annotation.value).where(
            m.Annotation.subject == "post", m.Annotation.kind == "role"
        )
    )
    counted = set(roles)
    community = {post_id for post_id, value in role_rows if value in counted}
    if not community:
        return []
    replies = session.execute(
        select(m.Post, m.Author, m.Venue.name)
        .join(m.Author, m.Author.id == m.Post.author_id)
        .join(m.Thread, m.Thread.id == m.Post.thread_id)
        .join(m.Venue, m.Venue.id == m.Thread.venue_id)
        .where(m.Post.deleted_at.is_(None), m.Thread.deleted_at.is_(None), m.Post.number > 1)
    ).all()
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    authors: dict[int, tuple[m.Author, str]] = {}
    for post, author, venue in replies:
        if post.id not in community:
            continue
        authors[author.id] = (author, venue)
        row = counts[author.id]
        row[0] += bool(post.is_accepted_answer)
        row[2] += post.likes > 0
    for author_id in _thanked_authors(session, community):
        if author_id in counts:
            counts[author_id][1] += 1

    excluded = {name.lower() for name in opt_out}
    rows = [
        (authors[author_id], values)
        for author_id, values in counts.items()
        if authors[author_id][0].username.lower() not in excluded and any(values)
    ]
    rows.sort(
        key=lambda item: (
            -sum(w * v for w, v in zip(WEIGHTS.values(), item[1], strict=True)),
            -item[1][0],
            -item[1][1],
            -item[1][2],
            item[0][0].username.lower(),
            item[0][1],
        )
    )
    return [
        ContributorRank(
            rank=position,
            author=Byline(author.username, author.display_name),
            venue=venue,
            accepted_answers=values[0],
            thanks_received=values[1],
            helpful_replies=values[2],
        )
        for position, ((author, venue), values) in enumerate(
            rows if top is None else rows[:top], start=1
        )
    ]


def _thanked_authors(session: Session, community: set[int]) -> list[int]:
    """For each live gratitude post that replies to a live community reply: its author's id."""
    thanks = aliased(m.Post)
    thanked = aliased(m.Post)
    rows = session.execute(
        select(thanked.id, thanked.author_id)
        .select_from(thanks)
        .join(
            m.Annotation,
            (m.Annotation.subject == "post")
            & (m.Annotation.subject_id == thanks.id)
            & (m.Annotation.kind == "gratitude"),
        )
        .join(
            thanked,
            (thanked.thread_id == thanks.thread_id)
            & (thanked.number == thanks.reply_to_number)
            & thanked.deleted_at.is_(None),
        )
        .join(m.Thread, m.Thread.id == thanks.thread_id)
        .where(
            thanks.deleted_at.is_(None),
            m.Thread.deleted_at.is_(None),
            thanks.author_id != thanked.author_id,
        )
    ).all()
    return [author_id for post_id, author_id in rows if post_id in community]
