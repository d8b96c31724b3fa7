"""A trained head round-trips through its JSON file and cites its best sentence as evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nlp.heads import LinearHead, score_posts, train_head


def encode(texts: list[str]) -> np.ndarray:
    """A stand-in embedding: dimension 0 says 'bug', dimension 1 says anything else."""
    return np.array([[1.0, 0.0] if "bug" in t else [0.0, 1.0] for t in texts], dtype=np.float32)


def test_heads_train_save_load_and_score(tmp_path: Path) -> None:
    vectors = encode(["our bug", "a bug", "hello", "thanks"] * 5)
    labels = np.array([True, True, False, False] * 5)
    head = train_head("admission", "toy", vectors, labels, threshold=0.5)
    head.save(tmp_path / "head.json")
    loaded = LinearHead.load(tmp_path / "head.json")
    assert loaded == head
    assert loaded.trained_on == {"items": 20, "positives": 10}

    text = "Hello there. That was our bug."
    (verdict,) = score_posts(loaded, encode, [text], [[(0, 12), (13, 30)]])
    assert verdict.positive and verdict.sentence == 1
    (other,) = score_posts(loaded, encode, ["Hello there."], [[(0, 12)]])
    assert not other.positive
