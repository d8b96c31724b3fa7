"""The dev set's labels join the sample forum's text into the public eval format."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from candor.demo import example_venue
from candor.devset import DEV_LABELS, build
from nlp.evaluation import BOOLEAN_KEYS, CLASS_KEYS


def test_devset_every_label_finds_its_post_or_thread(sample_data: Path) -> None:
    items = list(build(sample_data, example_venue()))
    labelled = sum(len(p.read_text().splitlines()) for p in DEV_LABELS.glob("*.labels.jsonl"))
    assert len(items) == labelled >= 900
    assert len({i["id"] for i in items}) == len(items), "an id is labelled twice"
    kinds = Counter(i["type"] for i in items)
    assert kinds["thread"] >= 150 and kinds["post"] >= 600
    for item in items:
        assert set(item["gold"]) <= set(BOOLEAN_KEYS) | set(CLASS_KEYS), item["id"]
        assert item["split"] in {"tune", "holdout"}
        assert isinstance(item["text"], str) if item["type"] == "post" else item["posts"]
    splits = Counter(i["split"] for i in items)
    assert abs(splits["tune"] - splits["holdout"]) < 0.1 * len(items)
