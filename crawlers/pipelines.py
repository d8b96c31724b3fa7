"""Item pipelines: the only place crawled data enters the corpus.

``CorpusPipeline`` saves each :class:`~corpus.records.ThreadRecord` in its own transaction (a crawl
killed at any moment leaves no half-written thread) and keeps the crawl run's report current, so
``candor status`` and the CLI's progress bar can read it while the crawl goes on.

Settings: ``CANDOR_STORE_URL`` (required), ``CANDOR_VENUE`` (a VenueConfig as a dict, required),
``CANDOR_CRAWL_RUN_ID`` (the crawl_runs row to report into).
"""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from corpus import models as m
from corpus.ingest import Change, ensure_venue, save_thread
from corpus.records import ThreadRecord
from corpus.settings import VenueConfig
from corpus.store import Store

PROGRESS_EVERY = 10


def report_from_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl report's figures, from Scrapy's stats and the pipeline's counters."""
    get = stats.get
    return {
        "pages": get("downloader/response_count", 0),
        "bytes": get("downloader/response_bytes", 0),
        "new": get("candor/items_new", 0),
        "changed": get("candor/items_changed", 0),
        "unchanged": get("candor/items_unchanged", 0),
        "deleted": get("candor/items_deleted", 0),
        "failed": get("candor/items_failed", 0),
        "skipped_unchanged": get("candor/threads_skipped_unchanged", 0),
        "errors": get("log_count/ERROR", 0),
    }


class CorpusPipeline:
    """Writes threads into the corpus and the crawl report into ``crawl_runs``."""

    def __init__(
        self, store: Store, venue: VenueConfig, run_id: int, stats: StatsCollector
    ) -> None:
        self.store, self.venue, self.run_id, self.stats = store, venue, run_id, stats
        self._since_progress = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CorpusPipeline:
        url = crawler.settings.get("CANDOR_STORE_URL")
        venue = crawler.settings.getdict("CANDOR_VENUE")
        if not url or not venue:
            raise NotConfigured("CorpusPipeline needs CANDOR_STORE_URL and CANDOR_VENUE")
        assert crawler.stats is not None
        return cls(
            Store(url),
            VenueConfig.model_validate(venue),
            crawler.settings.getint("CANDOR_CRAWL_RUN_ID"),
            crawler.stats,
        )

    def process_item(self, item: Any, spider: Spider) -> Any:
        if not isinstance(item, ThreadRecord):
            return item
        record = self._public(item)
        with self.store.session() as session:
            venue = ensure_venue(session, self.venue)
            change = save_thread(session, venue, record)
        self.stats.inc_value(f"candor/items_{change.value}")
        if record.deleted and change is not Change.UNCHANGED:
            self.stats.inc_value("candor/items_deleted")
        self._since_progress += 1
        if self._since_progress >= PROGRESS_EVERY:
            self._report("running")
        return item

    def close_spider(self, spider: Spider) -> None:
        stats = self.stats.get_stats()
        reached = stats.get("downloader/response_count", 0) > 0
        self._report("finished" if reached else "unreachable", final=True)
        self.store.dispose()

    def _public(self, record: ThreadRecord) -> ThreadRecord:
        """Links point where visitors go (``public_url``), not where the crawler fetched."""
        base, public = self.venue.url, self.venue.link_base
        if base == public:
            return record

        def swap(url: str) -> str:
            return public + url[len(base) :] if url.startswith(base) else url

        posts = tuple(p.model_copy(update={"url": swap(p.url)}) for p in record.posts)
        return record.model_copy(update={"url": swap(record.url), "posts": posts})

    def _report(self, status: str, final: bool = False) -> None:
        self._since_progress = 0
        with self.store.session() as session:
            run = session.get(m.CrawlRun, self.run_id)
            if run is None:
                return
            run.stats = report_from_stats(self.stats.get_stats())
            run.status = status
            if final:
                run.finished_at = m.utcnow()
