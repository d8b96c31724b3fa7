"""``candor search init``, ``candor index`` and ``candor search query`` as a user meets them,
on the local index and on Elasticsearch (``search:`` set to the test server's URL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.store import Store
from tests.candor.test_cli import candor
from tests.conftest import TAXONOMY


@pytest.fixture(params=["local", "elasticsearch"])
def search_setting(request: pytest.FixtureRequest) -> str:
    if request.param == "local":
        return "local"
    return request.getfixturevalue("elasticsearch_url")


def test_cli_index_then_query(
    tmp_path: Path, store: Store, ids: dict[str, int], search_setting: str
) -> None:
    (tmp_path / "candor.yaml").write_text(
        f"store: {store.url}\nsearch: {search_setting}\ntaxonomy: {TAXONOMY}\n"
    )
    if search_setting != "local":
        # The CLI uses the default prefix `candor`: start from nothing, drop it after.
        from corpus.search.elastic import ElasticsearchIndex

        ElasticsearchIndex(search_setting, prefix="candor").drop()
    try:
        init = candor("search", "init", cwd=tmp_path)
        assert init.returncode == 0, init.stderr
        first = candor("index", cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert "indexed 4 threads (11 posts)" in first.stdout
        second = candor("index", cwd=tmp_path)
        assert "indexed 0 threads (0 posts)" in second.stdout

        found = candor("search", "query", "clocks", "--json", cwd=tmp_path)
        hits = json.loads(found.stdout)
        assert hits[0]["thread_id"] == ids["reminders-late"]
        assert hits[0]["title"] == "Title of reminders-late"

        like = candor("search", "query", "--like", str(ids["sync-stopped"]), "--json", cwd=tmp_path)
        assert json.loads(like.stdout)[0]["thread_id"] == ids["sync-slow"]

        notes = candor(
            "search", "query", "--like", str(ids["sync-stopped"]), "--product", "acme-notes",
            "--json", cwd=tmp_path,
        )  # fmt: skip
        assert {h["thread_id"] for h in json.loads(notes.stdout)} == {
            ids["reminders-late"],
            ids["dark-mode"],
        }
        nothing = candor("search", "query", cwd=tmp_path)
        assert nothing.returncode == 1 and "--like" in nothing.stderr
    finally:
        if search_setting != "local":
            from corpus.search.elastic import ElasticsearchIndex

            ElasticsearchIndex(search_setting, prefix="candor").drop()


def test_cli_query_before_the_first_index_says_what_to_run(tmp_path: Path, store: Store) -> None:
    (tmp_path / "candor.yaml").write_text(f"store: {store.url}\ntaxonomy: {TAXONOMY}\n")
    found = candor("search", "query", "clocks", cwd=tmp_path)
    assert found.returncode == 1, found.stderr
    said = " ".join(found.stderr.split())
    assert "the search index is not built yet: run `candor index`" in said
