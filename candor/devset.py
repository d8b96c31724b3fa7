"""Build the public eval file from the dev set's labels and the sample forum's text.

The labels under ``tests/data/dev/`` hold ids and judgements only (the forum's words stay in the
sample data, not in this repository); this joins them into the JSON Lines format that
``candor eval`` reads. Text goes through the same cleaning and redaction as enrichment. Items are
split by a hash of their id into ``tune`` (rules may be developed against it) and ``holdout``
(reported, never looked at while writing rules).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from candor.sample_forum import category_name, load_topics
from corpus.errors import InputError
from corpus.redact import redact
from corpus.settings import VenueConfig
from nlp.clean import clean_html

DEV_LABELS = Path(__file__).resolve().parents[1] / "tests" / "data" / "dev"
SYNTHETIC = DEV_LABELS.parent / "synthetic"
"""Invented sentences and thread openings, written from the label definitions (see its README)."""
SECOND_READING = DEV_LABELS / "second"
"""Labels a second reader gave, blind to the first, for some of the same items."""


def _text(html: str) -> str:
    return redact(clean_html(html).text).text


def split_of(item_id: str) -> str:
    return "holdout" if hashlib.sha256(item_id.encode()).digest()[0] % 2 else "tune"


def build(
    sample_data: Path, venue: VenueConfig, labels: Path = DEV_LABELS
) -> Iterator[dict[str, Any]]:
    """Yield eval items for every labelled post and thread; roles follow ``venue``'s rules."""
    topics = {t["id"]: t for t in load_topics(sample_data)}
    posts = {p["id"]: (t, p) for t in topics.values() for p in t["post_stream"]["posts"]}
    for path in sorted(labels.glob("*.labels.jsonl")):
        for number, label in _labels(path):
            kind, _, raw_id = label["id"].partition(":")
            try:
                if kind == "post":
                    yield _post_item(label, *posts[int(raw_id)])
                else:
                    yield _thread_item(label, topics[int(raw_id)], venue)
            except KeyError as exc:
                raise InputError(f"{path}:{number}: {label['id']} is not in {sample_data}") from exc


def _labels(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each label of a label file with its line number; a line that is not a label object with
    an ``id`` and a ``gold`` mapping stops the run naming the file and line, since labels are
    written by hand."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            label = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not JSON: {exc.msg} at column {exc.colno}") from exc
        if not (
            isinstance(label, dict)
            and isinstance(label.get("id"), str)
            and isinstance(label.get("gold"), dict)
        ):
            raise InputError(f'{path}:{number}: a label needs a string "id" and a "gold" object')
        yield number, label


def _post_item(
    label: dict[str, Any], topic: dict[str, Any], post: dict[str, Any]
) -> dict[str, Any]:
    by_number = {p["post_number"]: p for p in topic["post_stream"]["posts"]}
    replied = by_number.get(post.get("reply_to_post_number") or post["post_number"] - 1)
    return {
        "id": label["id"],
        "type": "post",
        "role": label["role"],
        "title": topic["title"],
        "text": _text(post["cooked"]),
        "context": _text(replied["cooked"]) if replied else "",
        "number": post["post_number"],
        "split": split_of(label["id"]),
        "gold": label["gold"],
    }


def _thread_item(
    label: dict[str, Any], topic: dict[str, Any], venue: VenueConfig
) -> dict[str, Any]:
    posts = topic["post_stream"]["posts"]
    opener = posts[0]["username"]

    def role(post: dict[str, Any]) -> str:
        staff = post.get("primary_group_name") == "signal_staff" or post[
            "username"
        ].lower().endswith("-signal")
        return "staff" if staff else "opener" if post["username"] == opener else "customer"

    return {
        "id": label["id"],
        "type": "thread",
        "title": topic["title"],
        "posts": [
            {
                "username": p["username"],
                "role": role(p),
                "text": _text(p["cooked"]),
                "accepted": bool(p.get("accepted_answer")),
            }
            for p in posts
        ],
        "forum_category": category_name(topic["category_id"]),
        "split": split_of(label["id"]),
        "gold": label["gold"],
    }


def agreement(
    labels: Path = DEV_LABELS, second: Path = SECOND_READING
) -> dict[str, dict[str, float | int]]:
    """How far two readers agree, per gold key read twice: Cohen's kappa, and the second
    reading scored against the first as ``candor eval`` scores Candor (precision, recall and F1,
    macro-averaged for classes). What two careful readers reach is a ceiling for the targets."""
    from sklearn.metrics import cohen_kappa_score

    from nlp.evaluation import macro, prf

    first = {
        label["id"]: label["gold"]
        for path in labels.glob("*.labels.jsonl")
        for _, label in _labels(path)
    }
    pairs: dict[str, list[tuple[Any, Any]]] = {}
    for path in sorted(second.glob("*.jsonl")):
        for number, label in _labels(path):
            if label["id"] not in first:
                raise InputError(f"{path}:{number}: {label['id']} has no first reading in {labels}")
            for key, value in label["gold"].items():
                if key in first[label["id"]]:
                    pairs.setdefault(key, []).append((first[label["id"]][key], value))
    report = {}
    for key, judged in sorted(pairs.items()):
        measure = prf if isinstance(judged[0][0], bool) else macro
        kappa = cohen_kappa_score([str(a) for a, _ in judged], [str(b) for _, b in judged])
        report[key] = {**measure(judged), "kappa": round(float(kappa), 3), "items": len(judged)}
    return report
