"""The HTML spider: classic forums read through a selector profile.

One spider for every engine without an API: a :class:`~corpus.settings.SelectorProfile`
(shipped in ``crawlers/profiles/`` or written in ``candor.yaml``) says where the thread list,
its next page, a thread's title and posts, each post's id, author, date and staff badges are.

1. the list at ``start_path``, following ``next_page``;
2. each listed thread whose activity fingerprint (the list's reply count and last-activity
   date, when the profile reads them) differs from the corpus's, page after page
   (``thread_next_page``), posts carried in ``cb_kwargs`` until the last page is in.

Incremental crawls stop early as the Discourse spider does, which requires the list at
``start_path`` to be ordered by last activity, newest first. Full crawls and deletions:
:mod:`crawlers.spiders._base`. Mapping: :mod:`crawlers.html_mapping`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.http import Request, Response

from corpus.records import PostRecord, ThreadRecord
from corpus.settings import SelectorProfile
from crawlers.discourse_mapping import (
    MAPPING_ERRORS,
    decode_body,
    failure_detail,
    failure_reason,
    parse_timestamp,
)
from crawlers.html_mapping import ListedThread, listing_page, thread_page
from crawlers.spiders._base import CandorSpider

__all__ = ["HtmlForumSpider"]

PAGES_PRIORITY = 10
CLOCK_SKEW = timedelta(minutes=10)
# A thread longer than this many pages is a pagination loop, not a conversation.
MAX_THREAD_PAGES = 500


class HtmlForumSpider(CandorSpider):
    """Crawls one classic HTML forum into thread records.

    venue (str): the venue's name. base_url (str): the forum's root.
    profile (SelectorProfile | Mapping): the selectors (see :mod:`crawlers.html_profiles`).
    known, since, full, verify, max_threads: as for the Discourse spider.
    """

    name = "html"

    def __init__(
        self,
        venue: str,
        base_url: str,
        profile: SelectorProfile | Mapping[str, Any],
        known: Mapping[str, str] | None = None,
        max_threads: int | None = None,
        since: datetime | str | None = None,
        full: bool = False,
        verify: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            venue=venue, known=known, full=full, verify=verify, max_threads=max_threads, **kwargs
        )
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.allowed_domains = [parts.hostname]
        self.profile = SelectorProfile.model_validate(profile)
        missing = self.profile.missing()
        if missing:
            raise ValueError(f"the selector profile lacks {', '.join(missing)}")
        self.since = parse_timestamp(since) if isinstance(since, str) else since
        self._seen: set[str] = set()
        self._pages: set[str] = set()

    async def start(self) -> AsyncIterator[Request]:
        """Begin at the profile's thread list."""
        yield self._listing_request(urljoin(self.base_url + "/", self.profile.start_path))

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """Request every changed thread of a list page, then the next page (or stop)."""
        try:
            text = decode_body(response.body, response.encoding, "thread list")
            threads, next_url = listing_page(text, response.url, self.profile)
        except MAPPING_ERRORS as exc:
            self.listing_page_failed(response.url, failure_reason(exc), failure_detail(exc))
            return
        settled = bool(threads)
        for thread in threads:
            if self.limit_reached(len(self._seen)):
                return
            if thread.id in self._seen:
                continue
            self._seen.add(thread.id)
            if thread.fingerprint and self.known.get(thread.id) == thread.fingerprint:
                self._inc("candor/threads_skipped_unchanged")
                settled = settled and self._older_than_since(thread)
                continue
            settled = False
            yield self._thread_request(thread.url, thread)
        if settled and self.since is not None and not self.full:
            yield from self.listing_finished(self._seen, stopped_early=True)
            return
        if threads and next_url and next_url not in self._pages:
            if not self.limit_reached(len(self._seen)):
                yield self._listing_request(next_url)
            return
        yield from self.listing_finished(self._seen)

    def parse_thread(
        self,
        response: Response,
        listed: ListedThread,
        posts: tuple[PostRecord, ...] = (),
        pages: int = 1,
    ) -> Iterator[Any]:
        """Add one page of posts; ask for the next page or emit the finished thread."""
        try:
            text = decode_body(response.body, response.encoding, f"thread {listed.id}")
            page = thread_page(text, response.url, self.profile, first_number=len(posts) + 1)
        except MAPPING_ERRORS as exc:
            self.failed(response.url, exc)
            return
        known_ids = {p.source_id for p in posts}
        posts = posts + tuple(p for p in page.posts if p.source_id not in known_ids)
        if page.next_url and pages < MAX_THREAD_PAGES:
            yield self._thread_request(page.next_url, listed, posts, pages + 1)
            return
        try:
            record = ThreadRecord(
                source_id=listed.id,
                title=page.title,
                url=listed.url,
                category=page.category,
                created_at=posts[0].created_at,
                last_activity_at=listed.last_activity_at or max(p.created_at for p in posts),
                highest_post_number=(
                    listed.replies if listed.replies is not None else max(p.number for p in posts)
                ),
                posts=posts,
            )
        except MAPPING_ERRORS as exc:
            self.failed(response.url, exc)
            return
        self._inc("candor/threads_emitted")
        yield record

    def thread_check_request(self, source_id: str, url: str | None) -> Request:
        """A full crawl asks for an unlisted thread at its stored URL: 404 means gone."""
        assert url, f"thread {source_id} needs a URL to be checked"
        return self._thread_request(url, ListedThread(source_id, url))

    def _thread_request(
        self,
        url: str,
        listed: ListedThread,
        posts: tuple[PostRecord, ...] = (),
        pages: int = 1,
    ) -> Request:
        return Request(
            url,
            callback=self.parse_thread,
            errback=self.on_thread_error,
            priority=PAGES_PRIORITY if pages > 1 else 0,
            meta={"candor_thread_id": listed.id},
            cb_kwargs={"listed": listed, "posts": posts, "pages": pages},
        )

    def _listing_request(self, url: str) -> Request:
        self._pages.add(url)
        return Request(
            url, callback=self.parse_listing, errback=self.on_listing_error, dont_filter=True
        )

    def _older_than_since(self, thread: ListedThread) -> bool:
        if self.since is None or thread.last_activity_at is None:
            return False
        return thread.last_activity_at < self.since - CLOCK_SKEW
