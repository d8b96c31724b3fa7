"""Renaming, merging and promoting scenarios; pilot rotations. Invented scenarios, real files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from candor.plan.edits import apply_edits, load_edits, record
from candor.plan.promote import append_category, category_for
from candor.plan.rotations import rotation_figures, rotation_of
from corpus.errors import ConfigError, TaxonomyError
from corpus.settings import PilotConfig
from corpus.taxonomy import load_taxonomy
from nlp.scenarios import Scenario
from tests.conftest import TAXONOMY


def scenario(sid: str, label: str, threads: tuple[int, ...]) -> Scenario:
    return Scenario(
        product="acme-sync",
        id=sid,
        label=label,
        phrases=((label.split(", ")[0], 0.9),),
        thread_ids=threads,
        representative=threads[:1],
        category=None,
        category_share=0.0,
    )


QR = scenario("qr-code-link", "qr code, link", (1, 2, 3))
LINK = scenario("link-device", "link, device", (4, 5))
CALLS = scenario("calls-voice", "calls, voice", (6, 7, 8))
CATEGORIES = {1: "linked", 2: "linked", 4: "linked", 5: "linked", 6: "calls"}


def test_plan_edits_rename_and_merge_persist_and_apply(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.yaml"
    record(path, QR, name="Linking a desktop")
    record(path, LINK, into=QR.id)

    edits = load_edits(path)
    shown, unmatched = apply_edits([QR, LINK, CALLS], edits, CATEGORIES)
    assert [(s.key, s.label, s.thread_ids) for s in shown] == [
        ("acme-sync/qr-code-link", "Linking a desktop", (1, 2, 3, 4, 5)),
        ("acme-sync/calls-voice", "calls, voice", (6, 7, 8)),
    ]
    assert (shown[0].category, shown[0].category_share) == ("linked", 0.8)
    assert unmatched == []
    assert "link-device:\n    merge_into: qr-code-link" in path.read_text(encoding="utf-8")


def test_plan_edits_for_scenarios_no_longer_found_are_reported_not_dropped(
    tmp_path: Path,
) -> None:
    path = tmp_path / "scenarios.yaml"
    record(path, LINK, name="Pairing")
    shown, unmatched = apply_edits([QR, CALLS], load_edits(path), CATEGORIES)
    assert [s.label for s in shown] == ["qr code, link", "calls, voice"]
    assert unmatched == ["acme-sync/link-device"]
    assert "Pairing" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("acme-sync:\n  a: {merge_into: b}\n  b: {merge_into: a}\n", "in a circle: a → b → a"),
        ("acme-sync:\n  a:\n    nmae: Typo\n", r"scenarios.yaml:3: acme-sync.a.nmae: Extra inputs"),
        ("acme-sync: [unclosed\n", r"scenarios.yaml:2: invalid YAML"),
    ],
)
def test_plan_edits_bad_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "scenarios.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_edits(path)


def test_plan_promote_appends_a_valid_category_and_keeps_the_file(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    original = TAXONOMY.read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    category = category_for(QR, ["QR code will not scan", "Linking times out"], "qr-linking")

    append_category(path, category)

    updated = path.read_text(encoding="utf-8")
    assert updated.startswith(original)  # comments and every category kept as they were
    taxonomy = load_taxonomy(path)
    assert taxonomy.categories[-1] == category
    assert taxonomy.categories[-1].examples == ("QR code will not scan", "Linking times out")
    assert len(taxonomy.categories) == len(load_taxonomy(TAXONOMY).categories) + 1

    with pytest.raises(TaxonomyError, match="a category 'qr-linking' exists already"):
        append_category(path, category)
    assert path.read_text(encoding="utf-8") == updated


def test_plan_promote_before_another_top_level_key(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        "categories:\n  - id: calls\n    name: Calls\n    description: Voice and video calls.\n"
        "    examples: [Echo on calls]\nversion: 1\n",
        encoding="utf-8",
    )
    append_category(path, category_for(QR, ["QR code will not scan"]))
    assert [c.id for c in load_taxonomy(path).categories] == ["calls", "qr-code-link"]
    assert path.read_text(encoding="utf-8").endswith("version: 1\n")


PILOT = PilotConfig.model_validate(
    {
        "rotations": [
            {"name": "one", "start": "2026-01-05", "end": "2026-02-02", "usernames": ["Ann"]},
            {"name": "two", "start": "2026-02-02", "usernames": ["ann", "bob"]},
        ]
    }
)


@pytest.mark.parametrize(
    ("username", "when", "expected"),
    [
        ("ann", datetime(2026, 1, 5, 0, 0, tzinfo=UTC), "one"),
        ("ANN", datetime(2026, 2, 1, 23, 59, tzinfo=UTC), "one"),
        ("ann", datetime(2026, 2, 2, 0, 0, tzinfo=UTC), "two"),
        ("bob", datetime(2026, 1, 20, tzinfo=UTC), None),
        ("carol", datetime(2026, 3, 1, tzinfo=UTC), None),
    ],
)
def test_plan_rotation_of_attributes_a_post_to_its_period(
    username: str, when: datetime, expected: str | None
) -> None:
    found = rotation_of(PILOT, username, when)
    assert (found.name if found else None) == expected


def test_plan_rotation_figures_count_posts_on_duty_and_outside() -> None:
    posts = [
        ("ann", datetime(2026, 1, 6, tzinfo=UTC), 1),
        ("ann", datetime(2026, 1, 7, tzinfo=UTC), 1),
        ("bob", datetime(2026, 1, 7, tzinfo=UTC), 2),  # before bob's rotation
        ("bob", datetime(2026, 2, 3, tzinfo=UTC), 3),
        ("carol", datetime(2026, 2, 3, tzinfo=UTC), 3),  # in no rotation at all
    ]
    figures, outside = rotation_figures(PILOT, posts)
    assert [(f.name, f.posts, f.threads) for f in figures] == [("one", 2, 1), ("two", 1, 1)]
    assert outside == 1
