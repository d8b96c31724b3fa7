"""A thread's category: the learned head corrects the taxonomy's words where the forum differs."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from candor.devset import SYNTHETIC
from corpus.errors import InputError
from corpus.settings import NlpConfig
from corpus.taxonomy import UNCLASSIFIED, Taxonomy, load_taxonomy
from nlp.category_head import CategoryHead, load_category_head, train_category_head
from nlp.classify import TaxonomyClassifier, check_hints, hint_for
from nlp.evaluation import check_gold_categories, read_items

TAXONOMY = Taxonomy.model_validate(
    {
        "categories": [
            {
                "id": "calls",
                "name": "Calls",
                "description": "Voice and video calls that drop or do not ring.",
                "examples": ["My call keeps dropping", "The video call does not ring"],
            },
            {
                "id": "feature-requests",
                "name": "Feature requests",
                "description": "Proposals for new functionality.",
                "examples": ["Please add dark mode", "It would be nice to have stickers"],
                "keywords": ["please add"],
            },
        ]
    }
)


def encode(texts: list[str]) -> np.ndarray:
    """A stand-in embedding with three directions: calls, asking for something, anything else."""
    rows = []
    for text in texts:
        lowered = text.lower()
        row = [float("call" in lowered), float("please" in lowered or "nice" in lowered), 0.1]
        rows.append(np.asarray(row) / np.linalg.norm(row))
    return np.asarray(rows, dtype=np.float32)


def classifier(head: CategoryHead | None = None) -> TaxonomyClassifier:
    texts = TaxonomyClassifier.prototype_texts(TAXONOMY)
    return TaxonomyClassifier(TAXONOMY, dict(zip(texts, encode(texts), strict=True)), head)


def trained_head() -> CategoryHead:
    threads = {
        "Please add call recording": "feature-requests",
        "Please let me call from my watch": "feature-requests",
        "It would be nice to call landlines": "feature-requests",
        "My call drops after a minute": "calls",
        "Incoming call does not ring": "calls",
        "Group call stuck on connecting": "calls",
        "Who wants to share memes here": "unclassified",
        "Anyone from the press reading this": "unclassified",
    }
    return train_category_head("toy", encode(list(threads)), list(threads.values()))


def test_classify_head_files_a_request_about_calls_as_a_feature_request() -> None:
    text = "Please add a way to record a call"
    (vector,) = encode([text])
    assert classifier().assign(vector, text, threshold=0.3, margin=0.0)[0].id == "calls"

    (best,) = classifier(trained_head()).assign(vector, text, threshold=0.3, margin=0.0)
    assert best.id == "feature-requests"
    assert best.evidence()["keywords"] == ["please add"]
    assert best.evidence()["learned"] > 0.5


def test_classify_head_says_unclassified_when_no_category_fits() -> None:
    text = "Any memes to share from the press?"
    (vector,) = encode([text])
    (best,) = classifier(trained_head()).assign(vector, text, threshold=0.3, margin=0.0)
    assert best.id == "unclassified"


def test_classify_head_round_trips_and_loads_only_for_its_model(tmp_path: Path) -> None:
    head = trained_head()
    head.save(tmp_path / "category_head.json")
    assert CategoryHead.load(tmp_path / "category_head.json") == head
    assert load_category_head("toy", tmp_path / "category_head.json") == head
    assert load_category_head("another-model", tmp_path / "category_head.json") is None
    assert head.trained_on == {"items": 8, "calls": 3, "feature-requests": 3, "unclassified": 2}


def test_classify_shipped_head_knows_only_the_taxonomy_s_categories() -> None:
    """Renaming a category in taxonomy.yaml without retraining the head fails here."""
    head = load_category_head(NlpConfig().embedding_model)
    assert head is not None, "run `candor train-head category`"
    taxonomy = load_taxonomy(Path(__file__).parents[2] / "taxonomy.yaml")
    assert set(head.classes) <= taxonomy.choices
    assert {"feature-requests", UNCLASSIFIED} <= set(head.classes)


def test_classify_shipped_head_was_trained_on_the_committed_invented_threads() -> None:
    """Every category has invented openings on file, valid against the taxonomy, and the shipped
    head counts all of them: editing the files without ``candor train-head category`` fails."""
    taxonomy = load_taxonomy(Path(__file__).parents[2] / "taxonomy.yaml")
    paths = sorted(SYNTHETIC.glob("threads_*.jsonl"))
    threads = [item for path in paths for item in read_items(path)]
    for path in paths:
        check_gold_categories(path, read_items(path), taxonomy)
    per_category = Counter(item.gold["category"] for item in threads)
    assert set(per_category) == taxonomy.choices
    assert min(per_category.values()) >= 20
    head = load_category_head(NlpConfig().embedding_model)
    assert head is not None and head.trained_on["invented"] == len(threads)


def test_classify_hint_files_a_thread_under_its_forum_section_and_says_so() -> None:
    """A thread in the venue's feature-request section is a request whatever it reads like."""
    text = "My call drops after a minute"
    (vector,) = encode([text])
    hint = hint_for({"Ideas": "feature-requests"}, "Ideas")

    first, *others = classifier().assign(vector, text, threshold=0.3, margin=1.0, hint=hint)
    assert first.id == "feature-requests"
    assert first.evidence() == {
        "why": "filed in forum category Ideas (venue category_hints)",
        "forum_category": "Ideas",
    }
    assert [c.id for c in others] == ["calls"]  # topical categories may join, after the hint
    assert hint_for({"Ideas": "feature-requests"}, "Help") is None
    assert hint_for({"Ideas": "feature-requests"}, None) is None


def test_classify_hint_to_unclassified_keeps_the_thread_out_of_every_category() -> None:
    text = "My call drops after a minute"
    (vector,) = encode([text])
    hint = hint_for({"Lounge": UNCLASSIFIED}, "Lounge")
    assert [c.id for c in classifier().assign(vector, text, 0.3, 1.0, hint)] == [UNCLASSIFIED]


def test_classify_hint_naming_no_taxonomy_category_is_refused_with_its_venue() -> None:
    check_hints(TAXONOMY, "forum", {"Ideas": "feature-requests", "Lounge": UNCLASSIFIED})
    with pytest.raises(InputError, match=r"venue forum: category_hints\['Ideas'\] is 'wishes'"):
        check_hints(TAXONOMY, "forum", {"Ideas": "wishes"})
