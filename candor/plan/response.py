"""Community response to staff: does a venue (or one of its categories) go quiet when staff post?

For each thread, the *reference post* is its first staff post (staff joined), or, in a thread
staff never joined, its first reply by someone other than the opener (someone answered). The
figure is what the community does in the ``plan.response_days`` after it: replies by anyone
but staff and bots, and how many distinct people wrote them. Threads nobody answered have no
reference and are left out. A group *quiets down* when both sides hold at least
``plan.min_compared_threads`` threads and others reply after staff at most ``plan.quiet_ratio``
times as much as after a community reply; Candor then advises observing it only.

Threads fade with time whoever answers, and staff often answer later or in harder threads: the
figure compares like with like as far as the corpus allows, and is a hint for a person to check,
never an automatic switch of the venue policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from statistics import mean

from candor.plan.threads import BOT, OPENER, STAFF, PlanPost, PlanThread


@dataclass(frozen=True)
class Response:
    """After-reference activity of the threads with staff and without, for one group."""

    group: str
    staff_threads: int
    other_threads: int
    replies_after_staff: float | None
    replies_after_other: float | None
    people_after_staff: float | None
    people_after_other: float | None
    quiets_down: bool

    @property
    def ratio(self) -> float | None:
        """Replies after staff ÷ replies after a community reply (None when not comparable)."""
        if not self.replies_after_other or self.replies_after_staff is None:
            return None
        return round(self.replies_after_staff / self.replies_after_other, 2)


def reference(thread: PlanThread) -> tuple[bool, PlanPost] | None:
    """``(staff joined, reference post)`` of a thread, or None when nobody answered it."""
    staff = next((p for p in thread.posts if p.role == STAFF), None)
    if staff is not None:
        return True, staff
    first = next((p for p in thread.replies if p.role != OPENER), None)
    return (False, first) if first is not None else None


def after(thread: PlanThread, post: PlanPost, days: float) -> tuple[int, int]:
    """``(replies, people)`` by others than staff and bots within ``days`` after ``post``."""
    until = post.created_at + timedelta(days=days)
    later = [
        p
        for p in thread.posts
        if p.number > post.number
        and post.created_at <= p.created_at <= until
        and p.role not in (STAFF, BOT)
    ]
    return len(later), len({p.username for p in later})


def response(
    group: str, threads: Sequence[PlanThread], days: float, quiet_ratio: float, min_threads: int
) -> Response:
    """The community response figures of one venue or category."""
    sides: dict[bool, list[tuple[int, int]]] = {True: [], False: []}
    for thread in threads:
        found = reference(thread)
        if found is not None:
            sides[found[0]].append(after(thread, found[1], days))

    def avg(side: bool, index: int) -> float | None:
        values = [pair[index] for pair in sides[side]]
        return round(mean(values), 2) if values else None

    result = Response(
        group=group,
        staff_threads=len(sides[True]),
        other_threads=len(sides[False]),
        replies_after_staff=avg(True, 0),
        replies_after_other=avg(False, 0),
        people_after_staff=avg(True, 1),
        people_after_other=avg(False, 1),
        quiets_down=False,
    )
    enough = min(result.staff_threads, result.other_threads) >= min_threads
    quiet = enough and result.ratio is not None and result.ratio <= quiet_ratio
    return replace(result, quiets_down=quiet)
