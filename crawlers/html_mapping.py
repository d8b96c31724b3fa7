"""Pure functions from a classic forum's HTML to Candor's records, driven by a selector profile.

The HTML spider only moves bytes; what it reads from a page is decided here, with a
:class:`~corpus.settings.SelectorProfile`, so it can be tested on saved pages:

- :func:`select` and :func:`select_one` apply one selector (CSS with parsel's ``::text`` and
  ``::attr()``, or ``xpath:…``);
- :func:`listing_page` reads a thread list: the threads (id, URL, activity) and the next page;
- :func:`thread_page` reads one page of a thread: title, category, posts, the next page;
- :func:`parse_forum_date` reads the dates forums print ("March 1, 2025, 12:07 p.m.").

Errors: :class:`~crawlers.discourse_mapping.MappingError` with reason ``unexpected_html``
when a page lacks what the profile promises, ``invalid_value`` for an unreadable date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from parsel import Selector, SelectorList

from corpus.records import AuthorRecord, PostRecord, activity_fingerprint
from corpus.settings import SelectorProfile
from crawlers.discourse_mapping import MappingError

__all__ = [
    "ListedThread",
    "ThreadPage",
    "listing_page",
    "parse_forum_date",
    "select",
    "select_one",
    "thread_page",
]

# Formats tried, after ISO 8601 and the profile's own, on a normalised date string
# (see _normalise_date): Django's English default, phpBB-style and numeric forms.
BUILTIN_DATE_FORMATS = (
    "%B %d, %Y, %I:%M %p",
    "%B %d, %Y, %I %p",
    "%b %d, %Y, %I:%M %p",
    "%b %d, %Y, %I %p",
    "%B %d, %Y %I:%M %p",
    "%a %b %d, %Y %I:%M %p",
    "%d %B %Y, %H:%M",
    "%d %b %Y, %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
)


@dataclass(frozen=True)
class ListedThread:
    """One entry of a thread list."""

    id: str
    url: str
    replies: int | None = None
    last_activity_at: datetime | None = None

    @property
    def fingerprint(self) -> str | None:
        """The activity fingerprint, or ``None`` when the list shows too little to compare."""
        if self.replies is None or self.last_activity_at is None:
            return None
        return activity_fingerprint(self.replies, self.last_activity_at)


@dataclass(frozen=True)
class ThreadPage:
    """What one page of a thread shows."""

    title: str
    category: str | None
    posts: tuple[PostRecord, ...]
    next_url: str | None


def select(node: Selector | SelectorList[Selector], selector: str) -> SelectorList[Selector]:
    """Apply a CSS selector, or an XPath one written ``xpath:…``."""
    if selector.startswith("xpath:"):
        return node.xpath(selector.removeprefix("xpath:"))
    return node.css(selector)


def select_one(node: Selector, selector: str | None) -> str | None:
    """The text a selector finds: the first match's text (attribute or text nodes), stripped.

    An element match gives its text content; ``::text`` matches are joined.
    """
    if not selector:
        return None
    found = select(node, selector)
    if not found:
        return None
    first = found[0]
    if isinstance(first.root, str):  # ::text / ::attr() / @attr / text()
        if selector.endswith("::text") or selector.endswith("text()"):
            text = " ".join(part.strip() for part in found.getall())
        else:
            text = first.root
    else:
        text = " ".join(t.strip() for t in first.xpath(".//text()").getall())
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def listing_page(
    html: str, url: str, profile: SelectorProfile
) -> tuple[list[ListedThread], str | None]:
    """The threads of one list page and the next page's URL.

    Raises ``MappingError("unexpected_html")`` when the page shows no thread link at all
    and no next page: it is not the list the profile describes.
    """
    page = Selector(text=html)
    assert profile.thread_link
    entries = select(page, profile.thread_item) if profile.thread_item else [page]
    threads: dict[str, ListedThread] = {}
    for entry in entries:
        for href in select(entry, profile.thread_link).getall():
            thread_url = _canonical(urljoin(url, href.strip()))
            thread_id = _thread_id(thread_url, profile.thread_id)
            if thread_id is None or thread_id in threads:
                continue
            replies = _first_int(select_one(entry, profile.thread_replies))
            when = select_one(entry, profile.thread_activity)
            threads[thread_id] = ListedThread(
                thread_id,
                thread_url,
                replies if profile.thread_item else None,
                parse_forum_date(when, profile) if when and profile.thread_item else None,
            )
    next_href = select_one(page, profile.next_page)
    next_url = urljoin(url, next_href) if next_href else None
    if not threads and next_url is None:
        # An empty forum says so too; both are worth a look rather than a silent success.
        raise MappingError("unexpected_html", f"no thread links at {profile.thread_link!r}")
    return list(threads.values()), next_url


def thread_page(html: str, url: str, profile: SelectorProfile, first_number: int) -> ThreadPage:
    """Title, category and posts of one thread page; ``first_number`` numbers unnumbered posts.

    Containers without an author are skipped: forums render moderation notes ("topic
    closed") and removed posts in the post stream, and neither is a post by someone.
    """
    page = Selector(text=html)
    title = select_one(page, profile.title)
    if not title:
        raise MappingError("unexpected_html", f"no thread title at {profile.title!r}")
    assert profile.post
    posts = []
    number = first_number
    for node in select(page, profile.post):
        author = select_one(node, profile.author)
        post_id = select_one(node, profile.post_id)
        if not author or not post_id:
            continue
        when = select_one(node, profile.date)
        if not when:
            raise MappingError("unexpected_html", f"post {post_id} has no date at {profile.date}")
        explicit = _first_int(select_one(node, profile.post_number))
        number = explicit if explicit is not None else number
        badge = select_one(node, profile.staff_badge)
        assert profile.post_body
        body = select(node, profile.post_body)
        html_body = "".join(body[0].xpath("node()").getall()).strip() if body else ""
        link = select_one(node, profile.author_id)
        posts.append(
            PostRecord(
                source_id=post_id,
                number=number,
                author=AuthorRecord(
                    source_id=link or author,
                    username=author,
                    groups=(badge,) if badge else (),
                    flair=badge,
                    is_admin=bool(profile.admin_badge and select(node, profile.admin_badge)),
                    is_moderator=bool(
                        profile.moderator_badge and select(node, profile.moderator_badge)
                    ),
                    source_staff_flag=bool(badge),
                ),
                html=html_body,
                created_at=parse_forum_date(when, profile),
                url=f"{_canonical(url)}#{post_id}",
            )
        )
        number += 1
    if not posts:
        raise MappingError("unexpected_html", f"no posts at {profile.post!r}")
    next_href = select_one(page, profile.thread_next_page)
    return ThreadPage(
        title=title,
        category=select_one(page, profile.category),
        posts=tuple(posts),
        next_url=urljoin(url, next_href) if next_href else None,
    )


def parse_forum_date(text: str, profile: SelectorProfile | None = None) -> datetime:
    """A forum's printed date as an aware datetime, in the profile's time zone when it has none.

    >>> parse_forum_date("March 1, 2025, 12:07 p.m.").isoformat()
    '2025-03-01T12:07:00+00:00'
    >>> parse_forum_date("Sept. 3, 2025, noon").isoformat()
    '2025-09-03T12:00:00+00:00'
    """
    zone = ZoneInfo(profile.timezone if profile else "UTC")
    raw = text.strip()
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        parsed = _strptime(_normalise_date(raw), (profile.date_formats if profile else []))
        if parsed is None:
            raise MappingError("invalid_value", f"unreadable date {raw!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _strptime(text: str, extra: Iterable[str]) -> datetime | None:
    for fmt in (*extra, *BUILTIN_DATE_FORMATS):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _normalise_date(text: str) -> str:
    """Django-isms to strptime: ``noon``, ``a.m.``, ``Sept.`` → ``12 PM``, ``AM``, ``Sep``."""
    text = re.sub(r"\bnoon\b", "12 PM", text, flags=re.IGNORECASE)
    text = re.sub(r"\bmidnight\b", "12 AM", text, flags=re.IGNORECASE)
    text = re.sub(r"\b([ap])\.m\.", lambda m: m[1].upper() + "M", text, flags=re.IGNORECASE)
    text = re.sub(r"\bSept\b", "Sep", text)
    text = re.sub(r"\b([A-Z][a-z]{2,3})\.", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _thread_id(url: str, pattern: str) -> str | None:
    match = re.search(pattern, urlsplit(url).path)
    return match[1] if match else None


def _canonical(url: str) -> str:
    """The URL without query and fragment: a thread's first page, whatever link led there."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query="", fragment=""))


def _first_int(text: str | None) -> int | None:
    match = re.search(r"\d+", (text or "").replace(",", ""))
    return int(match[0]) if match else None
