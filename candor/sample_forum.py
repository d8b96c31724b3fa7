"""A local Discourse replay server, so the real crawler can run offline.

The sample data (``discourse-signal-topics.jsonl.gz``) holds the exact JSON a
Discourse site serves at ``/t/{id}.json``. :class:`SampleForum` serves those
topics on 127.0.0.1 with the JSON shapes and paths of a real Discourse site,
so Candor's Scrapy spider, the CLI demo and the tests exercise the same code
they would run against a live forum, without a network:

    /robots.txt                                    text, see ``robots_txt``
    /                                              a Discourse-like HTML home page
    /site.json                                     site settings: categories, groups
    /latest.json?page=N                            topic list, newest bump first
    /categories.json                               one category per ``category_id``
    /c/{slug}/{id}.json?page=N                     topic list of one category
    /t/{id}.json, /t/{slug}/{id}.json              topic, first ``chunk_size`` posts
    /t/{id}/posts.json?post_ids[]=A&post_ids[]=B   the rest of a topic's posts

Anything else answers 404 with Discourse's error JSON. :class:`Faults` makes the
server misbehave on purpose (rate limits, slow answers, malformed, truncated,
HTML or wrongly encoded topics), and the mutation helpers
(:meth:`SampleForum.edit_post`, :meth:`SampleForum.add_post`,
:meth:`SampleForum.delete_post`, :meth:`SampleForum.delete_topic`) let tests of
incremental crawling change the forum between two crawls. ``request_count``,
``requests_by_path_kind`` and ``request_log`` let tests check how much a crawl
asked for, when, and with which headers.

Known simplifications: pinned topics are not floated to the top of
``/latest``, and a wrong slug in ``/t/{slug}/{id}.json`` is ignored rather
than redirected.
"""

from __future__ import annotations

import copy
import gzip
import json
import re
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from corpus.errors import InputError

__all__ = [
    "DEFAULT_ROBOTS_TXT",
    "Faults",
    "SampleDataError",
    "SampleForum",
    "load_topics",
    "serve_forever",
]

DEFAULT_ROBOTS_TXT = "User-agent: *\nDisallow: /admin\nDisallow: /u/\n"

NOT_FOUND_BODY = {"errors": ["The requested URL or resource could not be found."]}
RATE_LIMITED_BODY = {
    "errors": ["You’ve performed this action too many times. Please wait 1 second."],
    "error_type": "rate_limit",
    "extras": {"wait_seconds": 1},
}

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# What a Discourse home page says about itself (the crawler's platform check reads the generator).
HOME_HTML = (
    '<!DOCTYPE html><html><head><meta name="generator" content="Discourse 3.4.0 - '
    'https://github.com/discourse/discourse">'
    "<title>Sample Forum</title></head><body><noscript>Latest topics</noscript></body></html>"
)
# What a CDN challenge or a login wall serves where JSON was expected.
CHALLENGE_HTML = (
    "<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
    "<body>Checking your browser before accessing the forum.</body></html>"
)

# (path kind, pattern) in match order; the kind names the counter key in
# ``requests_by_path_kind`` and the handler that answers.
_ROUTES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("robots", re.compile(r"^/robots\.txt$")),
    ("home", re.compile(r"^/$")),
    ("site", re.compile(r"^/site\.json$")),
    ("latest", re.compile(r"^/latest\.json$")),
    ("categories", re.compile(r"^/categories\.json$")),
    ("category", re.compile(r"^/c/(?:[^/]+/)?(?P<category_id>\d+)(?:/l/latest)?\.json$")),
    ("posts", re.compile(r"^/t/(?P<topic_id>\d+)/posts\.json$")),
    ("topic", re.compile(r"^/t/(?:[^/]+/)?(?P<topic_id>\d+)\.json$")),
)


def category_name(category_id: int) -> str:
    """The name the replay gives a category: the sample data holds only ids."""
    return f"Category {category_id}"


