"""``candor train-head``: fit a signal's head on the dev set's ``tune`` split and ship it.

Only ``tune`` items are used, so ``candor eval`` can report the head on ``holdout`` items it has
never seen. The head is written to ``nlp/data/<name>_head.json`` with what it was trained on.
The ``category`` head is trained on whole threads (:mod:`nlp.category_head`): the ``tune``
threads and the invented thread openings of ``tests/data/synthetic/threads_*.jsonl``, which give
every category, the rare ones too, examples on both sides of its boundaries.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from candor.devset import SYNTHETIC, build
from corpus.settings import Settings, VenueConfig
from nlp import models
from nlp.category_head import CATEGORY_HEAD, CategoryHead, train_category_head
from nlp.classify import thread_text
from nlp.evaluation import ThreadItem, read_items
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


def train_category(settings: Settings, venue: VenueConfig) -> tuple[CategoryHead, Path]:
    """Train the taxonomy head on the tune split's labelled threads and the invented ones."""
    items = [
        (item["title"], item["posts"][0]["text"], str(item["gold"]["category"]))
        for item in build(settings.sample_data, venue)
        if item["type"] == "thread" and item["split"] == "tune" and "category" in item["gold"]
    ]
    invented = [
        (item.title, item.posts[0].text, str(item.gold["category"]))
        for path in sorted(SYNTHETIC.glob("threads_*.jsonl"))
        for item in read_items(path)
        if isinstance(item, ThreadItem)
    ]
    model = models.sentence_model(settings.nlp.embedding_model, settings.nlp.max_seq_length)
    vectors = model.encode(
        [thread_text(title, text) for title, text, _ in items + invented],
        normalize_embeddings=True,
        show_progress_bar=False,
    )
    labels = [label for _, _, label in items + invented]
    head = train_category_head(settings.nlp.embedding_model, np.asarray(vectors), labels)
    counts = {"tune": len(items), "invented": len(invented)}
    head = replace(head, trained_on={**head.trained_on, **counts})
    head.save(CATEGORY_HEAD)
    return head, CATEGORY_HEAD
