"""The dev set's labels join the sample forum's text into the public eval format."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from candor.demo import example_venue
from candor.devset import DEV_LABELS, SYNTHETIC, agreement, build
from candor.evaluate import evaluate_file
from corpus.errors import InputError
from corpus.settings import load_settings
from nlp.evaluation import BOOLEAN_KEYS, CLASS_KEYS, SET_KEYS, read_items

ROOT = Path(__file__).parents[2]


def test_devset_every_label_finds_its_post_or_thread(sample_data: Path) -> None:
    items = list(build(sample_data, example_venue()))
    labelled = sum(len(p.read_text().splitlines()) for p in DEV_LABELS.glob("*.labels.jsonl"))
    assert len(items) == labelled >= 900
    assert len({i["id"] for i in items}) == len(items), "an id is labelled twice"
    kinds = Counter(i["type"] for i in items)
    assert kinds["thread"] >= 150 and kinds["post"] >= 600
    for item in items:
        assert set(item["gold"]) <= {*BOOLEAN_KEYS, *CLASS_KEYS, *SET_KEYS}, item["id"]
        assert item["split"] in {"tune", "holdout"}
        assert isinstance(item["text"], str) if item["type"] == "post" else item["posts"]
    splits = Counter(i["split"] for i in items)
    assert abs(splits["tune"] - splits["holdout"]) < 0.1 * len(items)


def test_devset_threads_carry_the_forum_section_the_example_hints_read(
    sample_data: Path, tmp_path: Path
) -> None:
    """The sample's feature-request and beta sections are filed by the venue, with the reason."""
    venue = example_venue()
    threads = [i for i in build(sample_data, venue) if i["type"] == "thread"]
    hinted = [i for i in threads if i["forum_category"] in venue.category_hints]
    assert 0 < len(hinted) < len(threads)

    request = next(i for i in hinted if venue.category_hints[i["forum_category"]] != "unclassified")
    topical = next(i for i in threads if i["forum_category"] not in venue.category_hints)
    path = tmp_path / "two.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in (request, topical)))
    settings = load_settings(None, taxonomy=ROOT / "taxonomy.yaml")

    _, (filed, judged) = evaluate_file(settings, path, venue)
    assert filed.predicted["category"] == venue.category_hints[request["forum_category"]]
    assert filed.evidence["category"] == [
        f"filed in forum category {request['forum_category']} (venue category_hints)"
    ]
    assert not judged.evidence["category"][0].startswith("filed in")


def test_eval_showcase_compares_the_selection_score_with_the_quality_bar(tmp_path: Path) -> None:
    """An owned and fixed bug clears the bar with its parts as evidence; a +1 chorus does not."""

    def thread(item_id: str, posts: list[tuple[str, str, str]], worth: bool) -> str:
        return json.dumps(
            {
                "id": item_id,
                "type": "thread",
                "title": "Calls drop after the update",
                "posts": [{"username": u, "role": r, "text": t} for u, r, t in posts],
                "gold": {"showcase": worth},
            }
        )

    fixed = thread(
        "t:fixed",
        [
            ("ann", "opener", "Since 7.2 every call drops after ten seconds."),
            (
                "sam-signal",
                "staff",
                "You're right, that's a bug on our side. We broke this in 7.2.",
            ),
            ("ann", "opener", "The new update fixed it, thanks a lot!"),
        ],
        worth=True,
    )
    chorus = thread(
        "t:chorus",
        [
            ("bob", "opener", "Please add a dark mode for the call screen."),
            ("cy", "customer", "+1"),
            ("dee", "customer", "Would love this too."),
        ],
        worth=False,
    )
    path = tmp_path / "two.jsonl"
    path.write_text(f"{fixed}\n{chorus}\n")
    settings = load_settings(None, taxonomy=ROOT / "taxonomy.yaml")

    report, (owned, plus_ones) = evaluate_file(settings, path)
    assert owned.predicted["showcase"] and not plus_ones.predicted["showcase"]
    assert "admission +3" in owned.evidence["showcase"][0]
    assert plus_ones.evidence["showcase"][0].endswith(
        f"against the quality bar {settings.select.min_score}, needing admission or resolved"
    )
    assert report["all"]["showcase"]["f1"] == 1.0


def test_agreement_scores_the_second_reading_against_the_first(tmp_path: Path) -> None:
    first, second = tmp_path / "dev", tmp_path / "dev" / "second"
    second.mkdir(parents=True)
    readings = [(True, True), (True, False), (False, False), (False, True), (True, True)]

    def lines(which: int) -> str:
        return "".join(
            json.dumps({"id": f"post:{n}", "gold": {"admission": pair[which]}}) + "\n"
            for n, pair in enumerate(readings)
        )

    (first / "staff.labels.jsonl").write_text(lines(0))
    (second / "staff.second.jsonl").write_text(lines(1))
    report = agreement(first, second)
    assert report["admission"] == {
        "precision": 0.667,
        "recall": 0.667,
        "f1": 0.667,
        "support": 3,
        "kappa": 0.167,
        "items": 5,
    }

    (second / "staff.second.jsonl").write_text(lines(1) + '{"id": "post:99", "gold": {}}\n')
    with pytest.raises(InputError, match=r"staff.second.jsonl:6: post:99 has no first reading"):
        agreement(first, second)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": "post:7", "gold": {"admission": tru}', "not JSON"),
        ('["post:7", {"admission": true}]', 'a label needs a string "id" and a "gold" object'),
        ('{"id": "post:7", "gold": true}', 'a label needs a string "id" and a "gold" object'),
    ],
)
def test_a_malformed_label_line_is_named_by_file_and_line(
    sample_data: Path, tmp_path: Path, line: str, problem: str
) -> None:
    """Labels are written by hand; a slip stops the reader at its line, not with a traceback."""
    first, second = tmp_path / "dev", tmp_path / "dev" / "second"
    second.mkdir(parents=True)
    (first / "staff.labels.jsonl").write_text(f"\n\n{line}\n")
    (second / "staff.second.jsonl").write_text('{"id": "post:7", "gold": {"admission": true}}\n')

    with pytest.raises(InputError, match=rf"staff.labels.jsonl:3: {problem}"):
        agreement(first, second)
    with pytest.raises(InputError, match=rf"staff.labels.jsonl:3: {problem}"):
        list(build(sample_data, example_venue(), labels=first))


def test_invented_sentence_sets_are_eval_files_with_a_fixed_balance() -> None:
    """Each set reads as a public eval file: 220 positives and 66 of each of five look-alikes."""
    for path in sorted(SYNTHETIC.glob("[!t]*.jsonl")):  # threads_* are checked with the head
        items = read_items(path)
        ((key, _),) = {(k, type(v)) for item in items for k, v in item.gold.items()}
        assert sum(item.gold[key] for item in items) == 220, path
        kinds = Counter(json.loads(line)["kind"] for line in path.open(encoding="utf-8"))
        assert sorted(kinds.values()) == [66] * 5 + [220], path
