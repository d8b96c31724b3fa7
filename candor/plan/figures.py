"""Opportunity per product × scenario and service capability per product, from plan threads.

Both are plain aggregations of :class:`~candor.plan.threads.PlanThread` records; every figure
is defined in ``docs/planning.md`` and a share is of the group's threads unless it says
otherwise. ``trend`` compares threads opened in the last ``plan.trend_days`` before ``as_of``
with the same span before that.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean, median

from candor.plan.threads import PlanThread


def share(part: int, whole: int) -> float:
    """``part / whole`` rounded to 3 places; 0 for an empty group."""
    return round(part / whole, 3) if whole else 0.0


def percent(value: float) -> str:
    """A share as the report prints it: ``0.286`` → ``29%``."""
    return f"{value:.0%}"


@dataclass(frozen=True)
class Opportunity:
    """How much customers talk about a scenario, and how much they help each other with it."""

    threads: int
    replies_mean: float
    participants_mean: float
    helpers_mean: float
    community_solved: float
    group_solved: float
    gratitude: float
    unanswered: float
    recent: int
    previous: int

    @property
    def trend(self) -> int:
        """Threads opened in the last period minus the period before."""
        return self.recent - self.previous

    @property
    def score(self) -> float:
        """People taking part, weighted up to twice by how often the community solves it."""
        return round(self.threads * self.participants_mean * (1 + self.community_solved), 2)


def opportunity(threads: Sequence[PlanThread], as_of: datetime, trend_days: float) -> Opportunity:
    """The opportunity figures of a group of threads."""
    n = len(threads)
    span = timedelta(days=trend_days)
    return Opportunity(
        threads=n,
        replies_mean=round(mean(len(t.replies) for t in threads), 2) if n else 0.0,
        participants_mean=round(mean(t.participants for t in threads), 2) if n else 0.0,
        helpers_mean=round(mean(t.facts.helpers for t in threads), 2) if n else 0.0,
        community_solved=share(sum(t.solved_by_community for t in threads), n),
        group_solved=share(sum(t.facts.solved and t.facts.helpers >= 2 for t in threads), n),
        gratitude=share(sum(t.facts.gratitude > 0 for t in threads), n),
        unanswered=share(sum(not t.answered for t in threads), n),
        recent=sum(as_of - span < t.created_at <= as_of for t in threads),
        previous=sum(as_of - 2 * span < t.created_at <= as_of - span for t in threads),
    )


@dataclass(frozen=True)
class Capability:
    """The culture around a product in figures: how staff show up and what follows."""

    threads: int
    staff_threads: int
    staff_coverage: float
    first_staff_reply_hours: float | None
    resolved_after_staff: float
    admission_rate: float
    staff_posts: int
    empathy: int
    deflection: int
    happy_talk: float


def capability(threads: Sequence[PlanThread]) -> Capability:
    """The service-capability figures of a product's threads."""
    with_staff = [t for t in threads if t.staff_posts]
    hours = [h for t in threads if (h := t.first_staff_reply_hours) is not None]
    posts = [p for t in with_staff for p in t.staff_posts]
    kinds = Counter(p.staff_kind for p in posts)
    return Capability(
        threads=len(threads),
        staff_threads=len(with_staff),
        staff_coverage=share(len(with_staff), len(threads)),
        first_staff_reply_hours=round(median(hours), 2) if hours else None,
        resolved_after_staff=share(sum(t.facts.resolved for t in with_staff), len(with_staff)),
        admission_rate=share(sum(t.facts.admissions > 0 for t in with_staff), len(with_staff)),
        staff_posts=len(posts),
        empathy=kinds["empathy"],
        deflection=kinds["deflection"],
        happy_talk=share(sum("happy_talk" in p.kinds for p in posts), len(posts)),
    )
