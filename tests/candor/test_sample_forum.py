"""The sample forum answers like a Discourse site, over real HTTP."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from candor.sample_forum import Faults, SampleDataError, SampleForum, load_topics

LONG_TOPIC = 2744  # 20 posts in the file, 133 ids in its original stream
ACCEPTED_TOPIC = 74676  # 4 posts, one accepted answer


@pytest.fixture(scope="module")
def topics(sample_data: Path) -> list[dict[str, Any]]:
    """The 15 most recently active sample topics."""
    return load_topics(sample_data, limit=15)


@pytest.fixture
def forum(topics: list[dict[str, Any]]) -> Iterator[SampleForum]:
    """A running forum embedding 5 posts per topic and listing 4 topics per page."""
    with SampleForum(topics, chunk_size=5, page_size=4) as forum:
        yield forum


def fetch(url: str) -> tuple[int, Message, bytes]:
    """GET ``url``; return status, headers and body, also for error statuses."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def fetch_json(url: str) -> Any:
    """GET ``url``, insisting on a 200 with Discourse's JSON content type."""
    status, headers, body = fetch(url)
    assert status == 200, (url, status, body[:200])
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(body)


def write_gz_lines(path: Path, lines: list[str]) -> Path:
    """Write ``lines`` as a gzipped text file."""
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    return path


def test_load_topics_limit_keeps_most_recently_active(
    sample_data: Path, topics: list[dict[str, Any]]
) -> None:
    everything = load_topics(sample_data)
    newest = sorted(everything, key=lambda t: t["last_posted_at"], reverse=True)[:15]
    assert len(everything) == 983
    assert [t["id"] for t in topics] == [t["id"] for t in newest]


def test_load_topics_names_file_and_line_of_a_bad_line(tmp_path: Path) -> None:
    good = json.dumps({"id": 1, "post_stream": {"posts": [], "stream": []}})
    path = write_gz_lines(tmp_path / "topics.jsonl.gz", [good, good, '{"id": 3, "post_str'])
    with pytest.raises(SampleDataError, match=r"topics\.jsonl\.gz:3: not valid JSON"):
        load_topics(path)


def test_load_topics_rejects_json_that_is_not_a_topic(tmp_path: Path) -> None:
    path = write_gz_lines(tmp_path / "topics.jsonl.gz", ['{"id": 1}'])
    with pytest.raises(ValueError, match=r":1: not a Discourse topic"):
        load_topics(path)


def test_load_topics_rejects_a_file_that_is_not_gzip(tmp_path: Path) -> None:
    path = tmp_path / "topics.jsonl.gz"
    path.write_text("{}\n")
    with pytest.raises(SampleDataError, match="not a readable gzip"):
        load_topics(path)


def test_sample_forum_latest_pages_follow_more_topics_url_newest_first(
    forum: SampleForum, topics: list[dict[str, Any]]
) -> None:
    listed: list[dict[str, Any]] = []
    url: str | None = f"{forum.base_url}/latest.json?page=0"
    pages = 0
    while url:
        page = fetch_json(url)
        pages += 1
        assert page["topic_list"]["per_page"] == 4
        listed += page["topic_list"]["topics"]
        more = page["topic_list"].get("more_topics_url")
        url = f"{forum.base_url}{more.replace('/latest?', '/latest.json?')}" if more else None
    assert pages == 4
    assert [t["id"] for t in listed] == [t["id"] for t in topics]
    bumped = [t["bumped_at"] for t in listed]
    assert bumped == sorted(bumped, reverse=True)
    assert {"id", "slug", "highest_post_number", "last_posted_at", "category_id"} <= set(listed[0])


def test_sample_forum_latest_names_users_of_listed_topics(forum: SampleForum) -> None:
    page = fetch_json(f"{forum.base_url}/latest.json")
    user_ids = {user["id"] for user in page["users"]}
    poster_ids = {p["user_id"] for t in page["topic_list"]["topics"] for p in t["posters"]}
    assert poster_ids <= user_ids


