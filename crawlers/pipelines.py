"""Item pipelines: the only place crawled data enters the corpus.

``CorpusPipeline`` saves each :class:`~corpus.records.ThreadRecord` in its own transaction (a crawl
killed at any moment leaves no half-written thread), tombstones each
:class:`~crawlers.items.ThreadGone`, and keeps the crawl run's report current, so
``candor status`` and the CLI's progress bar can read it while the crawl goes on.

Settings: ``CANDOR_STORE_URL`` (required), ``CANDOR_VENUE`` (a VenueConfig as a dict, required),
``CANDOR_CRAWL_RUN_ID`` (the crawl_runs row to report into), ``CANDOR_CRAWL_MODE``
(``incremental`` or ``full``, recorded in the report).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from corpus import models as m
from corpus.ingest import Change, ensure_venue, save_thread, tombstone_thread
from corpus.records import ThreadRecord
from corpus.settings import VenueConfig
from corpus.store import Store
from crawlers.items import ThreadGone

PROGRESS_EVERY = 10


def report_from_stats(
    stats: dict[str, Any], mode: str = "incremental", reason: str = "finished"
) -> dict[str, Any]:
    """The crawl report's figures, from Scrapy's stats and the spiders' and pipeline's counters.

    ``complete`` says the listing was walked soundly to its end (or to a sound early stop) and
    the crawl finished: only such a run may serve as the next incremental crawl's watermark.
    """
    get = stats.get
    seconds = get("elapsed_time_seconds")
    if seconds is None and isinstance(get("start_time"), datetime):
        seconds = (datetime.now(UTC) - get("start_time")).total_seconds()
    return {
        "mode": mode,
        "pages": get("downloader/response_count", 0),
        "bytes": get("downloader/response_bytes", 0),
        "seconds": round(seconds or 0.0, 2),
        "new": get("candor/items_new", 0),
        "changed": get("candor/items_changed", 0),
        "unchanged": get("candor/items_unchanged", 0),
        "deleted": get("candor/items_deleted", 0),
        "failed": get("candor/items_failed", 0),
        "pages_failed": get("candor/pages_failed", 0),
        "skipped_unchanged": get("candor/threads_skipped_unchanged", 0),
        "gone_checked": get("candor/gone_checked", 0),
        "blocked": sum(v for k, v in stats.items() if k.startswith("candor/blocked/")),
        "robots_forbidden": get("robotstxt/forbidden", 0),
        "rate_limited": get("candor/rate_limited", 0),
        "failures": {
            k.removeprefix("candor/failed/"): v
            for k, v in sorted(stats.items())
            if k.startswith("candor/failed/")
        },
        "complete": bool(get("candor/listing_complete")) and reason == "finished",
        "errors": get("log_count/ERROR", 0),
    }


class CorpusPipeline:
    """Writes threads into the corpus and the crawl report into ``crawl_runs``."""

    def __init__(
        self,
        store: Store,
        venue: VenueConfig,
        run_id: int,
        stats: StatsCollector,
        mode: str = "incremental",
    ) -> None:
        self.store, self.venue, self.run_id, self.stats = store, venue, run_id, stats
        self.mode = mode
        self._since_progress = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CorpusPipeline:
        url = crawler.settings.get("CANDOR_STORE_URL")
        venue = crawler.settings.getdict("CANDOR_VENUE")
        if not url or not venue:
            raise NotConfigured("CorpusPipeline needs CANDOR_STORE_URL and CANDOR_VENUE")
        assert crawler.stats is not None
        pipeline = cls(
            Store(url),
            VenueConfig.model_validate(venue),
            crawler.settings.getint("CANDOR_CRAWL_RUN_ID"),
            crawler.stats,
            crawler.settings.get("CANDOR_CRAWL_MODE", "incremental"),
        )
        # The close reason ("finished", "shutdown"…) only reaches spider_closed handlers.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ThreadGone):
            with self.store.session() as session:
                gone = tombstone_thread(session, ensure_venue(session, self.venue), item.source_id)
            if gone:
                self.stats.inc_value("candor/items_deleted")
            self._tick()
            return item
        if not isinstance(item, ThreadRecord):
            return item
        record = self._public(item)
        with self.store.session() as session:
            venue = ensure_venue(session, self.venue)
            change = save_thread(session, venue, record)
        self.stats.inc_value(f"candor/items_{change.value}")
        if record.deleted and change is not Change.UNCHANGED:
            self.stats.inc_value("candor/items_deleted")
        self._tick()
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Write the final report: finished, interrupted (a signal) or unreachable."""
        stats = self.stats.get_stats()
        reached = stats.get("downloader/response_count", 0) > 0
        status = "finished" if reason == "finished" else "interrupted"
        self._report(status if reached else "unreachable", final=True, reason=reason)
        self.store.dispose()

    def _tick(self) -> None:
        self._since_progress += 1
        if self._since_progress >= PROGRESS_EVERY:
            self._report("running")

    def _public(self, record: ThreadRecord) -> ThreadRecord:
        """Links point where visitors go (``public_url``), not where the crawler fetched."""
        base, public = self.venue.url, self.venue.link_base
        if base == public:
            return record

        def swap(url: str) -> str:
            return public + url[len(base) :] if url.startswith(base) else url

        posts = tuple(p.model_copy(update={"url": swap(p.url)}) for p in record.posts)
        return record.model_copy(update={"url": swap(record.url), "posts": posts})

    def _report(self, status: str, final: bool = False, reason: str = "running") -> None:
        self._since_progress = 0
        with self.store.session() as session:
            run = session.get(m.CrawlRun, self.run_id)
            if run is None:
                return
            report = report_from_stats(self.stats.get_stats(), self.mode, reason)
            run.stats = {**(run.stats or {}), **report}
            run.status = status
            if final:
                run.finished_at = m.utcnow()
