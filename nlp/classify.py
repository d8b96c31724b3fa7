"""Taxonomy categories for a thread: a learned head blended with the taxonomy's own words.

The *prior* is similarity to each category of ``taxonomy.yaml``: its name with its description,
and each example; a thread's prior for a category blends its best example match with its
description match, plus a small bonus per keyword found. The *head* (:mod:`nlp.category_head`,
trained on the dev set's tune split) is a softmax over the thread's vector that also knows
``unclassified``. With a head, a category's score is ``blend · head + (1 − blend) · softmax(prior
/ temperature)``, a probability; the best one is assigned unless it is ``unclassified`` or below
the head's ``min_probability``, and any other within ``category_margin`` of it joins (multi-label,
at most three). Without a head (another embedding model), the prior alone decides against
``category_threshold`` as before. The nearest example, the keywords found and both scores are
the evidence.

A venue may say that a forum section's threads belong to one category whatever they touch
(``category_hints``: a feature-request section, beta feedback, off-topic chat). Such a *hint* is
the thread's first category, cited as the forum's own filing; the scores above may add topical
categories beside it, never instead of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from corpus.errors import InputError
from corpus.taxonomy import UNCLASSIFIED, Taxonomy
from nlp.category_head import CategoryHead

# v2: learned head blended with the description prior; v3: the venue's forum-section hints
TAXONOMY_VERSION = "candor.taxonomy.v3"
KEYWORD_BONUS, MAX_KEYWORD_BONUS = 0.04, 0.12
OPENER_CHARS = 1500
MAX_CATEGORIES = 3

Hint = tuple[str, str]
"""A thread's forum category and the taxonomy category its venue files it under."""


def hint_for(hints: dict[str, str], forum_category: str | None) -> Hint | None:
    """The venue's hint for a thread filed in ``forum_category`` (None when it has none)."""
    if forum_category is None or forum_category not in hints:
        return None
    return forum_category, hints[forum_category]


def check_hints(taxonomy: Taxonomy, venue: str, hints: dict[str, str]) -> None:
    """Refuse a hint naming no category of the taxonomy, before any thread is judged by it."""
    for forum_category, category in hints.items():
        if category not in taxonomy.choices:
            raise InputError(
                f"venue {venue}: category_hints[{forum_category!r}] is {category!r}, which is "
                f"not a category of the taxonomy (one of: {', '.join(sorted(taxonomy.choices))})"
            )


def thread_text(title: str, opening: str) -> str:
    """What a thread's vector is made of: its title and the start of its first post."""
    return f"{title}\n{opening[:OPENER_CHARS]}"


@dataclass(frozen=True)
class CategoryScore:
    id: str
    score: float
    nearest_example: str
    keywords: tuple[str, ...]
    prior: float = 0.0
    learned: float | None = None
    forum_category: str | None = None

    def evidence(self) -> dict[str, Any]:
        """Why the category was assigned: the forum section it is filed in (a venue hint), or
        its nearest example, keywords found and both scores."""
        if self.forum_category is not None:
            return {
                "why": f"filed in forum category {self.forum_category} (venue category_hints)",
                "forum_category": self.forum_category,
            }
        return {
            "why": f"nearest example of {self.id}",
            "text": self.nearest_example,
            "keywords": list(self.keywords),
            "prior": round(self.prior, 4),
            **({"learned": round(self.learned, 4)} if self.learned is not None else {}),
        }


class TaxonomyClassifier:
    """Build once per enrichment run from the taxonomy, prototype vectors and an optional head."""

    def __init__(
        self, taxonomy: Taxonomy, vectors: dict[str, np.ndarray], head: CategoryHead | None = None
    ) -> None:
        self.taxonomy = taxonomy
        self._vectors = vectors
        self.head = head

    @classmethod
    def prototype_texts(cls, taxonomy: Taxonomy) -> list[str]:
        """Every text whose vector the classifier needs, in a stable order."""
        texts: list[str] = []
        for category in taxonomy.categories:
            texts.append(f"{category.name}: {category.description}")
            texts.extend(category.examples)
        return texts

    def priors(self, thread_vector: np.ndarray, text: str) -> list[CategoryScore]:
        """Every category's similarity to the thread, in taxonomy order."""
        lowered = text.lower()
        results = []
        for category in self.taxonomy.categories:
            description = self._vectors[f"{category.name}: {category.description}"]
            examples = np.stack([self._vectors[e] for e in category.examples])
            similarities = examples @ thread_vector
            best = int(np.argmax(similarities))
            found = tuple(k for k in category.keywords if k.lower() in lowered)
            score = 0.6 * float(similarities[best]) + 0.4 * float(description @ thread_vector)
            score += min(MAX_KEYWORD_BONUS, KEYWORD_BONUS * len(found))
            results.append(CategoryScore(category.id, score, category.examples[best], found, score))
        return results

    def scores(self, thread_vector: np.ndarray, text: str) -> list[CategoryScore]:
        """Every category's score for a thread (and ``unclassified``'s, with a head), best first."""
        priors = self.priors(thread_vector, text)
        if self.head is None:
            return sorted(priors, key=lambda r: r.score, reverse=True)
        head = self.head
        raw = np.array([p.prior for p in priors]) / head.temperature
        prior_p = np.exp(raw - raw.max())
        prior_p /= prior_p.sum()
        learned = head.probabilities(thread_vector)
        results = [
            CategoryScore(
                p.id,
                head.blend * learned.get(p.id, 0.0) + (1 - head.blend) * float(q),
                p.nearest_example,
                p.keywords,
                p.prior,
                learned.get(p.id, 0.0),
            )
            for p, q in zip(priors, prior_p, strict=True)
        ]
        none = learned.get(UNCLASSIFIED, 0.0)
        results.append(CategoryScore(UNCLASSIFIED, head.blend * none, "", (), 0.0, none))
        return sorted(results, key=lambda r: r.score, reverse=True)

    def assign(
        self,
        thread_vector: np.ndarray,
        text: str,
        threshold: float,
        margin: float,
        hint: Hint | None = None,
    ) -> list[CategoryScore]:
        """The categories assigned to a thread (``unclassified`` alone if none fits), the
        hinted one first when the thread's forum section has a hint.

        ``threshold`` is the prior's minimum similarity, used only without a head; a head
        brings its own minimum probability.
        """
        ranked = self.scores(thread_vector, text)
        best = ranked[0]
        floor = self.head.min_probability if self.head else threshold
        if best.id == UNCLASSIFIED or best.score < floor:
            topical = []
        else:
            topical = [
                r
                for r in ranked
                if r.id != UNCLASSIFIED and r.score >= max(floor, best.score - margin)
            ]
        if hint is not None:
            forum_category, category = hint
            hinted = CategoryScore(category, 1.0, "", (), forum_category=forum_category)
            if category == UNCLASSIFIED:
                return [hinted]
            topical = [hinted, *(r for r in topical if r.id != category)]
        if not topical:
            return [CategoryScore(UNCLASSIFIED, best.score, "", (), best.prior, best.learned)]
        return topical[:MAX_CATEGORIES]
