"""Pure functions from Discourse JSON to Candor's corpus records.

The Discourse spider only moves bytes; everything it decides about the JSON
lives here, so it can be tested without Scrapy or a server:

- :func:`decode_body` and :func:`parse_json` turn bytes into JSON, naming what
  was wrong (``bad_encoding``, ``unexpected_html``, ``malformed_json``);
- :func:`category_names` reads ``/site.json``'s categories (with parents);
- :func:`listed_topics` and :func:`next_page_url` read a ``/latest.json`` page;
- :func:`missing_post_ids` and :func:`posts_url` say which posts ``/t/{id}.json``
  did not embed and how to ask for them;
- :func:`author_record`, :func:`post_record` and :func:`thread_record` build the
  records of :mod:`corpus.records`;
- :func:`failure_reason` names what went wrong with bad input, for the
  ``candor/failed/<reason>`` crawl stats.

Errors: :class:`MappingError` (a ``ValueError``) for JSON that does not parse;
``KeyError``, ``TypeError`` and pydantic's ``ValidationError`` pass through from
the record builders. :data:`MAPPING_ERRORS` lists everything bad input can raise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from pydantic import ValidationError

from corpus.records import AuthorRecord, PostRecord, ThreadRecord, activity_fingerprint

__all__ = [
    "LIKE_ACTION_ID",
    "MAPPING_ERRORS",
    "ListedTopic",
    "MappingError",
    "author_record",
    "category_names",
    "chunked",
    "decode_body",
    "failure_detail",
    "failure_reason",
    "listed_topics",
    "missing_post_ids",
    "next_page_url",
    "parse_json",
    "parse_timestamp",
    "post_record",
    "posts_url",
    "thread_record",
    "topic_header",
]

# Discourse's post action type for a like (``PostActionType.types[:like]``).
LIKE_ACTION_ID = 2


class MappingError(ValueError):
    """A response cannot be turned into records; ``reason`` is a short stat-friendly slug."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


# Everything malformed or unexpected JSON can raise while being mapped.
MAPPING_ERRORS: tuple[type[Exception], ...] = (
    MappingError,
    KeyError,
    TypeError,
    AttributeError,
    ValidationError,
    ValueError,
)


@dataclass(frozen=True)
class ListedTopic:
    """What a topic listing says about a topic: enough to decide whether to fetch it."""

    id: int
    slug: str
    highest_post_number: int | None
    last_activity_at: datetime | None
    pinned: bool = False

    @property
    def fingerprint(self) -> str:
        """The :func:`~corpus.records.activity_fingerprint` the corpus compares against."""
        return activity_fingerprint(self.highest_post_number, self.last_activity_at)


def decode_body(body: bytes, encoding: str, what: str = "response") -> str:
    """Decode ``body`` strictly; :class:`MappingError` (``bad_encoding``) if it is not ``encoding``.

    Scrapy decodes leniently, turning wrong bytes into U+FFFD; a thread saved
    that way would carry mojibake into the corpus, so the item fails instead.

    >>> decode_body("café".encode("latin-1"), "utf-8")
    Traceback (most recent call last):
    ...
    crawlers.discourse_mapping.MappingError: response is not valid utf-8: byte 0xe9 at 3 of 4
    """
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            bad = exc.object[exc.start : exc.start + 1].hex()
            detail = f"{what} is not valid {encoding}: byte 0x{bad} at {exc.start} of {len(body)}"
        else:
            detail = f"{what} declares an unknown encoding {encoding!r}"
        raise MappingError("bad_encoding", detail) from exc


