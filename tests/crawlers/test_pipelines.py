"""CorpusPipeline writes whole threads in batches and reports what it wrote.

The pipeline is built directly (no crawl, no reactor) on a real SQLite store; crawls that go
through it end to end are in ``test_resume.py`` and ``test_crawl_limits.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

from corpus import models as m
from corpus.ingest import ensure_venue
from corpus.records import ThreadRecord
from corpus.settings import VenueConfig
from corpus.store import Store
from crawlers.items import ThreadGone
from crawlers.pipelines import CorpusPipeline

VENUE = VenueConfig(name="forum", url="https://forum.example")
Factory = Callable[..., ThreadRecord]


def pipeline(store: Store, batch_threads: int) -> CorpusPipeline:
    with store.session() as session:
        run = m.CrawlRun(venue_id=ensure_venue(session, VENUE).id)
        session.add(run)
        session.flush()
        run_id = run.id
    stats = MemoryStatsCollector(get_crawler())
    return CorpusPipeline(store, VENUE, run_id, stats, batch_threads=batch_threads)


def saved(store: Store) -> dict[str, int]:
    """Thread source id → how many posts the corpus holds for it."""
    with store.session() as session:
        rows = session.execute(
            select(m.Thread.source_id, func.count(m.Post.id))
            .join(m.Post, m.Post.thread_id == m.Thread.id)
            .group_by(m.Thread.source_id)
        )
        return dict(rows.all())


def test_pipelines_write_whole_threads_a_batch_at_a_time(
    store: Store, thread_record: Factory
) -> None:
    writer = pipeline(store, batch_threads=3)
    for source_id in "12":
        writer.process_item(thread_record(source_id))
    assert saved(store) == {}
    writer.process_item(thread_record("3"))
    assert saved(store) == {"1": 3, "2": 3, "3": 3}
    writer.process_item(thread_record("4"))
    writer.close_spider()
    assert saved(store) == {"1": 3, "2": 3, "3": 3, "4": 3}
    assert writer.stats.get_value("candor/items_new") == 4


def test_pipelines_batch_reuses_authors_across_threads(
    store: Store, thread_record: Factory
) -> None:
    writer = pipeline(store, batch_threads=5)
    for source_id in "12345":
        writer.process_item(thread_record(source_id))
    with store.session() as session:
        authors = session.scalars(select(m.Author.username).order_by(m.Author.username))
        assert list(authors) == ["alice", "bob-signal"]


def test_pipelines_tombstone_a_thread_gone_in_the_same_batch(
    store: Store, thread_record: Factory
) -> None:
    writer = pipeline(store, batch_threads=10)
    writer.process_item(thread_record("1"))
    writer.process_item(ThreadGone("1", "https://forum.example/t/1.json", 404))
    writer.close_spider()
    with store.session() as session:
        assert session.scalars(select(m.Thread.deleted_at)).one() is not None
    assert writer.stats.get_value("candor/items_deleted") == 1


def test_pipelines_a_refused_thread_is_counted_and_the_rest_of_its_batch_saved(
    store: Store, thread_record: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    good = thread_record("1")
    # Two posts with one source id: the database's unique constraint refuses the thread.
    twin = good.posts[0].model_copy(update={"number": 2})
    bad = thread_record("2").model_copy(update={"posts": (good.posts[0], twin)})
    writer = pipeline(store, batch_threads=3)
    for record in (good, bad, thread_record("3")):
        writer.process_item(record)
    assert saved(store) == {"1": 3, "3": 3}
    assert writer.stats.get_value("candor/items_failed") == 1
    assert writer.stats.get_value("candor/failed/store_error") == 1
    assert f"Skipped {bad.url}: the corpus refused it: IntegrityError" in caplog.text
