"""Diversified selection: near-duplicates once, different topics up, quotas and caps kept."""

from __future__ import annotations

import numpy as np

from nlp.diversify import Choice, diversify


def axis(i: int, wobble: float = 0.0) -> np.ndarray:
    vector = np.zeros(384, dtype=np.float32)
    vector[i] = 1.0
    vector[383] = wobble
    return vector


def ids(choices: list[Choice]) -> list[int]:
    return [c.thread_id for c in choices]


def test_diversify_the_same_question_asked_three_times_shows_once() -> None:
    items = [Choice(1, 5.0), Choice(2, 4.9), Choice(3, 4.8), Choice(4, 2.0)]
    vectors = {1: axis(0), 2: axis(0, 0.05), 3: axis(0, 0.1), 4: axis(1)}
    assert ids(diversify(items, vectors, size=3)) == [1, 4]


def test_diversify_prefers_a_different_topic_over_a_similar_better_score() -> None:
    items = [Choice(1, 5.0), Choice(2, 4.8), Choice(3, 4.0)]
    similar = axis(0) + axis(1) * 0.9  # cosine ≈ 0.74 with thread 1: related, not a duplicate
    vectors = {1: axis(0), 2: similar, 3: axis(2)}
    assert ids(diversify(items, vectors, size=3)) == [1, 3, 2]
    assert ids(diversify(items, vectors, size=3, mmr_lambda=1.0)) == [1, 2, 3]


def test_diversify_admission_quota_lifts_an_admission_when_one_exists() -> None:
    items = [Choice(1, 5.0), Choice(2, 4.5), Choice(3, 4.0), Choice(4, 2.0, admission=True)]
    picked = ids(diversify(items, {}, size=3, admission_quota=0.34))
    assert picked == [1, 4, 2]  # round(0.34 × 2) = 1 admission among the first two
    none_exist = [Choice(1, 5.0), Choice(2, 4.5)]
    assert ids(diversify(none_exist, {}, size=2, admission_quota=1.0)) == [1, 2]


def test_diversify_happy_talk_cap_leaves_pitches_out_of_the_top() -> None:
    items = [Choice(1, 5.0, happy_talk=True), Choice(2, 3.0), Choice(3, 2.0)]
    assert ids(diversify(items, {}, size=3, happy_talk_cap=0.0)) == [2, 3]
    assert ids(diversify(items, {}, size=3, happy_talk_cap=0.5)) == [2, 1, 3]


def test_diversify_category_cap_lets_another_category_onto_the_page() -> None:
    beta = [Choice(i, 6.0 - i / 10, category="release-beta") for i in (1, 2, 3, 4)]
    items = [*beta, Choice(5, 3.0, category="calls"), Choice(6, 2.0, category="groups")]
    assert ids(diversify(items, {}, size=4)) == [1, 2, 3, 4]
    # at most max(1, floor(0.4 × k)) beta threads among the first k picks
    assert ids(diversify(items, {}, size=4, category_cap=0.4)) == [1, 5, 6, 2]


def test_diversify_category_cap_still_fills_the_page_from_one_category() -> None:
    items = [Choice(i, 6.0 - i, category="release-beta") for i in (1, 2, 3)]
    assert ids(diversify(items, {}, size=3, category_cap=0.0)) == [1, 2, 3]


def test_diversify_without_vectors_keeps_the_score_order() -> None:
    items = [Choice(3, 1.0), Choice(1, 3.0), Choice(2, 2.0)]
    assert ids(diversify(sorted(items, key=lambda c: -c.score), {}, size=5)) == [1, 2, 3]
