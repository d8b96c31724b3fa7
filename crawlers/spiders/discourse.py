"""The Discourse spider: one :class:`~corpus.records.ThreadRecord` per changed topic.

It reads a forum the way Discourse's own client does, through its public JSON:

1. ``/latest.json?page=N``, following ``more_topics_url`` until the last page
   (or until ``max_threads`` topics were seen);
2. for each listed topic whose activity fingerprint differs from the one the
   corpus holds (``known``), ``/t/{id}.json``, which embeds the first posts;
3. the posts it did not embed, through ``/t/{id}/posts.json?post_ids[]=…`` in
   chunks of ``post_chunk_size``, chained so a topic's posts travel in
   ``cb_kwargs`` until the last chunk is in.

A thread is emitted only when all of its posts arrived. Bad input never stops
the crawl: the topic is logged as a warning with its URL and the reason, and
counted. JSON → record mapping lives in :mod:`crawlers.discourse_mapping`.

Stats: ``candor/threads_emitted``, ``candor/threads_skipped_unchanged``,
``candor/items_failed`` and ``candor/failed/<reason>`` (``malformed_json``,
``missing_key``, ``invalid_record``, ``http_404``, ``download_error``…), and
``candor/posts_vanished`` for requested posts a forum no longer serves.
Settings come from :mod:`crawlers.settings`; robots.txt refusals are Scrapy's
own ``robotstxt/forbidden`` stat.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from corpus.records import ThreadRecord
from crawlers.discourse_mapping import (
    MAPPING_ERRORS,
    ListedTopic,
    chunked,
    failure_detail,
    failure_reason,
    listed_topics,
    missing_post_ids,
    next_page_url,
    parse_json,
    posts_url,
    thread_record,
    topic_header,
)

__all__ = ["DiscourseSpider"]

# A topic's remaining posts go ahead of new topics and listing pages, so
# half-fetched threads finish (and leave memory) before new ones start.
POSTS_PRIORITY = 10


class DiscourseSpider(scrapy.Spider):
    """Crawls one Discourse forum into thread records.

    venue (str): the venue's name in Candor's configuration; pipelines read it.
    base_url (str): the forum's root, e.g. ``https://community.example.org``.
    known (Mapping[str, str] | None): topic id → activity fingerprint of the
        thread the corpus already holds; topics listed with the same
        fingerprint are not fetched again.
    max_threads (int | None): stop after this many listed topics (fetched or
        skipped); ``None`` walks the whole listing.
    post_chunk_size (int): post ids per ``posts.json`` request (Discourse's
        own client asks for 20).
    """

    name = "discourse"

    def __init__(
        self,
        venue: str,
        base_url: str,
        known: Mapping[str, str] | None = None,
        max_threads: int | None = None,
        post_chunk_size: int = 20,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        if post_chunk_size < 1:
            raise ValueError(f"post_chunk_size must be at least 1, not {post_chunk_size}")
        self.venue = venue
        self.base_url = base_url.rstrip("/")
        self.allowed_domains = [parts.hostname]
        self.known: Mapping[str, str] = dict(known or {})
        self.max_threads = int(max_threads) if max_threads is not None else None
        self.post_chunk_size = int(post_chunk_size)
        self._seen: set[int] = set()
        self._pages: set[str] = set()

    async def start(self) -> AsyncIterator[Request]:
        """Begin at the first page of the latest-topics listing."""
        yield self._listing_request(f"{self.base_url}/latest.json?page=0")

    # -- callbacks -------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """Request every changed topic of a listing page, then the next page."""
        try:
            page = parse_json(response.text, "topic list")
            listed = listed_topics(page)
            next_url = next_page_url(self.base_url, page)
        except MAPPING_ERRORS as exc:
            self._failed(response.url, exc)
            return
        for topic in listed:
            if self._limit_reached():
                return
            if topic.id in self._seen:
                continue  # bumped between two pages: listed twice, fetched once
            self._seen.add(topic.id)
            if self.known.get(str(topic.id)) == topic.fingerprint:
                self._inc("candor/threads_skipped_unchanged")
                continue
            yield Request(
                f"{self.base_url}/t/{topic.id}.json",
                callback=self.parse_topic,
                errback=self.on_error,
                cb_kwargs={"listed": topic},
            )
        # A page without topics, or a link back to a page already asked for,
        # would otherwise loop forever: listing requests bypass the dupefilter.
        if listed and next_url and next_url not in self._pages and not self._limit_reached():
            yield self._listing_request(next_url)

    def parse_topic(self, response: Response, listed: ListedTopic) -> Iterator[Any]:
        """Emit the thread if the topic embedded every post, else fetch the rest."""
        try:
            topic = parse_json(response.text, f"topic {listed.id}")
            posts = list(topic["post_stream"]["posts"])
            missing = missing_post_ids(topic)
            header = topic_header(topic)
        except MAPPING_ERRORS as exc:
            self._failed(response.url, exc)
            return
        if missing:
            yield self._posts_request(listed, header, posts, missing)
        else:
            yield from self._emit(response.url, listed, header, posts)

    def parse_posts(
        self,
        response: Response,
        listed: ListedTopic,
        topic: dict[str, Any],
        posts: list[dict[str, Any]],
        requested: list[int],
        pending: list[int],
    ) -> Iterator[Any]:
        """Add one chunk of posts; ask for the next chunk or emit the finished thread."""
        try:
            fetched = list(parse_json(response.text, "posts")["post_stream"]["posts"])
            returned = {post["id"] for post in fetched}
        except MAPPING_ERRORS as exc:
            self._failed(response.url, exc)
            return
        vanished = len(set(requested) - returned)
        if vanished:
            # Deleted or hidden since the topic was read; the thread is complete without them.
            self._inc("candor/posts_vanished", vanished)
        posts = posts + fetched
        if pending:
            yield self._posts_request(listed, topic, posts, pending)
        else:
            yield from self._emit(response.url, listed, topic, posts)

    def on_error(self, failure: Failure) -> None:
        """Count a topic or page that could not be downloaded, and go on."""
        request: Request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError):
            response: Response = failure.value.response
            reason, detail = f"http_{response.status}", f"HTTP {response.status}"
        elif failure.check(IgnoreRequest):
            return  # refused by robots.txt or offsite: Scrapy counts these itself
        else:
            reason, detail = "download_error", f"{failure.type.__name__}: {failure.value}"
        self._count_failure(request.url, reason, detail)

    # -- helpers ---------------------------------------------------------------

    def _listing_request(self, url: str) -> Request:
        """A request for one page of the topic listing.

        Listing pages change between runs, so they bypass the duplicate filter
        (which a resumed ``JOBDIR`` crawl restores from disk).
        """
        self._pages.add(url)
        return Request(url, callback=self.parse_listing, errback=self.on_error, dont_filter=True)

    def _posts_request(
        self,
        listed: ListedTopic,
        topic: dict[str, Any],
        posts: list[dict[str, Any]],
        missing: list[int],
    ) -> Request:
        """The ``posts.json`` request for the next chunk, carrying what is fetched so far."""
        chunk, *_ = chunked(missing, self.post_chunk_size)
        return Request(
            posts_url(self.base_url, listed.id, chunk),
            callback=self.parse_posts,
            errback=self.on_error,
            priority=POSTS_PRIORITY,
            cb_kwargs={
                "listed": listed,
                "topic": topic,
                "posts": posts,
                "requested": chunk,
                "pending": missing[len(chunk) :],
            },
        )

    def _emit(
        self,
        url: str,
        listed: ListedTopic,
        topic: dict[str, Any],
        posts: list[dict[str, Any]],
    ) -> Iterator[ThreadRecord]:
        """Yield the thread record, or count the topic as failed if it does not map."""
        try:
            record = thread_record(topic, posts, base_url=self.base_url, listed=listed)
        except MAPPING_ERRORS as exc:
            self._failed(url, exc)
            return
        self._inc("candor/threads_emitted")
        yield record

    def _limit_reached(self) -> bool:
        """True once ``max_threads`` topics were seen."""
        return self.max_threads is not None and len(self._seen) >= self.max_threads

    def _failed(self, url: str, exc: BaseException) -> None:
        """Count input that could not be mapped."""
        self._count_failure(url, failure_reason(exc), failure_detail(exc))

    def _count_failure(self, url: str, reason: str, detail: str) -> None:
        """Log a warning naming the URL and reason, and bump the failure stats."""
        self.logger.warning("Skipped %s: %s (%s)", url, detail, reason)
        self._inc("candor/items_failed")
        self._inc(f"candor/failed/{reason}")

    def _inc(self, key: str, count: int = 1) -> None:
        """Increment a crawl stat."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key, count)
