"""Response times: the first reply, and the first reply that actually helped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nlp.roles import BOT, COMMUNITY, OPENER, STAFF
from nlp.timing import TimedPost, response_times

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def post(number: int, role: str, hours: float, *kinds: str, **extra: object) -> TimedPost:
    return TimedPost(
        number=number,
        role=role,
        created_at=T0 + timedelta(hours=hours),
        reply_to=extra.get("reply_to"),  # type: ignore[arg-type]
        accepted=bool(extra.get("accepted")),
        kinds=frozenset(kinds),
    )


def test_timing_helpful_reply_is_the_one_the_opener_thanked() -> None:
    thread = [
        post(1, OPENER, 0),
        post(2, BOT, 0.1),
        post(3, COMMUNITY, 2),
        post(4, COMMUNITY, 5),
        post(5, OPENER, 6, "gratitude", reply_to=4),
    ]
    timing = response_times(thread)
    assert (timing.first_reply_hours, timing.first_helpful_reply_hours) == (2.0, 5.0)
    assert timing.helpful_number == 4


def test_timing_accepted_answer_or_staff_admission_count_as_helpful() -> None:
    accepted = [post(1, OPENER, 0), post(2, COMMUNITY, 1), post(3, COMMUNITY, 3, accepted=True)]
    assert response_times(accepted).helpful_number == 3
    admitted = [post(1, OPENER, 0), post(2, STAFF, 24, "admission")]
    assert response_times(admitted).first_helpful_reply_hours == 24.0


def test_timing_unanswered_thread_has_no_times() -> None:
    timing = response_times([post(1, OPENER, 0), post(2, OPENER, 1)])
    assert timing.first_reply_hours is None and timing.helpful_number is None
