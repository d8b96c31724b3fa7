"""The Discourse spider: one :class:`~corpus.records.ThreadRecord` per changed topic.

It reads a forum the way Discourse's own client does, through its public JSON:

1. ``/site.json`` for category names (subcategories as ``Parent / Child``) and slugs;
2. ``/latest.json?page=N``, following ``more_topics_url`` until the last page (or until
   ``max_threads`` topics were seen, or, in an incremental crawl, until it is sound to stop);
   or, when ``categories`` limits the crawl, the listing of each of them,
   ``/c/{slug}/{id}.json``, walked the same way;
3. for each listed topic whose activity fingerprint differs from the one the corpus holds
   (``known``), ``/t/{id}.json``, which embeds the first posts;
4. the posts it did not embed, through ``/t/{id}/posts.json?post_ids[]=…`` in chunks of
   ``post_chunk_size``, chained so a topic's posts travel in ``cb_kwargs`` until the last
   chunk is in.

A thread is emitted only when all of its posts arrived.

**Categories.** A large forum can be crawled a few categories at a time (one Airflow task
each): ``categories`` names them by id or slug, and only their listings are walked (a
category's listing includes its subcategories' topics, as on Discourse). A name the forum does
not know is counted (``candor/failed/unknown_category``) and leaves the listing incomplete. In a
full crawl, only known threads whose stored category is in scope (``thread_categories``) are
checked for deletion. The crawl's watermark then covers these categories only: see
:mod:`crawlers.state`. Bad input never stops the crawl: the
topic is logged as a warning with its URL and the reason, and counted.

**Stopping early.** ``/latest`` is ordered by ``bumped_at``, newest first (pinned topics
float above). Every topic bumped after the last complete crawl started (``since``) therefore
comes before every topic that was not. Once a whole page shows only unpinned topics the
corpus holds unchanged *and* bumped before ``since``, every later page holds older, unchanged
topics too, and an incremental crawl stops. Discourse bumps a topic on a new post and on an
edit of its last post, not on edits of earlier posts, likes or deletions; those are noticed
when the topic is re-read for another reason (a ``full`` crawl re-reads nothing unchanged
either, but does check every unlisted topic for deletion).

**Private categories.** ``api_key``/``api_username`` are sent as Discourse's ``Api-Key`` and
``Api-Username`` headers on requests to the forum (never to another host: the safety
middleware strips them).

JSON → record mapping lives in :mod:`crawlers.discourse_mapping`; shared bookkeeping (stats,
full crawls, deletions) in :mod:`crawlers.spiders._base`. Stats of its own:
``candor/threads_emitted``, ``candor/threads_skipped_unchanged``, ``candor/posts_vanished``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Request, Response
from twisted.python.failure import Failure

from crawlers.discourse_mapping import (
    MAPPING_ERRORS,
    ListedTopic,
    category_listings,
    category_names,
    chunked,
    decode_body,
    failure_detail,
    failure_reason,
    listed_topics,
    missing_post_ids,
    next_page_url,
    parse_json,
    parse_timestamp,
    posts_url,
    thread_record,
    topic_header,
)
from crawlers.spiders._base import CandorSpider

__all__ = ["DiscourseSpider"]

# A topic's remaining posts go ahead of new topics and listing pages, so
# half-fetched threads finish (and leave memory) before new ones start.
POSTS_PRIORITY = 10
# The forum's clock and ours may disagree; stopping needs topics this much older than ``since``.
CLOCK_SKEW = timedelta(minutes=10)


class DiscourseSpider(CandorSpider):
    """Crawls one Discourse forum into thread records.

    venue (str): the venue's name in Candor's configuration; pipelines read it.
    base_url (str): the forum's root, e.g. ``https://community.example.org``.
    known (Mapping[str, str] | None): topic id → activity fingerprint of the
        thread the corpus already holds; topics listed with the same
        fingerprint are not fetched again.
    since (datetime | str | None): when the last complete crawl started; enables
        stopping early in an incremental crawl (see the module docstring).
    full (bool): walk the whole listing and check unlisted known topics for deletion.
    max_threads (int | None): stop after this many listed topics (fetched or
        skipped); ``None`` walks the whole listing.
    post_chunk_size (int): post ids per ``posts.json`` request (Discourse's
        own client asks for 20).
    api_key, api_username (str | None): credentials for private categories.
    """

    name = "discourse"

    def __init__(
        self,
        venue: str,
        base_url: str,
        known: Mapping[str, str] | None = None,
        max_threads: int | None = None,
        post_chunk_size: int = 20,
        since: datetime | str | None = None,
        full: bool = False,
        verify: Mapping[str, str] | None = None,
        api_key: str | None = None,
        api_username: str | None = None,
        categories: Sequence[str] | None = None,
        thread_categories: Mapping[str, str | None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            venue=venue, known=known, full=full, verify=verify, max_threads=max_threads, **kwargs
        )
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        if post_chunk_size < 1:
            raise ValueError(f"post_chunk_size must be at least 1, not {post_chunk_size}")
        self.base_url = base_url.rstrip("/")
        self.allowed_domains = [parts.hostname]
        self.post_chunk_size = int(post_chunk_size)
        self.since = parse_timestamp(since) if isinstance(since, str) else since
        self.headers: dict[str, str] = {}
        if api_key:
            self.headers = {"Api-Key": api_key, "Api-Username": api_username or "system"}
        self.categories: dict[int, str] = {}
        self.scope = [str(c) for c in categories or ()]
        self.thread_categories = dict(thread_categories or {})
        self._seen: set[int] = set()
        self._pages: set[str] = set()
        self._listings_open = 0
        self._stopped_early = False

    async def start(self) -> AsyncIterator[Request]:
        """Read the category names, then begin at the first page of the listing."""
        yield self._request(
            f"{self.base_url}/site.json",
            self.parse_site,
            errback=self.on_site_error,
            dont_filter=True,
            priority=POSTS_PRIORITY,
        )

    # -- callbacks -------------------------------------------------------------

    def parse_site(self, response: Response) -> Iterator[Request]:
        """Keep the category names (ids stay when they cannot be read), then list topics."""
        try:
            site = parse_json(decode_body(response.body, response.encoding, "site"), "site")
            self.categories = category_names(site)
            listings, unknown = category_listings(site, self.scope) if self.scope else ({}, [])
        except MAPPING_ERRORS as exc:
            self.logger.warning("No category names from %s: %s", response.url, exc)
            yield from self._start_listings(None)
            return
        for key in unknown:
            self.listing_page_failed(
                response.url, "unknown_category", f"the forum has no category {key!r}"
            )
        yield from self._start_listings(listings)

    def on_site_error(self, failure: Failure) -> Iterator[Request]:
        """Without ``/site.json`` (some forums hide it) threads keep category ids."""
        self.logger.warning("No category names: %s", failure.value)
        yield from self._start_listings(None)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """Request every changed topic of a listing page, then the next page (or stop)."""
        try:
            page = parse_json(decode_body(response.body, response.encoding, "listing"), "listing")
            listed = listed_topics(page)
            next_url = next_page_url(self.base_url, page)
        except MAPPING_ERRORS as exc:
            self.listing_page_failed(response.url, failure_reason(exc), failure_detail(exc))
            return
        settled = any(not topic.pinned for topic in listed)
        for topic in listed:
            if self.limit_reached(len(self._seen)):
                return
            if topic.id in self._seen:
                continue  # bumped between two pages: listed twice, fetched once
            self._seen.add(topic.id)
            if self.known.get(str(topic.id)) == topic.fingerprint:
                self._inc("candor/threads_skipped_unchanged")
                settled = settled and (topic.pinned or self._older_than_since(topic))
                continue
            settled = settled and topic.pinned
            yield self._topic_request(topic.id, listed=topic)
        if settled and self.since is not None and not self.full:
            yield from self._listing_walked(stopped_early=True)
            return
        # A page without topics, or a link back to a page already asked for,
        # would otherwise loop forever: listing requests bypass the dupefilter.
        if listed and next_url and next_url not in self._pages:
            if not self.limit_reached(len(self._seen)):
                yield self._listing_request(next_url)
            return
        yield from self._listing_walked()

    def parse_topic(self, response: Response, listed: ListedTopic | None) -> Iterator[Any]:
        """Emit the thread if the topic embedded every post, else fetch the rest.

        ``listed`` is ``None`` when a full crawl checks a topic the listing did not show:
        it is then compared with the corpus from its own activity stamp.
        """
        what = f"topic {listed.id if listed else response.url}"
        try:
            topic = parse_json(decode_body(response.body, response.encoding, what), what)
            posts = list(topic["post_stream"]["posts"])
            missing = missing_post_ids(topic)
            header = topic_header(topic)
            if listed is None:
                listed = ListedTopic(
                    id=int(topic["id"]),
                    slug=str(topic["slug"]),
                    highest_post_number=topic.get("highest_post_number"),
                    last_activity_at=parse_timestamp(
                        topic.get("bumped_at") or topic.get("last_posted_at")
                    ),
                )
                if (
                    self.known.get(str(listed.id)) == listed.fingerprint
                    and topic.get("deleted_at") is None
                ):
                    self._inc("candor/threads_skipped_unchanged")
                    return
        except MAPPING_ERRORS as exc:
            self.failed(response.url, exc)
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
            text = decode_body(response.body, response.encoding, "posts")
            fetched = list(parse_json(text, "posts")["post_stream"]["posts"])
            returned = {post["id"] for post in fetched}
        except MAPPING_ERRORS as exc:
            self.failed(response.url, exc)
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

    def thread_check_request(self, source_id: str, url: str | None) -> Request:
        """A full crawl asks for an unlisted topic by id: 404 means it is gone."""
        return self._topic_request(int(source_id), listed=None)

    # -- helpers ---------------------------------------------------------------

    def _start_listings(self, listings: Mapping[int, str] | None) -> Iterator[Request]:
        """Begin at ``/latest``, or at each category's listing when the crawl is scoped."""
        if not self.scope:
            paths = ["/latest.json"]
        elif listings is None:
            self.listing_page_failed(
                f"{self.base_url}/site.json",
                "unknown_category",
                "categories are named in /site.json, which could not be read",
            )
            return
        else:
            paths = sorted(listings.values())
            names = [self.categories.get(category_id, "") for category_id in listings]
            self.verify = {
                source_id: url
                for source_id, url in (
                    self.verify if self.verify is not None else dict.fromkeys(self.known)
                ).items()
                if _in_categories(self.thread_categories.get(source_id), names)
            }
        self._listings_open = len(paths)
        for path in paths:
            yield self._listing_request(f"{self.base_url}{path}?page=0")

    def _listing_walked(self, stopped_early: bool = False) -> Iterator[Request]:
        """One listing is walked; when every one is, the crawl's listing is complete."""
        self._listings_open -= 1
        self._stopped_early = self._stopped_early or stopped_early
        if self._listings_open == 0:
            seen = {str(topic_id) for topic_id in self._seen}
            yield from self.listing_finished(seen, stopped_early=self._stopped_early)

    def _request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        """A request to the forum, with the API credentials when configured."""
        kwargs.setdefault("errback", self.on_thread_error)
        return Request(url, callback=callback, headers=self.headers or None, **kwargs)

    def _topic_request(self, topic_id: int, listed: ListedTopic | None) -> Request:
        return self._request(
            f"{self.base_url}/t/{topic_id}.json",
            self.parse_topic,
            cb_kwargs={"listed": listed},
            meta={"candor_thread_id": str(topic_id)},
        )

    def _listing_request(self, url: str) -> Request:
        """A request for one page of the topic listing.

        Listing pages change between runs, so they bypass the duplicate filter.
        """
        self._pages.add(url)
        return self._request(
            url, self.parse_listing, errback=self.on_listing_error, dont_filter=True
        )

    def _posts_request(
        self,
        listed: ListedTopic,
        topic: dict[str, Any],
        posts: list[dict[str, Any]],
        missing: list[int],
    ) -> Request:
        """The ``posts.json`` request for the next chunk, carrying what is fetched so far."""
        chunk, *_ = chunked(missing, self.post_chunk_size)
        return self._request(
            posts_url(self.base_url, listed.id, chunk),
            self.parse_posts,
            priority=POSTS_PRIORITY,
            meta={"candor_thread_id": str(listed.id)},
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
    ) -> Iterator[Any]:
        """Yield the thread record, or count the topic as failed if it does not map."""
        try:
            record = thread_record(
                topic, posts, base_url=self.base_url, listed=listed, categories=self.categories
            )
        except MAPPING_ERRORS as exc:
            self.failed(url, exc)
            return
        self._inc("candor/threads_emitted")
        yield record

    def _older_than_since(self, topic: ListedTopic) -> bool:
        """True if the topic's last bump is safely before the last complete crawl began."""
        if self.since is None or topic.last_activity_at is None:
            return False
        return topic.last_activity_at < self.since - CLOCK_SKEW


def _in_categories(name: str | None, scope: Sequence[str]) -> bool:
    """True if a thread's stored category is one of ``scope`` or a subcategory of one."""
    return name is not None and any(name == n or name.startswith(f"{n} / ") for n in scope)