class SampleDataError(InputError, ValueError):
    """The sample data file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Faults:
    """Ways the server misbehaves on purpose, to test a crawler's resilience.

    rate_limit_every (int): every Nth request (counting all paths) answers 429
        with ``Retry-After: 1``, like Discourse's rate limiter; 0 turns it off.
    malformed_topics (frozenset[int]): ids of topics whose ``/t/{id}.json`` is
        served cut in half, so it is not valid JSON.
    truncated_topics (frozenset[int]): topics whose answer announces its full
        ``Content-Length`` but the connection closes halfway (a dropped download).
    html_topics (frozenset[int]): topics answered with an HTML page instead of
        JSON, as a login wall or a CDN challenge would.
    bad_encoding_topics (frozenset[int]): topics served as Latin-1 bytes while
        the header says UTF-8.
    latency (float): seconds every answer waits before it is written, so a
        crawl lasts long enough to be interrupted.
    retry_after (str): the ``Retry-After`` value sent with each 429.
    """

    rate_limit_every: int = 0
    malformed_topics: frozenset[int] = field(default_factory=frozenset)
    truncated_topics: frozenset[int] = field(default_factory=frozenset)
    html_topics: frozenset[int] = field(default_factory=frozenset)
    bad_encoding_topics: frozenset[int] = field(default_factory=frozenset)
    latency: float = 0.0
    retry_after: str = "1"


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the forum saw it: when, what, and the headers a test may check."""

    at: float
    path: str
    status: int
    user_agent: str | None
    api_key: str | None
    api_username: str | None


@dataclass(frozen=True)
class _Reply:
    """One HTTP answer, built under the forum's lock and written outside it."""

    status: int
    body: bytes
    content_type: str = JSON_CONTENT_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    # Set to cut the connection after the first half while announcing the full length.
    truncate: bool = False


