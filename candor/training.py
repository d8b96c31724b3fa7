"""``candor train-head``: fit a signal's head on the dev set's ``tune`` split and ship it.

Only ``tune`` items are used, so ``candor eval`` can report the head on ``holdout`` items it has
never seen. The head is written to ``nlp/data/<name>_head.json`` with what it was trained on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from candor.devset import build
from corpus.settings import Settings, VenueConfig
from nlp import models
from nlp.heads import HEADS, LinearHead, train_head

# Which items train which head, and the label that says positive.
TRAINABLE = {"admission": ("staff", "admission")}


def train(
    settings: Settings, venue: VenueConfig, name: str, threshold: float = 0.7
) -> tuple[LinearHead, Path]:
    """Train the head ``name`` and save it where enrichment and ``candor eval`` load it."""
    role, key = TRAINABLE[name]
    items = [
        item
        for item in build(settings.sample_data, venue)
        if item.get("role") == role and item["split"] == "tune" and key in item["gold"]
    ]
    model = models.sentence_model(settings.nlp.embedding_model, settings.nlp.max_seq_length)
    vectors = model.encode(
        [item["text"] or " " for item in items], normalize_embeddings=True, show_progress_bar=False
    )
    labels = np.array([bool(item["gold"][key]) for item in items])
    head = train_head(name, settings.nlp.embedding_model, np.asarray(vectors), labels, threshold)
    path = HEADS / f"{name}_head.json"
    head.save(path)
    return head, path
