"""Contributor figures per snapshot: points, rank, the pilot group's rank, mentions, likes.

The points are :func:`publisher.rankings.rank_contributors`'s (``3 × accepted answers + 2 ×
thanks received + 1 × helpful replies``), so the public rankings page and the snapshots never
disagree. Two rankings are kept:

- ``rank``: the whole community (community replies only, as on the public page);
- ``pilot_rank``: the pilot group alone (``pilot.username_suffix`` or ``pilot.usernames``),
  counting their replies whatever their role, since a pilot member is often staff.

``mentions`` counts live posts by *someone else* that name the contributor as ``@username``
(Discourse's mention syntax), in live threads of the same venue. Contributors on
``publish.rankings_opt_out`` are left out of the snapshots too.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.settings import PilotConfig
from publisher.rankings import ContributorRank, is_pilot, rank_contributors, rank_pilot

MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_][A-Za-z0-9_.\-]*[A-Za-z0-9_]|[A-Za-z0-9_])")


def contributor_key(venue: str, username: str) -> str:
    """The snapshot key of a contributor: ``venue/username``."""
    return f"{venue}/{username}"


def _live_posts(session: Session, column: Any, *where: Any) -> Any:
    """``(column, author's username, venue name)`` of every live post matching ``where``."""
    return session.execute(
        select(column, m.Author.username, m.Venue.name)
        .join(m.Author, m.Author.id == m.Post.author_id)
        .join(m.Thread, m.Thread.id == m.Post.thread_id)
        .join(m.Venue, m.Venue.id == m.Thread.venue_id)
        .where(m.Post.deleted_at.is_(None), m.Thread.deleted_at.is_(None), *where)
    )


def mentions(session: Session) -> Counter[str]:
    """``venue/username`` (lower-cased username) → live posts by others that @-mention them."""
    found: Counter[str] = Counter()
    for html, author, venue in _live_posts(session, m.Post.html):
        named = {name.lower() for name in MENTION.findall(html or "")} - {author.lower()}
        found.update(contributor_key(venue, name) for name in named)
    return found


def _likes(session: Session) -> Counter[str]:
    """``venue/username`` (lower-cased) → likes on their live replies."""
    totals: Counter[str] = Counter()
    for likes, username, venue in _live_posts(session, m.Post.likes, m.Post.number > 1):
        totals[contributor_key(venue, username.lower())] += likes or 0
    return totals


def _row(rank: ContributorRank) -> dict[str, Any]:
    return {
        "username": rank.author.username,
        "venue": rank.venue,
        "accepted_answers": rank.accepted_answers,
        "thanks_received": rank.thanks_received,
        "helpful_replies": rank.helpful_replies,
        "score": rank.score,
    }


def contributor_figures(
    session: Session, pilot: PilotConfig, opt_out: list[str]
) -> dict[str, dict[str, Any]]:
    """``venue/username`` → figures of everyone ranked in the community or the pilot group."""
    rows: dict[str, dict[str, Any]] = {}
    for rank in rank_contributors(session, opt_out, top=None):
        key = contributor_key(rank.venue, rank.author.username)
        rows[key] = {**_row(rank), "rank": rank.rank, "pilot": False, "pilot_rank": None}
    for rank in rank_pilot(session, pilot, opt_out, top=None):
        key = contributor_key(rank.venue, rank.author.username)
        row = rows.setdefault(key, {**_row(rank), "rank": None})
        row.update(pilot=True, pilot_rank=rank.rank)
        if row["rank"] is None:  # a staff member: their points as the pilot ranking counts them
            row.update(_row(rank))
    said, liked = mentions(session), _likes(session)
    excluded = {name.lower() for name in opt_out}
    # Pilot members nobody ranks yet still show how often others call on them.
    known = {k.lower() for k in rows}
    for key in said:
        venue, username = key.split("/", 1)
        if key not in known and is_pilot(username, pilot) and username not in excluded:
            rows[key] = {
                "username": username,
                "venue": venue,
                **dict.fromkeys(("accepted_answers", "thanks_received", "helpful_replies"), 0),
                "score": 0,
                "rank": None,
                "pilot": True,
                "pilot_rank": None,
            }
    for row in rows.values():
        lowered = contributor_key(row["venue"], row["username"].lower())
        row["mentions"] = said.get(lowered, 0)
        row["likes"] = liked.get(lowered, 0)
    return dict(sorted(rows.items()))
