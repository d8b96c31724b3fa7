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

The **pilot group** (``pilot_contributors``: a username suffix such as ``-acme``, or a list of
usernames; :func:`is_pilot`) gets its own ranking, :func:`rank_pilot`: the same formula, ranked
among pilot members only, counting their replies whatever their role (a pilot member is often
staff). Opted-out people are removed *before* ranking, so no rank is skipped and no count on the
page includes them.

**Change over time**: the page compares each rank with the contributor snapshot
(``candor snapshot``, scope ``contributor``) taken at least :data:`CHANGE_DAYS` days before the
newest one (:func:`ranks_before`), and says which date that is. Without such a snapshot it
shows no change column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from corpus import models as m
from corpus.metrics import CONTRIBUTOR_SCOPE
from corpus.settings import PilotConfig
from publisher.mashups import Byline

TOP = 50
CHANGE_DAYS = 7
COMMUNITY = "community"
STAFF = "staff"
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
    # Columns, not ORM objects: at 100k posts building a Post and an Author per reply took
    # most of a publish with nothing new.
    replies = session.execute(
        select(
            m.Post.id,
            m.Post.is_accepted_answer,
            m.Post.likes,
            m.Author.id,
            m.Author.username,
            m.Author.display_name,
            m.Venue.name,
        )
        .join(m.Author, m.Author.id == m.Post.author_id)
        .join(m.Thread, m.Thread.id == m.Post.thread_id)
        .join(m.Venue, m.Venue.id == m.Thread.venue_id)
        .where(m.Post.deleted_at.is_(None), m.Thread.deleted_at.is_(None), m.Post.number > 1)
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    authors: dict[int, tuple[Byline, str]] = {}
    for post_id, accepted, likes, author_id, username, display_name, venue in replies:
        if post_id not in community:
            continue
        authors[author_id] = (Byline(username, display_name), venue)
        row = counts[author_id]
        row[0] += bool(accepted)
        row[2] += (likes or 0) > 0
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
            author=author,
            venue=venue,
            accepted_answers=values[0],
            thanks_received=values[1],
            helpful_replies=values[2],
        )
        for position, ((author, venue), values) in enumerate(
            rows if top is None else rows[:top], start=1
        )
    ]


def is_pilot(username: str, pilot: PilotConfig) -> bool:
    """True when ``username`` belongs to the pilot group (suffix or list, case-insensitive)."""
    name = username.lower()
    if pilot.username_suffix and name.endswith(pilot.username_suffix.lower()):
        return True
    return name in {u.lower() for u in pilot.usernames}


def rank_pilot(
    session: Session, pilot: PilotConfig, opt_out: Iterable[str] = (), top: int | None = TOP
) -> list[ContributorRank]:
    """The pilot group ranked among themselves (``rank`` is the place within the group)."""
    members = [
        row
        for row in rank_contributors(session, opt_out, top=None, roles=(COMMUNITY, STAFF))
        if is_pilot(row.author.username, pilot)
    ]
    ranked = [replace(row, rank=place) for place, row in enumerate(members, start=1)]
    return ranked if top is None else ranked[:top]


def pilot_convention(pilot: PilotConfig) -> str:
    """How the page describes who is in the pilot group, e.g. "usernames ending in -acme"."""
    parts = []
    if pilot.username_suffix:
        parts.append(f"usernames ending in “{pilot.username_suffix}”")
    if pilot.usernames:
        parts.append("members the company named")
    return " and ".join(parts)


def ranks_before(
    session: Session, days: int = CHANGE_DAYS
) -> tuple[datetime | None, dict[str, dict[str, int | None]]]:
    """The contributor snapshot taken ``days`` or more before the newest one.

    Returns its date and ``venue/username`` → ``{"rank": …, "pilot_rank": …}``; ``(None, {})``
    when there is none yet.
    """
    dates = sorted(
        session.scalars(
            select(m.MetricSnapshot.taken_at)
            .where(m.MetricSnapshot.scope == CONTRIBUTOR_SCOPE)
            .distinct()
        )
    )
    earlier = [d for d in dates if d <= dates[-1] - timedelta(days=days)]
    if not earlier:
        return None, {}
    rows = session.scalars(
        select(m.MetricSnapshot).where(
            m.MetricSnapshot.scope == CONTRIBUTOR_SCOPE, m.MetricSnapshot.taken_at == earlier[-1]
        )
    )
    return earlier[-1], {
        row.key: {"rank": row.metrics.get("rank"), "pilot_rank": row.metrics.get("pilot_rank")}
        for row in rows
    }


def rank_changes(
    rows: Sequence[ContributorRank], before: Mapping[str, int | None]
) -> dict[str, str]:
    """``venue/username`` → places gained since ``before``: ``"+2"``, ``"−1"``, ``"="`` or
    ``"new"`` (not ranked then)."""
    changes = {}
    for row in rows:
        key = f"{row.venue}/{row.author.username}"
        then = before.get(key)
        if then is None:
            changes[key] = "new"
        else:
            gained = then - row.rank
            changes[key] = f"+{gained}" if gained > 0 else f"−{-gained}" if gained < 0 else "="
    return changes


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