def test_sample_forum_topic_embeds_one_chunk_and_streams_known_posts(forum: SampleForum) -> None:
    topic = fetch_json(f"{forum.base_url}/t/{LONG_TOPIC}.json")
    assert [p["post_number"] for p in topic["post_stream"]["posts"]] == [1, 2, 3, 4, 5]
    assert len(topic["post_stream"]["stream"]) == 20  # the file's 20, not the forum's 133
    assert topic["chunk_size"] == 5
    with_slug = fetch_json(f"{forum.base_url}/t/{topic['slug']}/{LONG_TOPIC}.json")
    assert with_slug["post_stream"] == topic["post_stream"]


def test_sample_forum_posts_json_returns_requested_known_posts(forum: SampleForum) -> None:
    stream = fetch_json(f"{forum.base_url}/t/{LONG_TOPIC}.json")["post_stream"]["stream"]
    query = "&".join(f"post_ids[]={i}" for i in [stream[7], stream[6], 999_999_999])
    page = fetch_json(f"{forum.base_url}/t/{LONG_TOPIC}/posts.json?{query}")
    assert [p["id"] for p in page["post_stream"]["posts"]] == [stream[6], stream[7]]


def test_sample_forum_serves_robots_txt(topics: list[dict[str, Any]]) -> None:
    with SampleForum(topics, robots_txt="User-agent: *\nDisallow: /t/\n") as forum:
        status, headers, body = fetch(f"{forum.base_url}/robots.txt")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain")
    assert body == b"User-agent: *\nDisallow: /t/\n"


def test_sample_forum_default_robots_txt_keeps_admin_and_profiles_out(forum: SampleForum) -> None:
    body = fetch(f"{forum.base_url}/robots.txt")[2].decode()
    assert "Disallow: /admin" in body
    assert "Disallow: /u/" in body


@pytest.mark.parametrize("path", ["/nope", "/t/1.json", "/t/1/posts.json", "/c/x/424242.json"])
def test_sample_forum_unknown_resources_answer_404_json(forum: SampleForum, path: str) -> None:
    status, headers, body = fetch(forum.base_url + path)
    assert status == 404
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(body) == {"errors": ["The requested URL or resource could not be found."]}


def test_sample_forum_rate_limits_every_nth_request(topics: list[dict[str, Any]]) -> None:
    with SampleForum(topics, faults=Faults(rate_limit_every=3)) as forum:
        answers = [fetch(f"{forum.base_url}/latest.json") for _ in range(6)]
        statuses = forum.responses_by_status
    assert [status for status, _, _ in answers] == [200, 200, 429, 200, 200, 429]
    assert answers[2][1]["Retry-After"] == "1"
    assert statuses == {200: 4, 429: 2}


def test_sample_forum_serves_malformed_topics_truncated(topics: list[dict[str, Any]]) -> None:
    with SampleForum(topics, faults=Faults(malformed_topics=frozenset({LONG_TOPIC}))) as forum:
        status, _, body = fetch(f"{forum.base_url}/t/{LONG_TOPIC}.json")
        healthy = fetch_json(f"{forum.base_url}/t/{ACCEPTED_TOPIC}.json")
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert healthy["id"] == ACCEPTED_TOPIC


def test_sample_forum_edit_post_changes_html_and_bumps_topic(forum: SampleForum) -> None:
    before = fetch_json(f"{forum.base_url}/t/{ACCEPTED_TOPIC}.json")
    second = before["post_stream"]["posts"][1]
    forum.edit_post(ACCEPTED_TOPIC, second["id"], "<p>Edited.</p>")
    after = fetch_json(f"{forum.base_url}/t/{ACCEPTED_TOPIC}.json")
    edited = after["post_stream"]["posts"][1]
    assert edited["cooked"] == "<p>Edited.</p>"
    assert edited["updated_at"] > second["updated_at"]
    first_listed = fetch_json(f"{forum.base_url}/latest.json")["topic_list"]["topics"][0]
    assert first_listed["id"] == ACCEPTED_TOPIC
    assert first_listed["bumped_at"] > before["last_posted_at"]