def load_topics(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Read the sample topics from a gzipped JSON-lines file.

    Each line must be the JSON object Discourse serves at ``/t/{id}.json``.

    path (Path): the ``.jsonl.gz`` file.
    limit (int | None): keep only the ``limit`` most recently active topics (by
        ``last_posted_at``, ties broken by id), so a demo subset is the same on
        every run. ``None`` keeps all, in file order.
    RETURNS (list[dict]): the topics; most recent first when ``limit`` is given.

    Raises :class:`SampleDataError` naming the file and line for a line that
    is not a JSON topic or a file that is missing or not gzip.

    >>> topics = load_topics(Path("discourse-signal-topics.jsonl.gz"), limit=15)  # doctest: +SKIP
    """
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be 0 or more, not {limit}")
    topics = list(_read_topic_lines(path))
    if limit is None:
        return topics
    topics.sort(key=lambda topic: (topic.get("last_posted_at") or "", topic["id"]), reverse=True)
    return topics[:limit]


def _read_topic_lines(path: Path) -> Iterable[dict[str, Any]]:
    """Yield each non-blank line of ``path`` as a checked topic dict."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _parse_topic_line(line, path, number)
    except FileNotFoundError as exc:
        raise SampleDataError(
            f"{path}: sample data not found; set CANDOR_SAMPLE_DATA (or sample_data in candor.yaml)"
        ) from exc
    except (gzip.BadGzipFile, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise SampleDataError(f"{path}: not a readable gzip text file ({exc})") from exc


def _parse_topic_line(line: str, path: Path, number: int) -> dict[str, Any]:
    """Parse one line, or raise :class:`SampleDataError` saying what is wrong where."""
    where = f"{path}:{number}"
    try:
        topic = json.loads(line)
    except json.JSONDecodeError as exc:
        raise SampleDataError(
            f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
            "each line must be one /t/{id}.json document"
        ) from exc
    if not isinstance(topic, dict):
        raise SampleDataError(f"{where}: expected a JSON object, got {type(topic).__name__}")
    stream = topic.get("post_stream")
    posts = stream.get("posts") if isinstance(stream, dict) else None
    if not isinstance(topic.get("id"), int) or not isinstance(posts, list):
        raise SampleDataError(
            f"{where}: not a Discourse topic (needs 'id' and 'post_stream.posts')"
        )
    return topic


class SampleForum:
    """A Discourse site replaying sample topics over real HTTP on 127.0.0.1.

    topics (Iterable[dict]): topics as :func:`load_topics` returns them; they
        are copied, so mutations never touch the caller's data.
    chunk_size (int): how many posts ``/t/{id}.json`` embeds; the crawler must
        fetch the rest through ``posts.json``, as on a real Discourse.
    page_size (int): topics per ``/latest.json`` page (Discourse uses 30).
    robots_txt (str): the body of ``/robots.txt``.
    faults (Faults): deliberate misbehaviour; none by default.

    >>> with SampleForum(load_topics(path, limit=15), chunk_size=5) as forum:  # doctest: +SKIP
    ...     urllib.request.urlopen(f"{forum.base_url}/latest.json").read()
    """

    def __init__(
        self,
        topics: Iterable[Mapping[str, Any]],
        *,
        chunk_size: int = 20,
        page_size: int = 30,
        robots_txt: str = DEFAULT_ROBOTS_TXT,
        faults: Faults | None = None,
    ) -> None:
        if chunk_size < 1 or page_size < 1:
            raise ValueError("chunk_size and page_size must be at least 1")
        self.chunk_size = chunk_size
        self.page_size = page_size
        self.robots_txt = robots_txt
        self.faults = faults or Faults()
        self._topics: dict[int, dict[str, Any]] = {}
        for topic in topics:
            prepared = _prepare_topic(topic)
            self._topics[prepared["id"]] = prepared
        self._lock = threading.Lock()
        self._request_count = 0
        self._in_flight = 0
        self._last_request = 0.0
        self._by_kind: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()
        self._log: list[LoggedRequest] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start serving in a daemon thread and return the base URL.

        host (str): interface to bind; keep the default outside of demos.
        port (int): 0 lets the system pick a free port (what tests want).
        RETURNS (str): e.g. ``http://127.0.0.1:51234``, without a trailing slash.
        """
        if self._server is not None:
            raise RuntimeError("this SampleForum is already serving at " + self.base_url)
        server = _ForumServer((host, port), _ForumHandler)
        server.forum = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},  # so stop() returns quickly
            name=f"sample-forum-{server.server_port}",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The URL the forum answers on; only valid while it is serving."""
        if self._server is None:
            raise RuntimeError("the SampleForum is not serving; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- counters ------------------------------------------------------------

    @property
    def request_count(self) -> int:
        """How many requests the forum answered, whatever the path or status."""
        with self._lock:
            return self._request_count

    def wait_idle(self, quiet: float = 0.2, timeout: float = 10.0) -> None:
        """Return once no answer is being prepared and none has begun for ``quiet`` seconds.

        A client killed mid-request leaves its last requests to be answered (and counted) after
        it died; tests that compare counters before and after call this first.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                busy, last = self._in_flight, self._last_request
            if not busy and time.monotonic() - last >= quiet:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the sample forum is still answering {busy} requests")
            time.sleep(0.01)

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Mark one request as being answered, for :meth:`wait_idle`."""
        with self._lock:
            self._in_flight += 1
            self._last_request = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    @property
    def requests_by_path_kind(self) -> Counter[str]:
        """A copy of the request count per kind of path.

        Kinds: ``robots``, ``latest``, ``categories``, ``category``, ``topic``,
        ``posts`` and ``not_found``. Rate-limited requests count under their kind.
        """
        with self._lock:
            return Counter(self._by_kind)

    @property
    def responses_by_status(self) -> Counter[int]:
        """A copy of the response count per HTTP status (e.g. how many 429s were sent)."""
        with self._lock:
            return Counter(self._by_status)

    @property
    def request_log(self) -> list[LoggedRequest]:
        """Every request answered so far, oldest first (a copy)."""
        with self._lock:
            return list(self._log)

    # -- mutations for incremental-crawl tests ---------------------------------

    def edit_post(self, topic_id: int, post_id: int, new_cooked: str) -> None:
        """Replace a post's HTML, as an edit would, and bump the topic.

        The post's ``updated_at`` and the topic's ``last_posted_at`` and
        ``bumped_at`` move to now, so a listing shows the topic as changed.
        Raises ``KeyError`` for an unknown topic or post.
        """
        with self._lock:
            topic = self._topic_or_key_error(topic_id)
            post = next((p for p in topic["post_stream"]["posts"] if p["id"] == post_id), None)
            if post is None:
                raise KeyError(f"topic {topic_id} has no post {post_id}")
            stamp = _later_than(topic)
            post["cooked"] = new_cooked
            post["updated_at"] = stamp
            post["version"] = post.get("version", 1) + 1
            topic["last_posted_at"] = topic["bumped_at"] = stamp

    def add_post(self, topic_id: int, post: Mapping[str, Any]) -> dict[str, Any]:
        """Append a reply to a topic and bump it; return the stored post.

        ``post`` needs at least ``username`` and ``cooked``; ``id``,
        ``post_number``, ``topic_id`` and the timestamps are filled in when
        absent. Raises ``KeyError`` for an unknown topic.
        """
        with self._lock:
            topic = self._topic_or_key_error(topic_id)
            stamp = _later_than(topic)
            number = topic["highest_post_number"] + 1
            stored: dict[str, Any] = {
                "id": self._next_post_id(),
                "post_number": number,
                "topic_id": topic_id,
                "topic_slug": topic["slug"],
                "created_at": stamp,
                "updated_at": stamp,
                "reply_to_post_number": None,
                "actions_summary": [],
                "accepted_answer": False,
                "deleted_at": None,
                **post,
            }
            topic["post_stream"]["posts"].append(stored)
            topic["post_stream"]["stream"].append(stored["id"])
            topic["highest_post_number"] = max(number, stored["post_number"])
            topic["posts_count"] = topic.get("posts_count", 0) + 1
            topic["last_posted_at"] = topic["bumped_at"] = stamp
            return copy.deepcopy(stored)

    def delete_post(self, topic_id: int, post_id: int) -> None:
        """Delete a reply as a moderator would: it leaves the stream and stops being served.

        The topic is not bumped (Discourse does not bump on deletions), so only a
        crawl that re-reads the topic notices. Raises ``KeyError`` when unknown.
        """
        with self._lock:
            topic = self._topic_or_key_error(topic_id)
            posts = topic["post_stream"]["posts"]
            if not any(p["id"] == post_id for p in posts):
                raise KeyError(f"topic {topic_id} has no post {post_id}")
            topic["post_stream"]["posts"] = [p for p in posts if p["id"] != post_id]
            topic["post_stream"]["stream"].remove(post_id)

    def delete_topic(self, topic_id: int) -> None:
        """Remove a topic: its URLs answer 404 and it leaves every listing."""
        with self._lock:
            self._topic_or_key_error(topic_id)
            del self._topics[topic_id]

    def _topic_or_key_error(self, topic_id: int) -> dict[str, Any]:
        """Return the stored topic; caller holds the lock."""
        try:
            return self._topics[topic_id]
        except KeyError:
            raise KeyError(f"the sample forum has no topic {topic_id}") from None

    def _next_post_id(self) -> int:
        """One more than the largest post id on the forum; caller holds the lock."""
        ids = (p["id"] for t in self._topics.values() for p in t["post_stream"]["posts"])
        return max(ids, default=0) + 1

    # -- request handling ----------------------------------------------------

    def handle(self, raw_path: str, headers: Mapping[str, str] | None = None) -> _Reply:
        """Answer one GET; called by the HTTP handler for every request."""
        url = urlsplit(raw_path)
        query = parse_qs(url.query)
        kind, match = _route(url.path)
        headers = headers or {}
        with self._lock:
            self._request_count += 1
            self._by_kind[kind] += 1
            every = self.faults.rate_limit_every
            if every and self._request_count % every == 0:
                reply = _json_reply(HTTPStatus.TOO_MANY_REQUESTS, RATE_LIMITED_BODY)
                retry_after = (("Retry-After", self.faults.retry_after),)
                reply = _Reply(reply.status, reply.body, headers=retry_after)
            else:
                reply = self._answer(kind, match, query)
            self._by_status[reply.status] += 1
            self._log.append(
                LoggedRequest(
                    time.monotonic(),
                    raw_path,
                    reply.status,
                    headers.get("User-Agent"),
                    headers.get("Api-Key"),
                    headers.get("Api-Username"),
                )
            )
            return reply

    def _answer(
        self, kind: str, match: re.Match[str] | None, query: dict[str, list[str]]
    ) -> _Reply:
        """Build the reply for a routed request; caller holds the lock."""
        if kind == "robots":
            return _Reply(200, self.robots_txt.encode("utf-8"), "text/plain; charset=utf-8")
        if kind == "home":
            return _Reply(200, HOME_HTML.encode("utf-8"), "text/html; charset=utf-8")
        if kind == "site":
            return _json_reply(
                200,
                {
                    "categories": self._category_list()["category_list"]["categories"],
                    "groups": [],
                    "default_archetype": "regular",
                },
            )
        page = _page_number(query)
        if page is None:
            return _json_reply(HTTPStatus.BAD_REQUEST, {"errors": ["page must be 0 or more"]})
        if kind == "latest":
            return _json_reply(200, self._topic_list(self._topics.values(), page, "/latest"))
        if kind == "categories":
            return _json_reply(200, self._category_list())
        if kind == "category" and match:
            return self._category_topics(int(match["category_id"]), page)
        if kind == "topic" and match:
            return self._topic(int(match["topic_id"]))
        if kind == "posts" and match:
            return self._posts(int(match["topic_id"]), query.get("post_ids[]", []))
        return _json_reply(HTTPStatus.NOT_FOUND, NOT_FOUND_BODY)

    def _topic_list(
        self, topics: Iterable[dict[str, Any]], page: int, more_path: str
    ) -> dict[str, Any]:
        """A ``/latest``-shaped page: newest bump first, ``page_size`` per page."""
        ordered = sorted(topics, key=lambda t: (_bumped_at(t), t["id"]), reverse=True)
        start = page * self.page_size
        selected = ordered[start : start + self.page_size]
        users: dict[int, dict[str, Any]] = {}
        for topic in selected:
            for post in _poster_posts(topic):
                users.setdefault(post["user_id"], _user_summary(post))
        topic_list: dict[str, Any] = {
            "can_create_topic": False,
            "per_page": self.page_size,
            "top_tags": [],
            "topics": [_list_item(topic) for topic in selected],
        }
        if start + self.page_size < len(ordered):
            topic_list["more_topics_url"] = f"{more_path}?page={page + 1}"
        return {
            "users": list(users.values()),
            "primary_groups": [],
            "flair_groups": [],
            "topic_list": topic_list,
        }

    def _category_list(self) -> dict[str, Any]:
        """``/categories.json``: one category per ``category_id`` in the data."""
        by_id: dict[int, list[dict[str, Any]]] = {}
        for topic in self._topics.values():
            by_id.setdefault(topic["category_id"], []).append(topic)
        categories = [
            {
                "id": category_id,
                "name": category_name(category_id),
                "slug": f"category-{category_id}",
                "color": "0088CC",
                "text_color": "FFFFFF",
                "description": None,
                "topic_count": len(topics),
                "post_count": sum(len(t["post_stream"]["posts"]) for t in topics),
                "position": position,
                "read_restricted": False,
                "has_children": False,
            }
            for position, (category_id, topics) in enumerate(sorted(by_id.items()))
        ]
        return {
            "category_list": {
                "can_create_category": False,
                "can_create_topic": False,
                "categories": categories,
            }
        }

    def _category_topics(self, category_id: int, page: int) -> _Reply:
        """``/c/{slug}/{id}.json``: the topic list of one category, or 404."""
        topics = [t for t in self._topics.values() if t["category_id"] == category_id]
        if not topics:
            return _json_reply(HTTPStatus.NOT_FOUND, NOT_FOUND_BODY)
        more_path = f"/c/category-{category_id}/{category_id}/l/latest"
        return _json_reply(200, self._topic_list(topics, page, more_path))

    def _topic(self, topic_id: int) -> _Reply:
        """``/t/{id}.json``: the topic with its first ``chunk_size`` posts embedded."""
        topic = self._topics.get(topic_id)
        if topic is None:
            return _json_reply(HTTPStatus.NOT_FOUND, NOT_FOUND_BODY)
        served = {key: value for key, value in topic.items() if key != "post_stream"}
        served["chunk_size"] = self.chunk_size
        served["post_stream"] = {
            "posts": topic["post_stream"]["posts"][: self.chunk_size],
            "stream": list(topic["post_stream"]["stream"]),
        }
        reply = _json_reply(200, served)
        if topic_id in self.faults.malformed_topics:
            return _Reply(reply.status, reply.body[: len(reply.body) // 2])
        if topic_id in self.faults.truncated_topics:
            return _Reply(reply.status, reply.body, truncate=True)
        if topic_id in self.faults.html_topics:
            return _Reply(200, CHALLENGE_HTML.encode("utf-8"), "text/html; charset=utf-8")
        if topic_id in self.faults.bad_encoding_topics:
            # "café" in the title makes sure at least one byte is invalid UTF-8.
            mangled = {**served, "title": served["title"] + " café"}
            text = json.dumps(mangled, ensure_ascii=False, separators=(",", ":"))
            return _Reply(200, text.encode("latin-1", errors="replace"))
        return reply

    def _posts(self, topic_id: int, raw_ids: list[str]) -> _Reply:
        """``/t/{id}/posts.json``: the requested posts that exist, in thread order."""
        topic = self._topics.get(topic_id)
        if topic is None:
            return _json_reply(HTTPStatus.NOT_FOUND, NOT_FOUND_BODY)
        wanted = {int(raw) for raw in raw_ids if raw.isdigit()}
        # Like Discourse, ids that do not exist (or belong to another topic) are
        # left out silently rather than failing the whole request.
        posts = [p for p in topic["post_stream"]["posts"] if p["id"] in wanted]
        return _json_reply(200, {"post_stream": {"posts": posts}, "id": topic_id})


class _ForumServer(ThreadingHTTPServer):
    """Quiet about clients that hang up (a crawler killed mid-request): that is their right."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _ForumHandler(BaseHTTPRequestHandler):
    """Writes the forum's replies; quiet, because per-request logs drown test output."""

    protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy and real forums use
    server_version = "CandorSampleForum/1"

    def do_GET(self) -> None:
        forum: SampleForum = self.server.forum  # type: ignore[attr-defined]
        with forum.answering():
            if forum.faults.latency:
                time.sleep(forum.faults.latency)
            reply = forum.handle(self.path, dict(self.headers.items()))
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            if reply.truncate:
                self.wfile.write(reply.body[: len(reply.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: a crawl makes hundreds of requests and stderr is for warnings."""


def serve_forever(
    path: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    limit: int | None = None,
    chunk_size: int = 20,
) -> None:
    """Serve the sample file until interrupted, printing the base URL to stdout.

    The CLI's thin face calls this; Ctrl-C stops it cleanly.
    """
    forum = SampleForum(load_topics(path, limit=limit), chunk_size=chunk_size)
    print(forum.start(host=host, port=port), flush=True)
    try:
        while forum._thread is not None and forum._thread.is_alive():
            forum._thread.join(timeout=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        forum.stop()


# -- pure helpers --------------------------------------------------------------


def _prepare_topic(topic: Mapping[str, Any]) -> dict[str, Any]:
    """Copy a topic and make its stream list only the posts the file holds."""
    prepared = copy.deepcopy(dict(topic))
    stream = prepared["post_stream"]
    known = {post["id"] for post in stream["posts"]}
    # The sample keeps at most the first 20 posts of a long topic, but its
    # stream lists every id the live forum had. Ids of posts not in the file
    # are dropped, so a crawler that follows the stream can fetch everything it
    # is told about; posts_count and highest_post_number stay as the source had
    # them (real Discourse counts also disagree with the stream, after deletions).
    stream["stream"] = [post_id for post_id in stream.get("stream", []) if post_id in known]
    stream["stream"] += [p["id"] for p in stream["posts"] if p["id"] not in stream["stream"]]
    prepared.setdefault("bumped_at", prepared.get("last_posted_at"))
    return prepared


def _route(path: str) -> tuple[str, re.Match[str] | None]:
    """Return the path kind and its match, or ``("not_found", None)``."""
    for kind, pattern in _ROUTES:
        match = pattern.match(path)
        if match:
            return kind, match
    return "not_found", None


def _page_number(query: dict[str, list[str]]) -> int | None:
    """The ``page`` query value (0 when absent), or ``None`` when it is not a number."""
    raw = query.get("page", ["0"])[-1]
    return int(raw) if raw.isdigit() else None


def _json_reply(status: int, payload: Any) -> _Reply:
    """Serialize ``payload`` as Discourse does: compact UTF-8 JSON."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _Reply(int(status), body)


def _bumped_at(topic: Mapping[str, Any]) -> str:
    """Sort key for listings; ISO-8601 UTC strings sort like the instants they name."""
    return topic.get("bumped_at") or topic.get("last_posted_at") or topic.get("created_at") or ""


def _poster_posts(topic: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The opening post and the last known post, whose authors a listing names."""
    posts = [p for p in topic["post_stream"]["posts"] if "user_id" in p]
    return [posts[0], posts[-1]] if posts else []


def _user_summary(post: Mapping[str, Any]) -> dict[str, Any]:
    """The ``users`` entry a topic list gives for a post's author."""
    return {
        "id": post["user_id"],
        "username": post.get("username"),
        "name": post.get("name"),
        "avatar_template": post.get("avatar_template"),
    }


def _list_item(topic: Mapping[str, Any]) -> dict[str, Any]:
    """One entry of ``topic_list.topics``, with the fields a real listing has."""
    posters = _poster_posts(topic)
    descriptions = ["Original Poster", "Most Recent Poster"]
    return {
        "id": topic["id"],
        "title": topic["title"],
        "fancy_title": topic.get("fancy_title", topic["title"]),
        "slug": topic["slug"],
        "posts_count": topic.get("posts_count"),
        "reply_count": topic.get("reply_count", 0),
        "highest_post_number": topic.get("highest_post_number"),
        "image_url": topic.get("image_url"),
        "created_at": topic.get("created_at"),
        "last_posted_at": topic.get("last_posted_at"),
        "bumped": True,
        "bumped_at": _bumped_at(topic),
        "archetype": topic.get("archetype", "regular"),
        "unseen": False,
        "pinned": topic.get("pinned", False),
        "visible": topic.get("visible", True),
        "closed": topic.get("closed", False),
        "archived": topic.get("archived", False),
        "views": topic.get("views", 0),
        "like_count": topic.get("like_count", 0),
        "has_summary": topic.get("has_summary", False),
        "last_poster_username": posters[-1].get("username") if posters else None,
        "category_id": topic.get("category_id"),
        "pinned_globally": topic.get("pinned_globally", False),
        "tags": list(topic.get("tags", [])),
        "posters": [
            {"extras": None, "description": description, "user_id": post["user_id"]}
            for description, post in zip(descriptions, posters, strict=False)
        ],
    }


def _later_than(topic: Mapping[str, Any]) -> str:
    """A Discourse timestamp for now, strictly after the topic's last activity.

    Sample data may carry timestamps later than the test machine's clock; a
    bump must still move the topic forward, or incremental crawls miss it.
    """
    now = datetime.now(UTC)
    last = topic.get("bumped_at") or topic.get("last_posted_at")
    if last:
        now = max(now, datetime.fromisoformat(last) + timedelta(milliseconds=1))
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
