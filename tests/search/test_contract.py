"""The contract every search index keeps: each test runs against the local index and against a
real Elasticsearch (see ``conftest.py``). The corpus is described in :mod:`tests.search.corpus`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from corpus import models as m
from corpus.ingest import ensure_venue, save_thread, tombstone_thread
from corpus.search import Filters, SearchIndex, sync_index
from corpus.store import Store
from tests.search import corpus
from tests.search.corpus import ACME, SPECS, key


@pytest.fixture
def synced(index: SearchIndex, store: Store, ids: dict[str, int]) -> SearchIndex:
    report = sync_index(store, index)
    assert report.threads_indexed == 4
    return index


def threads_of(hits: list) -> list[str]:
    return [h.thread_key for h in hits]


def test_search_sync_indexes_enriched_live_posts_only(synced: SearchIndex) -> None:
    # 4 + 2 live posts (the third of sync-slow was deleted) + 3 + 2; ghost and pending excluded
    assert synced.count() == 11
    assert sorted(synced.versions()) == sorted(key(k) for k in corpus.LIVE)


def test_search_text_finds_posts_with_safe_highlights(synced: SearchIndex) -> None:
    result = synced.search("reminders clocks", size=5)
    assert result.hits[0].thread_key == key("reminders-late")
    assert result.hits[0].post_id > 0
    assert "<em>" in " ".join(result.hits[0].highlights)
    assert result.total >= 1


def test_search_only_redacted_text_is_searchable(synced: SearchIndex) -> None:
    assert synced.search("alice@example.com").total == 0
    assert synced.search("unredacted pending").total == 0  # not enriched: not indexed
    assert synced.search("watches").total == 0  # deleted at the source
    assert synced.search("ghostly").total == 0  # thread tombstoned
    assert synced.search("email").hits[0].thread_key == key("sync-stopped")


def test_search_filters_by_facets_and_dates(synced: SearchIndex) -> None:
    def found(text: str, **filters: object) -> set[str]:
        return set(threads_of(synced.search(text, Filters(**filters), size=50).hits))

    words = "sync reminders dark mistake"
    assert found(words, products=("acme-notes",)) == {key("reminders-late"), key("dark-mode")}
    assert found(words, venues=("beta",)) == {key("dark-mode")}
    assert found(words, resolved=True) == {key("sync-stopped"), key("reminders-late")}
    assert found(words, admission=True) == {key("sync-stopped"), key("reminders-late")}
    assert found(words, staff_involved=False) == {key("sync-slow"), key("dark-mode")}
    assert found(words, categories=("sync",)) == {key("sync-stopped"), key("sync-slow")}
    assert found("mistake", roles=("staff",)) == {key("reminders-late")}
    march_11 = datetime(2024, 3, 11, tzinfo=UTC)
    assert found(words, since=march_11) == {key("reminders-late"), key("dark-mode")}
    assert found(words, until=march_11) == {key("sync-stopped"), key("sync-slow")}


def test_search_per_thread_keeps_each_threads_best_post(synced: SearchIndex) -> None:
    result = synced.search("restarting", per_thread=True)
    assert threads_of(result.hits) == [key("reminders-late")]
    assert result.total == 1


def test_search_facets_count_matching_posts(synced: SearchIndex) -> None:
    facets = synced.search("dark", facets=True).facets
    assert facets["product"] == {"acme-notes": 2}
    assert facets["venue"] == {"beta": 2}
    assert facets["role"] == {"opener": 1, "community": 1}
    assert facets["resolved"] == {"false": 2}
    mistake = synced.search("mistake", facets=True).facets
    assert mistake["signal"] == {"admission": 1}
    assert mistake["admission"] == {"true": 1}


def test_search_similar_finds_the_same_topic_first(synced: SearchIndex) -> None:
    hits = synced.similar(key("sync-stopped"), size=3)
    assert threads_of(hits)[0] == key("sync-slow")
    assert key("sync-stopped") not in threads_of(hits)
    assert len(hits) == 3 and all(0 <= h.score <= 1 for h in hits)
    assert hits[0].score > hits[1].score
    filtered = synced.similar(key("sync-stopped"), Filters(products=("acme-notes",)))
    assert set(threads_of(filtered)) == {key("reminders-late"), key("dark-mode")}


def test_search_knn_of_a_vector(synced: SearchIndex) -> None:
    hits = synced.knn(corpus.topic_vector("ui", 99), size=1)
    assert threads_of(hits) == [key("dark-mode")]


def test_search_hybrid_fuses_text_and_vector(synced: SearchIndex) -> None:
    vector = synced.thread_vector(key("sync-stopped"))
    assert vector is not None
    hits = synced.hybrid("slow attachments", vector, exclude=[key("sync-stopped")], size=3)
    assert threads_of(hits)[0] == key("sync-slow")  # first in both rankings
    assert key("sync-stopped") not in threads_of(hits)
    text_only = synced.hybrid("dark theme", None)
    assert threads_of(text_only) == [key("dark-mode")]


def test_search_counts_per_product_category_and_week(synced: SearchIndex) -> None:
    assert synced.counts(["product"]) == {("acme-sync",): 2, ("acme-notes",): 2}
    assert synced.counts(["category"], Filters(resolved=True)) == {
        ("sync",): 1,
        ("reminders",): 1,
    }
    assert synced.counts(["week"]) == {("2024-03-04",): 2, ("2024-03-11",): 1, ("2024-03-18",): 1}
    assert synced.counts(["product", "week"], unit="posts") == {
        ("acme-sync", "2024-03-04"): 6,
        ("acme-notes", "2024-03-11"): 3,
        ("acme-notes", "2024-03-18"): 2,
    }
    assert synced.counts(["venue", "role"], Filters(venues=("beta",)), unit="posts") == {
        ("beta", "opener"): 1,
        ("beta", "community"): 1,
    }
    assert synced.counts([]) == {(): 4}


def test_search_top_contributors(synced: SearchIndex) -> None:
    assert synced.top_contributors() == [("carol", 3, 3), ("bob-acme", 2, 2)]
    assert synced.top_contributors(roles=("staff",)) == [("bob-acme", 2, 2)]
    assert synced.top_contributors(Filters(products=("acme-notes",)), size=1) == [
        ("bob-acme", 1, 1)
    ]


def test_search_sync_is_idempotent_and_incremental(
    synced: SearchIndex, store: Store, ids: dict[str, int]
) -> None:
    again = sync_index(store, synced)
    assert (again.threads_indexed, again.posts_indexed, again.posts_deleted) == (0, 0, 0)

    # Enrichment re-did one thread: its opening post's text changed.
    with store.session() as s:
        text = s.scalar(
            select(m.PostText)
            .join(m.Post, m.Post.id == m.PostText.post_id)
            .where(m.Post.thread_id == ids["dark-mode"], m.Post.number == 1)
        )
        assert text is not None
        text.text = "Dark mode please, my eyes hurt at midnight."
        s.get_one(m.Thread, ids["dark-mode"]).enriched_at = m.utcnow()
    report = sync_index(store, synced)
    assert (report.threads_indexed, report.posts_indexed) == (1, 2)
    assert threads_of(synced.search("midnight").hits) == [key("dark-mode")]

    # A post and then a whole thread are deleted at the source.
    spec = next(s for s in SPECS if s.key == "reminders-late")
    with store.session() as s:
        venue = ensure_venue(s, ACME)
        trimmed = corpus.record(spec).model_copy(update={"posts": corpus.record(spec).posts[:2]})
        save_thread(s, venue, trimmed)
    report = sync_index(store, synced)
    assert (report.threads_indexed, report.posts_deleted) == (1, 1)
    assert synced.search("restarting worked").hits[0].post_id != 0
    assert synced.count() == 10
    with store.session() as s:
        tombstone_thread(s, ensure_venue(s, ACME), "sync-slow")
    report = sync_index(store, synced)
    assert (report.threads_deleted, report.posts_deleted) == (1, 2)
    assert synced.search("attachments").total == 0
    assert key("sync-slow") not in threads_of(synced.similar(key("sync-stopped")))
    assert synced.count() == 8


def test_search_rebuild_swaps_in_a_fresh_index(synced: SearchIndex, store: Store) -> None:
    before = synced.versions()
    report = sync_index(store, synced, rebuild=True)
    assert report.rebuilt and report.posts_indexed == 11
    assert synced.versions() == before
    assert synced.count() == 11
    assert not synced.needs_rebuild()
    assert threads_of(synced.search("clocks").hits) == [key("reminders-late")]


def test_search_an_older_writer_cannot_overwrite_a_newer_one(
    synced: SearchIndex, store: Store
) -> None:
    from corpus.search import thread_docs

    thread = next(t for t in thread_docs(store) if t.thread_key == key("dark-mode"))
    doc = thread.docs[0]
    stale = type(thread).of(
        thread.thread_key,
        thread.thread_id,
        [type(doc)(**{**doc.__dict__, "text": "stale words"}), *thread.docs[1:]],
    )
    counts = synced.replace_threads([stale], stamp=1)
    synced.refresh()
    assert counts.conflicts >= 1
    assert synced.search("stale").total == 0
