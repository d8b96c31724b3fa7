"""What makes :func:`corpus.search.sync_index` rebuild a thread's documents: each thing a document
holds changing, and nothing else. Runs against the local index and a real Elasticsearch."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from corpus import models as m
from corpus.ingest import ensure_venue, save_thread
from corpus.removals import forget
from corpus.search import Filters, LocalIndex, SearchIndex, sync_index
from corpus.search import base as search_base
from corpus.store import Store
from tests.search import corpus
from tests.search.corpus import ACME, SPECS, key


@pytest.fixture
def synced(index: SearchIndex, store: Store, ids: dict[str, int]) -> SearchIndex:
    assert sync_index(store, index).threads_indexed == 4
    return index


def resolved(index: SearchIndex, text: str) -> set[str]:
    return {h.thread_key for h in index.search(text, Filters(resolved=True), size=50).hits}


def test_sync_with_nothing_new_builds_no_thread(synced: SearchIndex, store: Store) -> None:
    report = sync_index(store, synced)
    assert (report.threads_seen, report.threads_indexed, report.posts_deleted) == (0, 0, 0)


def test_sync_reindexes_a_thread_enriched_again(
    synced: SearchIndex, store: Store, ids: dict[str, int]
) -> None:
    with store.session() as s:
        note = s.scalar(
            select(m.Annotation).where(
                m.Annotation.thread_id == ids["dark-mode"], m.Annotation.kind == "resolved"
            )
        )
        assert note is not None
        note.value = True
        s.get_one(m.Thread, ids["dark-mode"]).enriched_at = m.utcnow()
    report = sync_index(store, synced)
    assert (report.threads_seen, report.threads_indexed) == (1, 1)
    assert resolved(synced, "dark") == {key("dark-mode")}


def test_sync_indexes_a_thread_once_it_is_enriched(
    synced: SearchIndex, store: Store, ids: dict[str, int]
) -> None:
    assert sync_index(store, synced).threads_seen == 0  # "pending" has no text yet
    with store.session() as s:
        thread = s.get_one(m.Thread, ids["pending"])
        for post in thread.posts:
            s.add(
                m.PostText(
                    post_id=post.id,
                    content_hash=post.content_hash,
                    version="test.v1",
                    text="Pending words, redacted now.",
                    sentences=[[0, 28]],
                )
            )
        thread.enriched_at = m.utcnow()
    assert sync_index(store, synced).threads_indexed == 1
    assert [h.thread_key for h in synced.search("redacted").hits] == [key("pending")]


def test_sync_reindexes_a_thread_whose_post_was_deleted_at_the_source(
    synced: SearchIndex, store: Store
) -> None:
    spec = next(s for s in SPECS if s.key == "dark-mode")
    with store.session() as s:
        whole = corpus.record(spec)
        save_thread(
            s, ensure_venue(s, spec.venue), whole.model_copy(update={"posts": whole.posts[:1]})
        )
    report = sync_index(store, synced)
    assert (report.threads_seen, report.posts_deleted) == (1, 1)
    assert synced.search("roadmap").total == 0


def test_sync_drops_the_words_of_a_person_who_asked_to_be_forgotten(
    synced: SearchIndex, store: Store
) -> None:
    with store.session() as s:
        venue = s.scalar(select(m.Venue).where(m.Venue.name == ACME.name))
        assert venue is not None
        forgotten = forget(s, venue, "privacy@acme.example", author="carol")
    report = sync_index(store, synced)
    assert report.threads_seen == len(forgotten.thread_ids) == 2  # carol's threads in acme
    assert synced.search("tablet").total == 0 and synced.search("turning").total == 0
    assert "carol" not in {a for a, _, _ in synced.top_contributors(Filters(venues=("acme",)))}


def test_sync_fills_an_index_that_lacks_threads_the_markers_call_indexed(
    synced: SearchIndex, store: Store, tmp_path: Path
) -> None:
    fresh = LocalIndex(tmp_path / "other.search.db")  # another index, or a wiped one
    report = sync_index(store, fresh)
    assert (report.threads_indexed, fresh.count()) == (4, 11)
    fresh.close()


def test_sync_rechecks_every_thread_when_documents_are_built_differently(
    synced: SearchIndex, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_base, "DOC_VERSION", search_base.DOC_VERSION + "-next")
    report = sync_index(store, synced)
    # every live thread is built again ("pending" too, still without documents)
    assert (report.threads_seen, report.threads_indexed) == (5, 4)
    assert sync_index(store, synced).threads_seen == 0
