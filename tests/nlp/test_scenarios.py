"""Scenario discovery on invented threads: three situations, each in its own direction of space.

Vectors are three unit directions with small seeded noise, so the right clustering is known;
texts are invented titles in a support forum's voice.
"""

from __future__ import annotations

import numpy as np
import pytest

from nlp.scenarios import cluster_threads, key_phrases, main_category, name_scenarios

SITUATIONS = {
    "link": [
        "QR code will not scan when linking desktop",
        "Linking a new laptop, the QR code times out",
        "Cannot link desktop, QR code scan fails",
        "QR code never appears on the linked laptop",
    ],
    "backup": [
        "Restore backup on my new phone fails",
        "Backup passphrase lost, can I restore?",
        "Moving to a new phone: backup restore stuck",
        "Restore from backup stops at 50%",
    ],
    "calls": [
        "Echo during voice calls on speaker",
        "Voice calls drop after a minute",
        "Video calls freeze, voice keeps going",
        "Voice calls ring only once",
    ],
}


def _corpus(seed: int = 7) -> tuple[list[int], np.ndarray, dict[int, str]]:
    rng = np.random.default_rng(seed)
    ids, rows, texts = [], [], {}
    for axis, titles in enumerate(SITUATIONS.values()):
        for title in titles:
            vector = np.eye(16)[axis] + rng.normal(scale=0.05, size=16)
            thread_id = 100 + len(ids)
            ids.append(thread_id)
            rows.append(vector / np.linalg.norm(vector))
            texts[thread_id] = title
    return ids, np.array(rows), texts


def test_scenarios_clustering_finds_the_three_situations() -> None:
    ids, vectors, _ = _corpus()
    clusters = cluster_threads(ids, vectors, seed=0, max_clusters=6, min_threads=3)
    assert sorted(c.thread_ids for c in clusters) == [
        (100, 101, 102, 103),
        (104, 105, 106, 107),
        (108, 109, 110, 111),
    ]
    assert all(set(c.representative) <= set(c.thread_ids) for c in clusters)


def test_scenarios_clustering_is_deterministic_for_a_seed_whatever_the_input_order() -> None:
    ids, vectors, _ = _corpus()
    first = cluster_threads(ids, vectors, seed=3, max_clusters=6, min_threads=2)
    again = cluster_threads(ids, vectors, seed=3, max_clusters=6, min_threads=2)
    shuffled = np.random.default_rng(1).permutation(len(ids))
    reordered = cluster_threads(
        [ids[i] for i in shuffled], vectors[shuffled], seed=3, max_clusters=6, min_threads=2
    )
    assert first == again == reordered


def test_scenarios_too_few_threads_make_one_scenario() -> None:
    ids, vectors, _ = _corpus()
    clusters = cluster_threads(ids[:5], vectors[:5], seed=0, max_clusters=6, min_threads=3)
    assert [c.thread_ids for c in clusters] == [tuple(ids[:5])]


def test_scenarios_a_scenario_may_be_one_thread_but_a_product_needs_three_to_split() -> None:
    """``min_scenario_threads: 1`` is allowed; a silhouette needs a cluster with two threads."""
    ids, vectors, _ = _corpus()
    pair = cluster_threads(ids[3:5], vectors[3:5], seed=0, max_clusters=6, min_threads=1)
    assert [c.thread_ids for c in pair] == [tuple(ids[3:5])]
    trio = cluster_threads(ids[3:6], vectors[3:6], seed=0, max_clusters=6, min_threads=1)
    assert sorted(c.thread_ids for c in trio) == [(103,), (104, 105)]


def test_scenarios_labels_come_from_the_phrases_that_set_a_cluster_apart() -> None:
    ids, vectors, texts = _corpus()
    clusters = cluster_threads(ids, vectors, seed=0, max_clusters=6, min_threads=3)
    categories = {i: "linked-devices-desktop" for i in ids[:4]} | {ids[4]: "backup-transfer"}
    scenarios = name_scenarios({"acme": clusters}, texts, categories)
    by_first = {s.thread_ids[0]: s for s in scenarios}

    assert [by_first[i].label for i in (100, 104, 108)] == [
        "qr code, desktop",
        "backup, restore",
        "calls, voice",
    ]
    assert by_first[100].key == "acme/qr-code-desktop"
    assert (by_first[100].category, by_first[100].category_share) == ("linked-devices-desktop", 1)
    assert (by_first[104].category, by_first[104].category_share) == ("backup-transfer", 0.25)
    assert (by_first[108].category, by_first[108].category_share) == (None, 0.0)


def test_scenarios_product_names_never_label_a_scenario() -> None:
    phrases = key_phrases(
        [["Acme Desktop sync stops", "Acme Desktop sync slow"], ["Acme Desktop crashes"]],
        frozenset({"acme", "desktop"}),
    )
    words = {w for found in phrases for p, _ in found for w in p.split()}
    assert "sync" in words
    assert not words & {"acme", "desktop"}


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        ({1: "a", 2: "b", 3: "b"}, ("b", 0.6667)),
        ({1: "b", 2: "a"}, ("a", 0.3333)),  # a tie goes to the first id in order
        ({}, (None, 0.0)),
    ],
)
def test_scenarios_main_category_is_the_most_common_with_its_share(
    categories: dict[int, str], expected: tuple[str | None, float]
) -> None:
    assert main_category([1, 2, 3], categories) == expected
