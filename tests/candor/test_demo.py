"""`make demo` as a newcomer runs it: the whole pipeline, searchable, the same the second time."""

from __future__ import annotations

from pathlib import Path

from candor.demo import run_demo
from corpus.search import open_index
from corpus.search.base import Filters
from tests.conftest import TAXONOMY


def test_demo_twice_is_searchable_and_changes_nothing_the_second_time(
    tmp_path: Path, sample_data: Path
) -> None:
    first = run_demo(tmp_path, TAXONOMY, sample_data, threads=20)
    steps = dict(first.steps)
    assert int(steps["approve"].split()[0]) > 0  # up to 3 per product
    index = open_index(first.settings)
    try:
        assert index.search("signal", Filters(), size=1).total > 0  # searchable right away
    finally:
        index.close()

    again = dict(run_demo(tmp_path, TAXONOMY, sample_data, threads=20).steps)
    assert again["approve"].startswith("0 threads approved")
    assert again["publish"].endswith("unchanged, current release kept")
    assert again["index"].startswith("0 threads, 0 posts")
