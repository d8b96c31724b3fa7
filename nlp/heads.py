"""Small learned judgements on top of MiniLM vectors: a logistic-regression head per signal.

Rules find what their cue words name; staff admit mistakes in more ways than a list of cues can
hold ("Whoops, missed a step in yesterday's release"). A head is a linear classifier over a
post's embedding, trained on the dev set's ``tune`` split only (``candor train-head``), stored as
JSON beside this module with the figures it was trained on, and applied with numpy alone. Its
``holdout`` figures in ``candor eval`` are therefore honest.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

HEADS = Path(__file__).parent / "data"


@dataclass(frozen=True)
class LinearHead:
    """``probability = sigmoid(vector · weights + bias)``; positive at ``threshold`` or above."""

    name: str
    model: str
    weights: tuple[float, ...]
    bias: float
    threshold: float
    trained_on: dict[str, int] = field(default_factory=dict)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors @ np.asarray(self.weights, dtype=np.float32) + self.bias
        return 1.0 / (1.0 + np.exp(-logits))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> LinearHead:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{**data, "weights": tuple(data["weights"])})


def load_head(name: str, model: str) -> LinearHead | None:
    """The shipped head ``name`` if it was trained for ``model`` (else None: rules only)."""
    path = HEADS / f"{name}_head.json"
    if not path.exists():
        return None
    head = LinearHead.load(path)
    return head if head.model == model else None


def train_head(
    name: str, model: str, vectors: np.ndarray, labels: np.ndarray, threshold: float, c: float = 1.0
) -> LinearHead:
    """Fit a class-balanced logistic regression (scikit-learn, needed only for training)."""
    from sklearn.linear_model import LogisticRegression

    classifier = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    classifier.fit(vectors, labels)
    return LinearHead(
        name=name,
        model=model,
        weights=tuple(round(float(w), 6) for w in classifier.coef_[0]),
        bias=round(float(classifier.intercept_[0]), 6),
        threshold=threshold,
        trained_on={"items": len(labels), "positives": int(labels.sum())},
    )


@dataclass(frozen=True)
class Learned:
    """A head's verdict on one post: its probability and the sentence that scored highest."""

    probability: float
    threshold: float
    sentence: int

    @property
    def positive(self) -> bool:
        return self.probability >= self.threshold


Encoder = Callable[[list[str]], np.ndarray]


def score_posts(
    head: LinearHead, encode: Encoder, texts: list[str], sentences: list[list[tuple[int, int]]]
) -> list[Learned]:
    """The head's verdict on each post, with the sentence to cite as evidence."""
    if not texts:
        return []
    post_scores = head.probabilities(encode(texts))
    pieces = [text[s:e] for text, spans in zip(texts, sentences, strict=True) for s, e in spans]
    sentence_scores = head.probabilities(encode(pieces)) if pieces else np.zeros(0)
    verdicts, offset = [], 0
    for probability, spans in zip(post_scores, sentences, strict=True):
        scores = sentence_scores[offset : offset + len(spans)]
        offset += len(spans)
        best = int(np.argmax(scores)) if len(spans) else 0
        verdicts.append(Learned(round(float(probability), 4), head.threshold, best))
    return verdicts
