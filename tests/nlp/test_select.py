"""Selection explains itself: named score parts, capped, with admissions first and pitches last."""

from __future__ import annotations

from nlp.select import ThreadEvidence


def evidence(**counts: float) -> ThreadEvidence:
    thread = ThreadEvidence(thread_id=1, products=["p"])
    thread.counts.update(counts)
    return thread


def test_select_admission_outweighs_gratitude_and_parts_are_named() -> None:
    owned = evidence(admission=1, resolved=1)
    thanked = evidence(gratitude=10, helpers=10)
    assert owned.score() == (5.0, {"admission": 3.0, "resolved": 2.0})
    assert thanked.score() == (3.0, {"gratitude": 1.5, "helpers": 1.5})


def test_select_happy_talk_lowers_the_score_down_to_its_cap() -> None:
    assert evidence(resolved=1, happy_talk=1).score() == (
        1.0,
        {"resolved": 2.0, "happy_talk": -1.0},
    )
    assert evidence(resolved=1, happy_talk=9).score()[1]["happy_talk"] == -2.0


def test_select_excerpt_starts_with_the_opener_and_skips_pitches() -> None:
    thread = evidence()
    thread.evidence = [
        {"post_id": 7, "part": "happy_talk"},
        {"post_id": 5, "part": "admission"},
        {"post_id": 5, "part": "gratitude"},
        {"post_id": 9, "part": "gratitude"},
    ]
    assert thread.excerpt_post_ids(opener_post_id=1) == [1, 5, 9]
