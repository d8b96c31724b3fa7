"""How fast a thread got help: hours to the first reply and to the first *helpful* reply.

A reply is helpful when the forum accepted it as the answer, when the opener later thanked or
confirmed it (replying to it, or right after it), or when it is staff owning the problem.
Bots and the opener's own follow-ups are not replies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from nlp.roles import COMMUNITY, OPENER, STAFF

TIMING_VERSION = "candor.timing.v1"
THANKS_KINDS = {"gratitude", "solved_confirmation"}


@dataclass(frozen=True)
class TimedPost:
    number: int
    role: str
    created_at: datetime
    reply_to: int | None
    accepted: bool
    kinds: frozenset[str]


@dataclass(frozen=True)
class Timing:
    first_reply_hours: float | None
    first_helpful_reply_hours: float | None
    helpful_number: int | None


def response_times(posts: Sequence[TimedPost]) -> Timing:
    """Hours from the opening post to the first reply and to the first helpful one."""
    if not posts or posts[0].number != 1:
        return Timing(None, None, None)
    opened = posts[0].created_at
    replies = [p for p in posts[1:] if p.role in (STAFF, COMMUNITY)]
    helped = _helpful_numbers(posts)
    helpful = next((p for p in replies if p.number in helped), None)
    return Timing(
        _hours(opened, replies[0].created_at) if replies else None,
        _hours(opened, helpful.created_at) if helpful else None,
        helpful.number if helpful else None,
    )


def _helpful_numbers(posts: Sequence[TimedPost]) -> set[int]:
    helped = {p.number for p in posts if p.accepted or (p.role == STAFF and "admission" in p.kinds)}
    for index, post in enumerate(posts):
        if post.role == OPENER and post.number > 1 and post.kinds & THANKS_KINDS:
            helped.add(post.reply_to or posts[index - 1].number)
    return helped


def _hours(start: datetime, end: datetime) -> float:
    return round(max(0.0, (end - start).total_seconds() / 3600), 2)
