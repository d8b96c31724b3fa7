"""The eval format is a public contract: its parser names bad lines, its metrics are standard."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.errors import InputError
from nlp.evaluation import PostItem, ThreadItem, macro, prf, read_items


def test_evaluation_prf_counts_the_positive_class() -> None:
    pairs = [(True, True), (True, False), (False, True), (False, False), (True, True)]
    assert prf(pairs) == {"precision": 0.667, "recall": 0.667, "f1": 0.667, "support": 3}
    assert prf([(False, False)]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_evaluation_macro_averages_over_gold_classes() -> None:
    pairs = [("a", "a"), ("a", "b"), ("b", "b")]
    assert macro(pairs) == {"precision": 0.75, "recall": 0.75, "f1": 0.667, "support": 3}


def test_evaluation_reads_posts_and_threads(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(
        '{"id": "p1", "type": "post", "role": "opener", "title": "t", "text": "it works now",'
        ' "context": "", "gold": {"solved_confirmation": true}}\n\n'
        '{"id": "t1", "type": "thread", "title": "t", "posts": [{"username": "a", "role":'
        ' "opener", "text": "help"}], "gold": {"category": "calls"}}\n'
    )
    post, thread = read_items(path)
    assert isinstance(post, PostItem) and post.gold == {"solved_confirmation": True}
    assert isinstance(thread, ThreadItem) and thread.posts[0].username == "a"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "not JSON"),
        ('{"id": "x", "type": "post", "role": "boss", "text": "hi"}', "role: Input should be"),
        ('{"id": "x", "type": "thread", "posts": []}', "posts: List should have at least 1"),
        ("[1, 2]", "each line must be a JSON object"),
    ],
)
def test_evaluation_bad_line_names_file_line_and_field(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text('{"id": "ok", "type": "post", "role": "staff", "text": "fine"}\n' + line)
    with pytest.raises(InputError, match=f"{path}:2: .*{problem}"):
        read_items(path)
