"""The learned half of taxonomy classification: a softmax head over a thread's MiniLM vector.

``taxonomy.yaml``'s descriptions and examples say what each category is about, not how this
forum's people write. On the dev set, similarity to them alone put 94% of feature requests under
the product area they touch ("Let me set the volume of each member of a group call" reads like
*calls*) and most off-topic threads under *privacy-security*. A multinomial logistic regression
over the thread vector, trained on the dev set's ``tune`` split and invented thread openings
(``candor train-head category``; the invented ones give rare categories and boundary cases
examples), learns those; its probabilities are blended with the description prior
(:mod:`nlp.classify`), which still carries categories the training labels hardly hold. Stored as
JSON beside the admission head (``nlp/data/category_head.json``) and applied with numpy alone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from nlp.heads import HEADS

CATEGORY_HEAD = HEADS / "category_head.json"

# Chosen by 5-fold cross-validation on the tune split (macro-F1), never on holdout:
# regularisation C, the head's share of the blend, and the softmax temperature that turns the
# prior's similarities (which differ by a few hundredths) into probabilities.
C, BLEND, TEMPERATURE = 16.0, 0.7, 0.02
MIN_PROBABILITY = 0.2
"""Below this blended probability the best category is not claimed: ``unclassified``."""


@dataclass(frozen=True)
class CategoryHead:
    """``softmax(weights · vector + bias)`` over ``classes`` (category ids and ``unclassified``)."""

    model: str
    classes: tuple[str, ...]
    weights: tuple[tuple[float, ...], ...]
    bias: tuple[float, ...]
    blend: float = BLEND
    temperature: float = TEMPERATURE
    min_probability: float = MIN_PROBABILITY
    trained_on: dict[str, int] = field(default_factory=dict)

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        """Each class's probability for one thread vector."""
        logits = np.asarray(self.weights, dtype=np.float32) @ vector + np.asarray(self.bias)
        exp = np.exp(logits - logits.max())
        return dict(zip(self.classes, (exp / exp.sum()).tolist(), strict=True))

    def save(self, path: Path = CATEGORY_HEAD) -> None:
        path.write_text(json.dumps(asdict(self)) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = CATEGORY_HEAD) -> CategoryHead:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            **{
                **data,
                "classes": tuple(data["classes"]),
                "weights": tuple(tuple(row) for row in data["weights"]),
                "bias": tuple(data["bias"]),
            }
        )


def load_category_head(model: str, path: Path = CATEGORY_HEAD) -> CategoryHead | None:
    """The shipped head if it was trained for ``model`` (else None: the description prior alone)."""
    if not path.exists():
        return None
    head = CategoryHead.load(path)
    return head if head.model == model else None


def train_category_head(model: str, vectors: np.ndarray, labels: list[str]) -> CategoryHead:
    """Fit a class-balanced multinomial logistic regression (scikit-learn, training only)."""
    from sklearn.linear_model import LogisticRegression

    classifier = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    classifier.fit(vectors, labels)
    counts = {str(c): labels.count(str(c)) for c in classifier.classes_}
    return CategoryHead(
        model=model,
        classes=tuple(str(c) for c in classifier.classes_),
        weights=tuple(tuple(round(float(w), 5) for w in row) for row in classifier.coef_),
        bias=tuple(round(float(b), 5) for b in classifier.intercept_),
        trained_on={"items": len(labels), **counts},
    )
