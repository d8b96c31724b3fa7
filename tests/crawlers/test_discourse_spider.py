"""The Discourse spider crawls a real (local) Discourse over HTTP into whole threads.

Each crawl runs in a child interpreter (:mod:`tests.crawlers.discourse_crawl`); the forum
runs in this one, so tests can read its request counters and change it between crawls.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from candor.sample_forum import Faults, SampleForum, load_topics
from tests.crawlers.discourse_crawl import CHUNK, Crawl, crawl, fingerprints

TOPICS = 15
LONG_TOPIC = 2744  # 20 known posts: 5 embedded, 15 through three posts.json chunks
ACCEPTED_TOPIC = 74676  # has an accepted answer
PAGE_SIZE = 4  # 15 topics → 4 listing pages


@pytest.fixture(scope="module")
def topics(sample_data: Path) -> list[dict[str, Any]]:
    """The 15 most recently active sample topics."""
    return load_topics(sample_data, limit=TOPICS)


@pytest.fixture(scope="module")
def shared_forum(topics: list[dict[str, Any]]) -> Iterator[SampleForum]:
    """An unchanging forum, shared by the tests that only read it."""
    with SampleForum(topics, chunk_size=CHUNK, page_size=PAGE_SIZE) as forum:
        yield forum


@pytest.fixture(scope="module")
def first_crawl(shared_forum: SampleForum, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """A full crawl of the shared forum with an empty corpus."""
    return crawl(shared_forum, tmp_path_factory.mktemp("first"))


def test_discourse_spider_emits_every_topic_once_with_all_its_posts_in_order(
    first_crawl: Crawl, topics: list[dict[str, Any]]
) -> None:
    assert sorted(t.source_id for t in first_crawl.threads) == sorted(str(t["id"]) for t in topics)
    for source in topics:
        thread = first_crawl.by_id[str(source["id"])]
        expected = [str(p["id"]) for p in source["post_stream"]["posts"]]
        assert [p.source_id for p in thread.posts] == expected, source["id"]
        assert [p.number for p in thread.posts] == sorted(p.number for p in thread.posts)
    assert len(first_crawl.by_id[str(LONG_TOPIC)].posts) == 20
    assert first_crawl.requests["posts"] > 0
    assert first_crawl.stats["candor/threads_emitted"] == TOPICS
    assert "candor/items_failed" not in first_crawl.stats


def test_discourse_spider_maps_authors_groups_and_accepted_answers(
    first_crawl: Crawl, topics: list[dict[str, Any]]
) -> None:
    source_posts = {str(p["id"]): p for t in topics for p in t["post_stream"]["posts"]}
    staff = []
    for post in (p for t in first_crawl.threads for p in t.posts):
        source = source_posts[post.source_id]
        assert post.author.username == source["username"]
        assert post.author.source_id == str(source["user_id"])
        assert post.is_accepted_answer == source["accepted_answer"]
        if source["primary_group_name"] == "signal_staff":
            staff.append(post.author)
    assert staff
    assert all("signal_staff" in a.groups and a.username.endswith("-signal") for a in staff)
    answers = [p for p in first_crawl.by_id[str(ACCEPTED_TOPIC)].posts if p.is_accepted_answer]
    assert len(answers) == 1


def test_discourse_spider_skips_topics_the_corpus_already_holds(
    shared_forum: SampleForum, first_crawl: Crawl, tmp_path: Path
) -> None:
    again = crawl(shared_forum, tmp_path, known=fingerprints(first_crawl.threads))
    assert again.threads == []
    assert again.stats["candor/threads_skipped_unchanged"] == TOPICS
    assert first_crawl.requests["topic"] == TOPICS
    assert again.requests["topic"] == 0
    assert again.requests["posts"] == 0
    assert again.requests["latest"] == first_crawl.requests["latest"] == 4


def test_discourse_spider_refetches_only_the_topic_with_an_edited_post(
    topics: list[dict[str, Any]], first_crawl: Crawl, tmp_path: Path
) -> None:
    with SampleForum(topics, chunk_size=CHUNK, page_size=PAGE_SIZE) as forum:
        twelfth = next(t for t in topics if t["id"] == LONG_TOPIC)["post_stream"]["posts"][11]
        forum.edit_post(LONG_TOPIC, twelfth["id"], "<p>Fixed in 7.2.</p>")
        edited = crawl(forum, tmp_path, known=fingerprints(first_crawl.threads))
    assert [t.source_id for t in edited.threads] == [str(LONG_TOPIC)]
    post = edited.threads[0].posts[11]
    assert (post.number, post.html) == (12, "<p>Fixed in 7.2.</p>")
    assert len(edited.threads[0].posts) == 20
    assert edited.requests["topic"] == 1


def test_discourse_spider_counts_a_malformed_topic_and_crawls_the_rest(
    topics: list[dict[str, Any]], tmp_path: Path
) -> None:
    faults = Faults(malformed_topics=frozenset({ACCEPTED_TOPIC}))
    with SampleForum(topics, chunk_size=CHUNK, page_size=PAGE_SIZE, faults=faults) as forum:
        result = crawl(forum, tmp_path)
        topic_url = f"{forum.base_url}/t/{ACCEPTED_TOPIC}.json"
    assert len(result.threads) == TOPICS - 1
    assert str(ACCEPTED_TOPIC) not in result.by_id
    assert result.stats["candor/items_failed"] == 1
    assert result.stats["candor/failed/malformed_json"] == 1
    assert f"Skipped {topic_url}: topic {ACCEPTED_TOPIC} is not valid JSON" in result.log


def test_discourse_spider_honours_retry_after_for_the_whole_forum_and_completes(
    topics: list[dict[str, Any]], tmp_path: Path
) -> None:
    faults = Faults(rate_limit_every=12, retry_after="1")
    with SampleForum(topics, chunk_size=CHUNK, page_size=PAGE_SIZE, faults=faults) as forum:
        result = crawl(forum, tmp_path)
        log = forum.request_log
    refusals = [entry for entry in log if entry.status == 429]
    assert refusals and result.stats["candor/rate_limited"] == len(refusals)
    for refusal in refusals:
        later = [e for e in log if e.at > refusal.at]
        retried = next(e for e in later if e.path == refusal.path)
        assert retried.at - refusal.at >= 0.95, refusal.path
        # Only requests already past the gate when the 429 was read may arrive early: at
        # most the crawl's concurrency (4); without the gate it would be most of the crawl.
        assert sum(1 for e in later if e.at - refusal.at < 0.9) <= 4
    assert len(result.threads) == TOPICS
    assert "candor/items_failed" not in result.stats


def test_discourse_spider_obeys_crawl_delay(topics: list[dict[str, Any]], tmp_path: Path) -> None:
    robots = "User-agent: *\nCrawl-delay: 0.4\nDisallow: /admin\n"
    with SampleForum(topics, chunk_size=CHUNK, page_size=PAGE_SIZE, robots_txt=robots) as forum:
        result = crawl(forum, tmp_path, max_threads=2)
        starts = [e.at for e in forum.request_log if e.path != "/robots.txt"]
    assert result.stats["candor/crawl_delay"] == 0.4
    gaps = [b - a for a, b in pairwise(starts)]
    assert len(gaps) >= 3 and min(gaps) >= 0.35


def test_discourse_spider_maps_categories_tags_and_likes(
    first_crawl: Crawl, topics: list[dict[str, Any]]
) -> None:
    source_posts = {str(p["id"]): p for t in topics for p in t["post_stream"]["posts"]}
    for thread in first_crawl.threads:
        source = next(t for t in topics if str(t["id"]) == thread.source_id)
        assert thread.category == f"Category {source['category_id']}"
        assert list(thread.tags) == [
            tag if isinstance(tag, str) else tag["name"] for tag in source.get("tags") or ()
        ]
    likes = {p.source_id: p.likes for t in first_crawl.threads for p in t.posts}
    expected = {
        post_id: sum(a.get("count", 0) for a in p["actions_summary"] if a.get("id") == 2)
        for post_id, p in source_posts.items()
    }
    assert likes == expected and any(likes.values())


def test_discourse_spider_incremental_recrawl_stops_at_the_first_settled_page(
    shared_forum: SampleForum, first_crawl: Crawl, tmp_path: Path
) -> None:
    # Every topic was bumped before the last crawl began: page 0 settles the question.
    since = datetime.now(UTC).isoformat()
    again = crawl(
        shared_forum,
        tmp_path,
        known=fingerprints(first_crawl.threads),
        spider_args={"since": since},
    )
    assert again.threads == []
    assert again.requests["latest"] == 1 and again.requests["topic"] == 0
    assert again.stats["candor/listing_stopped_early"] == 1
    assert again.stats["candor/listing_complete"] == 1
    first_total = sum(first_crawl.requests.values())
    ratio = sum(again.requests.values()) / first_total
    print(f"incremental recrawl: {sum(again.requests.values())}/{first_total} = {ratio:.3f}")
    assert ratio < 0.1


def test_discourse_spider_incremental_recrawl_finds_a_bumped_topic_then_stops(
    topics: list[dict[str, Any]], first_crawl: Crawl, tmp_path: Path
) -> None:
    since = datetime.now(UTC).isoformat()
    oldest = min(topics, key=lambda t: t.get("bumped_at") or t["last_posted_at"])["id"]
    with SampleForum(topics, chunk_size=CHUNK, page_size=PAGE_SIZE) as forum:
        forum.add_post(oldest, {"username": "alice", "user_id": 1, "cooked": "<p>Still?</p>"})
        again = crawl(
            forum, tmp_path, known=fingerprints(first_crawl.threads), spider_args={"since": since}
        )
    assert [t.source_id for t in again.threads] == [str(oldest)]
    # The bumped topic now leads page 0, and page 1 is entirely older and unchanged.
    assert again.requests["latest"] == 2


def test_discourse_spider_full_crawl_confirms_deleted_topics_and_posts(
    topics: list[dict[str, Any]], first_crawl: Crawl, tmp_path: Path
) -> None:
    gone_topic = topics[5]["id"]
    long_topic = next(t for t in topics if t["id"] == LONG_TOPIC)
    deleted_post = long_topic["post_stream"]["posts"][7]["id"]
    with SampleForum(topics, chunk_size=CHUNK, page_size=PAGE_SIZE) as forum:
        forum.delete_topic(gone_topic)
        forum.delete_post(LONG_TOPIC, deleted_post)
        forum.add_post(LONG_TOPIC, {"username": "bob", "user_id": 2, "cooked": "<p>Bump</p>"})
        known = fingerprints(first_crawl.threads)
        incremental = crawl(forum, tmp_path / "inc", known=known)
        full = crawl(forum, tmp_path / "full", known=known, spider_args={"full": True})
    # Absent from the listing is not enough: only the full crawl asks, and the forum says 404.
    assert incremental.gone == {}
    assert full.gone == {str(gone_topic): 404}
    assert full.stats["candor/gone_checked"] == 1
    (refetched,) = full.threads
    assert refetched.source_id == str(LONG_TOPIC)
    assert str(deleted_post) not in {p.source_id for p in refetched.posts}


def test_discourse_spider_counts_bad_input_by_reason_and_crawls_the_rest(
    topics: list[dict[str, Any]], tmp_path: Path
) -> None:
    truncated, html, latin1 = topics[1]["id"], topics[2]["id"], topics[4]["id"]
    faults = Faults(
        truncated_topics=frozenset({truncated}),
        html_topics=frozenset({html}),
        bad_encoding_topics=frozenset({latin1}),
    )
    with SampleForum(topics, chunk_size=CHUNK, page_size=PAGE_SIZE, faults=faults) as forum:
        result = crawl(forum, tmp_path, settings={"RETRY_TIMES": 1})
        base = forum.base_url
    assert len(result.threads) == TOPICS - 3
    assert result.stats["candor/items_failed"] == 3
    for reason, topic_id in (
        ("truncated", truncated),
        ("unexpected_html", html),
        ("bad_encoding", latin1),
    ):
        assert result.stats[f"candor/failed/{reason}"] == 1
        assert f"Skipped {base}/t/{topic_id}.json" in result.log
        assert f"({reason})" in result.log


def test_discourse_spider_sends_the_api_key_only_when_configured(
    topics: list[dict[str, Any]], tmp_path: Path
) -> None:
    with SampleForum(topics, chunk_size=CHUNK, page_size=PAGE_SIZE) as forum:
        crawl(forum, tmp_path, max_threads=2, spider_args={"api_key": "k3y", "api_username": "c"})
        log = forum.request_log
    api = [e for e in log if e.path != "/robots.txt"]
    assert api and all((e.api_key, e.api_username) == ("k3y", "c") for e in api)
    assert all(e.user_agent == "CandorTest/1" for e in log)


def test_discourse_spider_refuses_a_private_address_unless_the_venue_allows_it(
    shared_forum: SampleForum, tmp_path: Path
) -> None:
    venue = {"name": "sample", "url": shared_forum.base_url, "allow_private_address": False}
    before = shared_forum.request_count
    result = crawl(shared_forum, tmp_path, settings={"CANDOR_VENUE": venue})
    assert shared_forum.request_count == before
    assert result.threads == []
    assert result.stats["candor/blocked/private_address"] >= 1
    assert "resolves to the non-public address" in result.log


def test_discourse_spider_obeys_robots_txt(topics: list[dict[str, Any]], tmp_path: Path) -> None:
    robots = "User-agent: *\nDisallow: /t/\n"
    with SampleForum(topics, chunk_size=CHUNK, page_size=PAGE_SIZE, robots_txt=robots) as forum:
        result = crawl(forum, tmp_path)
    assert result.threads == []
    assert result.requests["topic"] == 0
    assert result.stats["robotstxt/forbidden"] == TOPICS
    assert "candor/items_failed" not in result.stats


def test_discourse_spider_stops_after_max_threads(
    shared_forum: SampleForum, tmp_path: Path
) -> None:
    result = crawl(shared_forum, tmp_path, max_threads=6)
    assert len(result.threads) == 6
    assert result.requests["latest"] == 2
