"""What every Candor spider shares: failure accounting, the crawl's scope, and deletion checks.

A crawl is *incremental* (the default) or *full*:

- incremental: the listing is walked newest activity first and may stop early (each spider
  says when that is sound); threads not listed are simply not looked at.
- full: the whole listing is walked. When it was walked to its end, every thread the corpus
  holds (``verify``) that the listing did not show is asked for by its own URL; one that
  answers 404 or 410 is yielded as :class:`~crawlers.items.ThreadGone`. A thread is never
  tombstoned for being absent from a listing alone.

Stats: ``candor/items_failed`` and ``candor/failed/<reason>`` per failed item,
``candor/pages_failed`` per failed listing page, ``candor/listing_complete`` (1 when the listing
was walked to its end or stopped where that is sound; the crawl may then serve as the next
incremental crawl's watermark), ``candor/listing_stopped_early``, ``candor/gone_checked``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import scrapy
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.discourse_mapping import failure_detail, failure_reason
from crawlers.items import ThreadGone

GONE_STATUSES = frozenset({404, 410})


def download_failure(failure: Failure) -> tuple[str, str] | None:
    """``(reason, detail)`` for a failed download, or ``None`` if Scrapy counts it already.

    Refusals by robots.txt, the offsite filter or the safety middleware are ``IgnoreRequest``:
    they are counted under their own stats, not as failed items.
    """
    if failure.check(HttpError):
        response: Response = failure.value.response
        return f"http_{response.status}", f"HTTP {response.status}"
    if failure.check(IgnoreRequest):
        return None
    if failure.check(DownloadCancelledError):
        return "too_large", str(failure.value)
    if failure.check(ResponseDataLossError):
        return "truncated", "the connection closed before the announced length arrived"
    if failure.check(DownloadTimeoutError):
        return "timeout", str(failure.value)
    return "download_error", f"{failure.type.__name__}: {failure.value}"


class CandorSpider(scrapy.Spider):
    """Base of Candor's spiders; subclasses define the listing walk and the thread mapping.

    venue (str): the venue's name in Candor's configuration.
    known (Mapping[str, str] | None): thread id → activity fingerprint the corpus holds.
    full (bool): walk the whole listing and check unlisted known threads (see the module).
    verify (Mapping[str, str] | None): thread id → URL to ask when it is unlisted in a full
        crawl; defaults to every id of ``known`` with the spider's own thread URL.
    max_threads (int | None): stop after this many listed threads.
    """

    def __init__(
        self,
        venue: str,
        known: Mapping[str, str] | None = None,
        full: bool = False,
        verify: Mapping[str, str] | None = None,
        max_threads: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.venue = venue
        self.known: Mapping[str, str] = dict(known or {})
        self.full = bool(full)
        self.verify: Mapping[str, str] | None = dict(verify) if verify is not None else None
        self.max_threads = int(max_threads) if max_threads is not None else None
        self._listing_partial = False

    # -- to be defined by subclasses --------------------------------------------

    def thread_check_request(self, source_id: str, url: str | None) -> Request:
        """The request that fetches a known thread directly, to see whether it still exists."""
        raise NotImplementedError

    # -- listing bookkeeping ----------------------------------------------------

    def listing_finished(self, seen: set[str], stopped_early: bool = False) -> Iterator[Request]:
        """Record that the listing was walked soundly; in a full crawl, check unlisted threads."""
        if self._listing_partial:
            return
        self._set("candor/listing_complete", 1)
        if stopped_early:
            self._set("candor/listing_stopped_early", 1)
            return
        if not self.full:
            return
        targets = self.verify if self.verify is not None else dict.fromkeys(self.known)
        for source_id, url in targets.items():
            if source_id not in seen:
                self._inc("candor/gone_checked")
                yield self.thread_check_request(source_id, url)

    def listing_page_failed(self, url: str, reason: str, detail: str) -> None:
        """A listing page could not be read: the walk is incomplete, so nothing is inferred."""
        self._listing_partial = True
        self.logger.warning("Listing page %s failed: %s (%s)", url, detail, reason)
        self._inc("candor/pages_failed")
        self._inc(f"candor/failed/{reason}")

    def limit_reached(self, seen_count: int) -> bool:
        """True once ``max_threads`` threads were listed; the listing then counts as partial."""
        if self.max_threads is not None and seen_count >= self.max_threads:
            self._listing_partial = True
            return True
        return False

    # -- errors -----------------------------------------------------------------

    def on_listing_error(self, failure: Failure) -> None:
        """Errback of listing requests."""
        found = download_failure(failure)
        if found:
            self.listing_page_failed(failure.request.url, *found)  # type: ignore[attr-defined]
        else:
            self._listing_partial = True

    def on_thread_error(self, failure: Failure) -> Iterator[ThreadGone]:
        """Errback of thread requests: 404/410 confirm a deletion, anything else is a failure."""
        request: Request = failure.request  # type: ignore[attr-defined]
        source_id = request.meta.get("candor_thread_id")
        if failure.check(HttpError) and source_id is not None:
            status = failure.value.response.status
            if status in GONE_STATUSES:
                self.logger.info("Gone at the source: %s (HTTP %s)", request.url, status)
                self._inc("candor/threads_gone")
                yield ThreadGone(str(source_id), request.url, status)
                return
        found = download_failure(failure)
        if found:
            self.count_failure(request.url, *found)

    def failed(self, url: str, exc: BaseException) -> None:
        """Count input that could not be mapped."""
        self.count_failure(url, failure_reason(exc), failure_detail(exc))

    def count_failure(self, url: str, reason: str, detail: str) -> None:
        """Log a warning naming the URL and reason, and bump the failure stats."""
        self.logger.warning("Skipped %s: %s (%s)", url, detail, reason)
        self._inc("candor/items_failed")
        self._inc(f"candor/failed/{reason}")

    def _inc(self, key: str, count: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)

    def _set(self, key: str, value: Any) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(key, value)
