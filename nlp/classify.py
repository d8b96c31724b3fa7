"""Taxonomy categories for a thread, by similarity to each category's description and examples.

Every category becomes a set of prototype vectors (its name with its description, and each
example); a thread's score for a category blends its best example match with its description
match, plus a small bonus per keyword found. Categories within ``category_margin`` of the best
one, above ``category_threshold``, are assigned (multi-label); none above the threshold means
``unclassified``. The nearest example and the keywords found are the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corpus.taxonomy import UNCLASSIFIED, Taxonomy

KEYWORD_BONUS, MAX_KEYWORD_BONUS = 0.04, 0.12


@dataclass(frozen=True)
class CategoryScore:
    id: str
    score: float
    nearest_example: str
    keywords: tuple[str, ...]


class TaxonomyClassifier:
    """Build once per enrichment run from the taxonomy and an ``encode`` function."""

    def __init__(self, taxonomy: Taxonomy, vectors: dict[str, np.ndarray]) -> None:
        self.taxonomy = taxonomy
        self._vectors = vectors

    @classmethod
    def prototype_texts(cls, taxonomy: Taxonomy) -> list[str]:
        """Every text whose vector the classifier needs, in a stable order."""
        texts: list[str] = []
        for category in taxonomy.categories:
            texts.append(f"{category.name}: {category.description}")
            texts.extend(category.examples)
        return texts

    def scores(self, thread_vector: np.ndarray, text: str) -> list[CategoryScore]:
        """Every category's score for a thread, best first."""
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
            results.append(CategoryScore(category.id, score, category.examples[best], found))
        return sorted(results, key=lambda r: r.score, reverse=True)

    def assign(
        self, thread_vector: np.ndarray, text: str, threshold: float, margin: float
    ) -> list[CategoryScore]:
        """The categories assigned to a thread (``unclassified`` alone if none fits)."""
        ranked = self.scores(thread_vector, text)
        best = ranked[0]
        if best.score < threshold:
            return [CategoryScore(UNCLASSIFIED, best.score, "", ())]
        return [r for r in ranked if r.score >= max(threshold, best.score - margin)][:3]
