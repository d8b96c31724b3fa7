"""Item pipelines: the only place crawled data enters the corpus.

``CorpusPipeline`` writes whole threads in batches: every :class:`~corpus.records.ThreadRecord`
and :class:`~crawlers.items.ThreadGone` of a batch is applied in one transaction, so a crawl
killed at any moment (even with ``kill -9``) leaves whole threads or none, and a fetched thread
not yet written is fetched again by the next run. A batch is written when it holds
``CANDOR_WRITE_BATCH_THREADS`` items, every ``CANDOR_WRITE_BATCH_SECONDS`` when it holds any, and
when the spider closes (also when a signal interrupts the crawl). A batch the database refuses
is written again one thread per transaction, so only the culprit is lost: it is logged with its
URL and counted as failed (``store_error``).

Writes stay in the reactor thread. A writer thread was measured (``benchmarks/crawl.py``): no
faster, because saving is Python work under the GIL (SQLAlchemy's unit of work), and more
machinery (a second thread's lifecycle, backpressure, lost batches).

The crawl run's report (``crawl_runs``) is written with each batch, so ``candor status`` and
the CLI's progress bar can read it while the crawl goes on (it lags by one batch), and finally
when the spider closes.

Settings: ``CANDOR_STORE_URL`` (required), ``CANDOR_VENUE`` (a VenueConfig as a dict, required),
``CANDOR_CRAWL_RUN_ID`` (the crawl_runs row to report into), ``CANDOR_CRAWL_MODE``
(``incremental`` or ``full``, recorded in the report), ``CANDOR_WRITE_BATCH_THREADS``,
``CANDOR_WRITE_BATCH_SECONDS``.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from sqlalchemy.orm import Session
from twisted.internet.task import LoopingCall

from corpus import models as m
from corpus.ingest import Change, ensure_venue, save_thread, tombstone_thread
from corpus.records import ThreadRecord
from corpus.settings import VenueConfig
from corpus.store import Store
from crawlers.items import ThreadGone

__all__ = ["CorpusPipeline", "report_from_stats"]

logger = logging.getLogger(__name__)

Item = ThreadRecord | ThreadGone


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
    """Writes threads into the corpus in batches, and the crawl report into ``crawl_runs``.

    store (Store): the corpus.
    venue (VenueConfig): the venue crawled; threads are saved under it.
    run_id (int): the ``crawl_runs`` row to report into.
    stats (StatsCollector): the crawl's stats, read for the report and counted into.
    mode (str): ``incremental`` or ``full``, recorded in the report.
    batch_threads (int): items written per transaction at most.
    batch_seconds (float): how often a batch that is not full is written.
    """

    def __init__(
        self,
        store: Store,
        venue: VenueConfig,
        run_id: int,
        stats: StatsCollector,
        mode: str = "incremental",
        *,
        batch_threads: int = 20,
        batch_seconds: float = 2.0,
    ) -> None:
        if batch_threads < 1 or batch_seconds <= 0:
            raise ValueError("batch_threads must be at least 1 and batch_seconds above 0")
        self.store, self.venue, self.run_id, self.stats = store, venue, run_id, stats
        self.mode = mode
        self.batch_threads, self.batch_seconds = batch_threads, batch_seconds
        self._batch: list[Item] = []
        # Made when the spider opens: it needs the reactor Scrapy installs, not a default one.
        self._timer: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CorpusPipeline:
        settings = crawler.settings
        url = settings.get("CANDOR_STORE_URL")
        venue = settings.getdict("CANDOR_VENUE")
        if not url or not venue:
            raise NotConfigured("CorpusPipeline needs CANDOR_STORE_URL and CANDOR_VENUE")
        assert crawler.stats is not None
        pipeline = cls(
            Store(url),
            VenueConfig.model_validate(venue),
            settings.getint("CANDOR_CRAWL_RUN_ID"),
            crawler.stats,
            settings.get("CANDOR_CRAWL_MODE", "incremental"),
            batch_threads=settings.getint("CANDOR_WRITE_BATCH_THREADS", 20),
            batch_seconds=settings.getfloat("CANDOR_WRITE_BATCH_SECONDS", 2.0),
        )
        # The close reason ("finished", "shutdown"…) only reaches spider_closed handlers.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        self._timer = LoopingCall(self._flush)
        self._timer.start(self.batch_seconds, now=False)

    def process_item(self, item: Any) -> Any:
        """Buffer a thread (or a deletion); write the batch when it is full."""
        if isinstance(item, ThreadRecord):
            self._batch.append(self._public(item))
        elif isinstance(item, ThreadGone):
            self._batch.append(item)
        else:
            return item
        if len(self._batch) >= self.batch_threads:
            self._flush()
        return item

    def close_spider(self) -> None:
        """Write what is buffered, even when the crawl is interrupted."""
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self._flush()

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Write the final report: finished, interrupted (a signal) or unreachable."""
        stats = self.stats.get_stats()
        reached = stats.get("downloader/response_count", 0) > 0
        status = "finished" if reason == "finished" else "interrupted"
        report = report_from_stats(stats, self.mode, reason)
        with self.store.session() as session:
            self._save_report(session, report, status if reached else "unreachable", final=True)
        self.store.dispose()

    # -- writing ---------------------------------------------------------------------

    def _flush(self) -> None:
        """Write the buffered items and count them; a no-op when nothing is buffered."""
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        report = report_from_stats(self.stats.get_stats(), self.mode, "running")
        for key, value in self._write(batch, report).items():
            if value:
                self.stats.inc_value(key, value)

    def _write(self, batch: list[Item], report: dict[str, Any]) -> Counter[str]:
        """Save a batch in one transaction or, if it is refused, item by item.

        Any exception counts as a refusal (a row the database rejects, a record ingest cannot
        apply): the crawl goes on, and the run, no longer clean, moves no watermark.
        """
        try:
            with self.store.session() as session:
                counts = self._apply(session, batch)
                self._save_report(session, report, "running")
            return counts
        except Exception as exc:
            if len(batch) == 1:
                return self._refused(batch[0], exc)
            logger.warning(
                "A batch of %d threads was refused (%s); saving one by one", len(batch), exc
            )
        counts = Counter[str]()
        for item in batch:
            try:
                with self.store.session() as session:
                    counts += self._apply(session, [item])
            except Exception as exc:
                counts += self._refused(item, exc)
        return counts

    def _apply(self, session: Session, batch: list[Item]) -> Counter[str]:
        """Apply every item to the corpus; returns the stats to count."""
        venue = ensure_venue(session, self.venue)
        authors: dict[str, m.Author] = {}
        counts = Counter[str]()
        for item in batch:
            if isinstance(item, ThreadGone):
                counts["candor/items_deleted"] += tombstone_thread(session, venue, item.source_id)
                continue
            change = save_thread(session, venue, item, authors)
            counts[f"candor/items_{change.value}"] += 1
            if item.deleted and change is not Change.UNCHANGED:
                counts["candor/items_deleted"] += 1
        return counts

    def _refused(self, item: Item, exc: Exception) -> Counter[str]:
        logger.warning(
            "Skipped %s: the corpus refused it: %s: %s (store_error)",
            item.url,
            type(exc).__name__,
            exc,
        )
        return Counter({"candor/items_failed": 1, "candor/failed/store_error": 1})

    def _public(self, record: ThreadRecord) -> ThreadRecord:
        """Links point where visitors go (``public_url``), not where the crawler fetched."""
        base, public = self.venue.url, self.venue.link_base
        if base == public:
            return record

        def swap(url: str) -> str:
            return public + url[len(base) :] if url.startswith(base) else url

        posts = tuple(p.model_copy(update={"url": swap(p.url)}) for p in record.posts)
        return record.model_copy(update={"url": swap(record.url), "posts": posts})

    def _save_report(
        self, session: Session, report: dict[str, Any], status: str, final: bool = False
    ) -> None:
        run = session.get(m.CrawlRun, self.run_id)
        if run is None:
            return
        run.stats = {**(run.stats or {}), **report}
        run.status = status
        if final:
            run.finished_at = m.utcnow()