def test_sample_forum_add_post_extends_the_stream(forum: SampleForum) -> None:
    stored = forum.add_post(ACCEPTED_TOPIC, {"username": "newbie", "cooked": "<p>Thanks!</p>"})
    topic = fetch_json(f"{forum.base_url}/t/{ACCEPTED_TOPIC}.json")
    assert topic["post_stream"]["stream"][-1] == stored["id"]
    assert topic["highest_post_number"] == stored["post_number"]
    listed = fetch_json(f"{forum.base_url}/latest.json")["topic_list"]["topics"][0]
    assert (listed["id"], listed["highest_post_number"]) == (ACCEPTED_TOPIC, stored["post_number"])


def test_sample_forum_deleted_topic_is_gone_everywhere(forum: SampleForum) -> None:
    forum.delete_topic(ACCEPTED_TOPIC)
    assert fetch(f"{forum.base_url}/t/{ACCEPTED_TOPIC}.json")[0] == 404
    listed = []
    for page in range(4):
        listed += fetch_json(f"{forum.base_url}/latest.json?page={page}")["topic_list"]["topics"]
    assert ACCEPTED_TOPIC not in {t["id"] for t in listed}
    assert len(listed) == 14


def test_sample_forum_mutations_of_unknown_topics_raise_key_error(forum: SampleForum) -> None:
    with pytest.raises(KeyError, match="no topic 1"):
        forum.delete_topic(1)
    with pytest.raises(KeyError, match="has no post 1"):
        forum.edit_post(ACCEPTED_TOPIC, 1, "<p>x</p>")


def test_sample_forum_lists_categories_and_their_topics(
    forum: SampleForum, topics: list[dict[str, Any]]
) -> None:
    categories = fetch_json(f"{forum.base_url}/categories.json")["category_list"]["categories"]
    seven = next(c for c in categories if c["id"] == 7)
    assert (seven["name"], seven["slug"]) == ("Category 7", "category-7")
    assert sum(c["topic_count"] for c in categories) == len(topics)
    page = fetch_json(f"{forum.base_url}/c/category-7/7.json")
    expected = [t["id"] for t in topics if t["category_id"] == 7]
    assert [t["id"] for t in page["topic_list"]["topics"]] == expected


def test_sample_forum_counts_requests_by_path_kind(forum: SampleForum) -> None:
    for path in ["/robots.txt", "/latest.json", "/latest.json?page=1", f"/t/{LONG_TOPIC}.json"]:
        fetch(forum.base_url + path)
    fetch(f"{forum.base_url}/t/{LONG_TOPIC}/posts.json?post_ids[]=1")
    fetch(f"{forum.base_url}/missing")
    assert forum.request_count == 6
    assert forum.requests_by_path_kind == {
        "robots": 1,
        "latest": 2,
        "topic": 1,
        "posts": 1,
        "not_found": 1,
    }


def test_sample_forum_wait_idle_counts_a_request_its_client_gave_up_on(
    topics: list[dict[str, Any]],
) -> None:
    """A killed crawler's last request is answered after it died; wait_idle waits for it."""
    with SampleForum(topics, faults=Faults(latency=0.3)) as forum:
        with pytest.raises((TimeoutError, urllib.error.URLError)):
            urllib.request.urlopen(f"{forum.base_url}/latest.json", timeout=0.05)
        assert forum.request_count == 0  # still being answered
        forum.wait_idle()
        assert forum.request_count == 1


def test_sample_forum_stop_releases_the_port(topics: list[dict[str, Any]]) -> None:
    forum = SampleForum(topics)
    base_url = forum.start()
    forum.stop()
    forum.stop()  # twice is harmless
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base_url}/latest.json", timeout=2)