def parse_json(text: str, what: str = "response") -> Any:
    """Decode JSON, raising :class:`MappingError` if it is not.

    The reason is ``unexpected_html`` when an HTML page came instead (a login
    wall, a CDN challenge, an error page), else ``malformed_json``.
    """
    if text.lstrip()[:1] == "<":
        head = text.lstrip()[:60].replace("\n", " ")
        raise MappingError("unexpected_html", f"{what} is HTML, not JSON: {head!r}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        detail = f"{what} is not valid JSON: {exc.msg} (char {exc.pos} of {len(text)})"
        raise MappingError("malformed_json", detail) from exc


def parse_timestamp(value: str | None) -> datetime | None:
    """Parse Discourse's ``2016-01-22T20:13:53.354Z``; ``None`` and ``""`` give ``None``.

    >>> parse_timestamp("2016-01-22T20:13:53.354Z").isoformat()
    '2016-01-22T20:13:53.354000+00:00'
    """
    if not value:
        return None
    return datetime.fromisoformat(value)


def listed_topics(page: Mapping[str, Any]) -> list[ListedTopic]:
    """The topics of a ``/latest.json`` (or category) page, in listing order.

    ``bumped_at`` is the activity stamp when present (it moves on new posts
    and on edits of a topic's last post), ``last_posted_at`` otherwise.
    ``pinned`` topics float to the top whatever their activity.
    """
    return [
        ListedTopic(
            id=int(item["id"]),
            slug=str(item["slug"]),
            highest_post_number=item.get("highest_post_number"),
            last_activity_at=parse_timestamp(item.get("bumped_at") or item.get("last_posted_at")),
            pinned=bool(item.get("pinned") or item.get("pinned_globally")),
        )
        for item in page["topic_list"]["topics"]
    ]


def category_names(site: Mapping[str, Any]) -> dict[int, str]:
    """Category id → name from ``/site.json``; a subcategory reads ``Parent / Child``.

    >>> category_names({"categories": [{"id": 1, "name": "Help"},
    ...     {"id": 2, "name": "Desktop", "parent_category_id": 1}]})
    {1: 'Help', 2: 'Help / Desktop'}
    """
    raw = {int(c["id"]): c for c in site["categories"]}
    names: dict[int, str] = {}
    for category_id, category in raw.items():
        parent = raw.get(category.get("parent_category_id") or -1)
        name = str(category["name"])
        names[category_id] = f"{parent['name']} / {name}" if parent else name
    return names


def category_listings(
    site: Mapping[str, Any], wanted: Iterable[str]
) -> tuple[dict[int, str], list[str]]:
    """The listing path of each wanted category, and the wanted entries no category has.

    A category is named by its id or its slug, as ``categories:`` in ``candor.yaml`` does.

    >>> category_listings({"categories": [{"id": 5, "slug": "desktop", "name": "Desktop"}]},
    ...     ["desktop", "7"])
    ({5: '/c/desktop/5.json'}, ['7'])
    """
    by_key: dict[str, Mapping[str, Any]] = {}
    for category in site["categories"]:
        by_key[str(category["id"])] = by_key[str(category["slug"])] = category
    found: dict[int, str] = {}
    unknown: list[str] = []
    for key in wanted:
        category = by_key.get(str(key).strip().lower())
        if category is None:
            unknown.append(key)
        else:
            found[int(category["id"])] = f"/c/{category['slug']}/{int(category['id'])}.json"
    return found, unknown


def next_page_url(base_url: str, page: Mapping[str, Any]) -> str | None:
    """The JSON URL of the next listing page, or ``None`` on the last page.

    Discourse gives ``more_topics_url`` as an HTML path (``/latest?page=1``);
    the JSON of the same page is at the same path with ``.json`` appended.

    >>> next_page_url("https://f.example", {"topic_list": {"more_topics_url": "/latest?page=1"}})
    'https://f.example/latest.json?page=1'
    """
    more = page["topic_list"].get("more_topics_url")
    if not more:
        return None
    parts = urlsplit(urljoin(base_url.rstrip("/") + "/", more))
    path = parts.path if parts.path.endswith(".json") else parts.path + ".json"
    return urlunsplit(parts._replace(path=path))


# The topic fields a thread record needs; the rest of ``/t/{id}.json`` (suggested
# topics, link counts…) is dropped before a topic waits for its remaining posts.
TOPIC_HEADER_FIELDS = (
    "id",
    "title",
    "slug",
    "category_id",
    "tags",
    "created_at",
    "last_posted_at",
    "bumped_at",
    "highest_post_number",
    "deleted_at",
)


def topic_header(topic: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a topic document :func:`thread_record` reads, without its posts."""
    return {key: topic[key] for key in TOPIC_HEADER_FIELDS if key in topic}


def missing_post_ids(topic: Mapping[str, Any]) -> list[int]:
    """Ids in ``post_stream.stream`` whose posts ``/t/{id}.json`` did not embed, in order."""
    stream = topic["post_stream"]
    embedded = {post["id"] for post in stream["posts"]}
    return [post_id for post_id in stream["stream"] if post_id not in embedded]


def chunked(ids: Sequence[int], size: int) -> list[list[int]]:
    """Split ``ids`` into lists of at most ``size``, keeping order.

    >>> chunked([1, 2, 3, 4, 5], 2)
    [[1, 2], [3, 4], [5]]
    """
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]


def posts_url(base_url: str, topic_id: int, post_ids: Iterable[int]) -> str:
    """The ``/t/{id}/posts.json`` URL asking for ``post_ids``, as Discourse's own client does.

    >>> posts_url("https://f.example", 7, [10, 11])
    'https://f.example/t/7/posts.json?post_ids[]=10&post_ids[]=11'
    """
    query = "&".join(f"post_ids[]={int(post_id)}" for post_id in post_ids)
    return f"{base_url.rstrip('/')}/t/{int(topic_id)}/posts.json?{query}"


def author_record(post: Mapping[str, Any]) -> AuthorRecord:
    """The author of a post as the forum shows them.

    ``groups`` holds the primary group and the flair group (often the same,
    kept once); an empty display name becomes ``None``.
    """
    user_id = post.get("user_id")
    groups = dict.fromkeys(
        name for name in (post.get("primary_group_name"), post.get("flair_name")) if name
    )
    return AuthorRecord(
        source_id=str(user_id) if user_id is not None else str(post["username"]),
        username=post["username"],
        display_name=post.get("name") or None,
        groups=tuple(groups),
        flair=post.get("flair_name") or None,
        is_moderator=bool(post.get("moderator")),
        is_admin=bool(post.get("admin")),
        source_staff_flag=bool(post.get("staff")),
    )


def post_record(post: Mapping[str, Any], *, base_url: str, slug: str, topic_id: int) -> PostRecord:
    """One post of a topic; the URL is the post's permalink on the forum."""
    number = int(post["post_number"])
    return PostRecord(
        source_id=str(post["id"]),
        number=number,
        author=author_record(post),
        html=post["cooked"],
        created_at=post["created_at"],
        updated_at=post.get("updated_at"),
        url=f"{base_url.rstrip('/')}/t/{slug}/{topic_id}/{number}",
        reply_to_number=post.get("reply_to_post_number"),
        is_accepted_answer=bool(post.get("accepted_answer")),
        likes=_likes(post),
        # Withdrawn by its author or hidden after flags: no longer public, so not ours to show.
        deleted=(
            post.get("deleted_at") is not None
            or bool(post.get("user_deleted"))
            or bool(post.get("hidden"))
        ),
    )


def thread_record(
    topic: Mapping[str, Any],
    posts: Iterable[Mapping[str, Any]],
    *,
    base_url: str,
    listed: ListedTopic | None = None,
    categories: Mapping[int, str] | None = None,
) -> ThreadRecord:
    """A whole thread from the topic JSON and all its posts, fetched in any order.

    topic (Mapping): the ``/t/{id}.json`` document (its ``post_stream`` is not read).
    posts (Iterable[Mapping]): every post, embedded or from ``posts.json``;
        duplicates by id are kept once, and posts are sorted by number.
    base_url (str): the forum's root, for thread and post URLs.
    listed (ListedTopic | None): the listing entry the crawl came from. Its
        activity stamp and ``highest_post_number`` are recorded, so the corpus
        computes the same fingerprint the next crawl reads from the listing.
    categories (Mapping[int, str] | None): category names by id
        (:func:`category_names`); the id is kept when a name is unknown.
    """
    topic_id = int(topic["id"])
    slug = str(topic["slug"])
    base = base_url.rstrip("/")
    unique = {post["id"]: post for post in posts}
    records = sorted(
        (post_record(p, base_url=base, slug=slug, topic_id=topic_id) for p in unique.values()),
        key=lambda record: record.number,
    )
    category = topic.get("category_id")
    return ThreadRecord(
        source_id=str(topic_id),
        title=topic["title"],
        url=f"{base}/t/{slug}/{topic_id}",
        category=(
            (categories or {}).get(int(category), str(category)) if category is not None else None
        ),
        tags=tuple(_tag_name(tag) for tag in topic.get("tags") or ()),
        created_at=topic["created_at"],
        last_activity_at=(
            listed.last_activity_at
            if listed
            else parse_timestamp(topic.get("bumped_at") or topic.get("last_posted_at"))
        ),
        highest_post_number=(
            listed.highest_post_number if listed else topic.get("highest_post_number")
        ),
        deleted=topic.get("deleted_at") is not None,
        posts=tuple(records),
    )


def failure_reason(exc: BaseException) -> str:
    """A short slug naming what was wrong with the input, for stats keys.

    >>> failure_reason(KeyError("cooked"))
    'missing_key'
    """
    if isinstance(exc, MappingError):
        return exc.reason
    if isinstance(exc, ValidationError):
        return "invalid_record"
    if isinstance(exc, KeyError):
        return "missing_key"
    if isinstance(exc, TypeError | AttributeError):
        return "unexpected_shape"
    return "invalid_value"


def failure_detail(exc: BaseException) -> str:
    """One line saying what was wrong, for a log message."""
    if isinstance(exc, MappingError):
        return str(exc)
    if isinstance(exc, KeyError):
        return f"missing key {exc.args[0]!r}" if exc.args else "missing key"
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or exc.title
        return f"{exc.error_count()} invalid field(s) in {exc.title}, first {where}: {first['msg']}"
    return f"{type(exc).__name__}: {exc}"


def _likes(post: Mapping[str, Any]) -> int:
    """How many likes ``actions_summary`` reports for a post."""
    return sum(
        int(action.get("count", 0))
        for action in post.get("actions_summary") or ()
        if action.get("id") == LIKE_ACTION_ID
    )


def _tag_name(tag: str | Mapping[str, Any]) -> str:
    """Tags are strings on older Discourse, ``{"id", "name", "slug"}`` objects on newer ones."""
    return tag if isinstance(tag, str) else str(tag["name"])
