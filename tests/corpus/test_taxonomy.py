"""The taxonomy: the project's own file is valid, and a broken one says where it is broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.errors import TaxonomyError
from corpus.taxonomy import load_taxonomy
from tests.conftest import TAXONOMY

REQUIRED_AREAS = [
    "account",
    "link",
    "backup",
    "notification",
    "call",
    "group",
    "media",
    "privacy",
    "payment",
    "performance",
    "feature",
    "release",
]


def test_taxonomy_shipped_file_covers_a_messaging_products_support_areas() -> None:
    taxonomy = load_taxonomy(TAXONOMY)
    ids = [c.id for c in taxonomy.categories]
    for area in REQUIRED_AREAS:
        assert any(area in i for i in ids), f"no category for {area!r} in {ids}"
    assert all(len(c.examples) >= 3 and c.description for c in taxonomy.categories)


def test_taxonomy_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "version: 1\ncategories:\n"
        "  - id: calls\n    name: Calls\n    description: Voice and video calls.\n"
        "    examples: [call drops]\n"
        "  - id: groups\n    name: Groups\n    description: Group chats and admins.\n"
        "    examples: []\n",
        encoding="utf-8",
    )
    with pytest.raises(
        TaxonomyError, match=rf"{path}:10: categories.1.examples: Tuple should have at least 1"
    ):
        load_taxonomy(path)


def test_taxonomy_repeated_ids_and_reserved_id_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    category = "  - {id: %s, name: X, description: Something long enough., examples: [x]}\n"
    path.write_text("categories:\n" + category % "calls" + category % "calls", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"repeated: \['calls'\]"):
        load_taxonomy(path)
    path.write_text("categories:\n" + category % "unclassified", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r":2: categories\.0\.id: .*reserved"):
        load_taxonomy(path)


def test_taxonomy_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match=r"nope\.yaml: taxonomy file not found"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_taxonomy_fingerprint_changes_with_content(tmp_path: Path) -> None:
    original = load_taxonomy(TAXONOMY)
    path = tmp_path / "t.yaml"
    path.write_text(TAXONOMY.read_text().replace("examples:", "examples:\n      - one more", 1))
    assert load_taxonomy(path).fingerprint != original.fingerprint
