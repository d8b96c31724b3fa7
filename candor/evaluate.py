"""Wires :mod:`nlp.evaluation` to the configured models and taxonomy for ``candor eval``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from corpus.settings import ProductConfig, Settings, VenueConfig
from corpus.taxonomy import load_taxonomy
from nlp import models
from nlp.category_head import load_category_head
from nlp.classify import check_hints
from nlp.evaluation import (
    Evaluator,
    Prediction,
    check_gold_categories,
    read_items,
    score,
    score_by_split,
)
from nlp.heads import load_head
from nlp.products import ProductLinker


def evaluate_file(
    settings: Settings,
    path: Path,
    venue: VenueConfig | None = None,
    products: list[ProductConfig] | None = None,
) -> tuple[dict[str, Any], list[Prediction]]:
    """Return ``({"all": report, <split>: report…}, predictions)`` for the items in ``path``;
    ``venue``'s ``category_hints`` read the threads' ``forum_category``, and threads are linked
    to ``products`` (default: the configured ones)."""
    items = read_items(path)
    taxonomy = load_taxonomy(settings.taxonomy)
    check_gold_categories(path, items, taxonomy)
    hints = venue.category_hints if venue else {}
    if venue:
        check_hints(taxonomy, venue.name, hints)
    model = models.sentence_model(settings.nlp.embedding_model, settings.nlp.max_seq_length)

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(
            model.encode(
                texts,
                batch_size=settings.nlp.batch_size,
                normalize_embeddings=True,
                show_progress_bar=False,
            ),
            dtype=np.float32,
        )

    nlp = models.sentence_splitter(settings.nlp.spacy_model)
    products = settings.products if products is None else products
    evaluator = Evaluator(
        nlp,
        taxonomy,
        encode,
        settings.nlp.category_threshold,
        settings.nlp.category_margin,
        load_head("admission", settings.nlp.embedding_model),
        load_category_head(settings.nlp.embedding_model),
        hints,
        ProductLinker(nlp, products) if products else None,
        settings.select,
    )
    predictions = evaluator.predict(items)
    return {"all": score(predictions), **score_by_split(predictions)}, predictions
