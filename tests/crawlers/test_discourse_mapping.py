"""Discourse JSON becomes corpus records; bad JSON fails with a reason."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from corpus.records import activity_fingerprint
from crawlers.discourse_mapping import (
    ListedTopic,
    MappingError,
    author_record,
    chunked,
    failure_detail,
    failure_reason,
    listed_topics,
    missing_post_ids,
    next_page_url,
    parse_json,
    parse_timestamp,
    post_record,
    posts_url,
    thread_record,
    topic_header,
)

BASE = "https://forum.example"


def post(number: int = 1, **overrides: Any) -> dict[str, Any]:
    """A post as ``/t/{id}.json`` serves it (the fields the mapping reads, and some it does not)."""
    return {
        "id": 1000 + number,
        "name": "Trevor Biller",
        "username": "trevor-signal",
        "created_at": "2026-02-13T10:00:00.000Z",
        "updated_at": "2026-02-13T11:00:00.000Z",
        "cooked": f"<p>Post {number}</p>",
        "post_number": number,
        "post_type": 1,
        "reply_to_post_number": None,
        "primary_group_name": "signal_staff",
        "flair_name": "signal_staff",
        "moderator": False,
        "admin": True,
        "staff": True,
        "user_id": 25011,
        "deleted_at": None,
        "accepted_answer": False,
        "actions_summary": [{"id": 2, "count": 3}, {"id": 3, "count": 1, "hidden": True}],
        "reads": 10,
        **overrides,
    }


def topic(posts: list[dict[str, Any]], stream: list[int] | None = None, **overrides: Any) -> Any:
    """A ``/t/{id}.json`` document around ``posts``."""
    return {
        "id": 7,
        "title": "Backups on iOS",
        "slug": "backups-on-ios",
        "category_id": 17,
        "created_at": "2026-02-13T10:00:00.000Z",
        "last_posted_at": "2026-02-13T12:00:00.000Z",
        "highest_post_number": len(posts),
        "post_stream": {"posts": posts, "stream": stream or [p["id"] for p in posts]},
        "suggested_topics": [{"id": 8}],
        **overrides,
    }


def listing(*items: dict[str, Any], more: str | None = None) -> dict[str, Any]:
    """A ``/latest.json`` page."""
    topic_list: dict[str, Any] = {"per_page": 30, "topics": list(items)}
    if more:
        topic_list["more_topics_url"] = more
    return {"users": [], "topic_list": topic_list}


def test_parse_timestamp_reads_discourse_utc_stamps() -> None:
    assert parse_timestamp("2026-02-13T10:00:00.123Z") == datetime(
        2026, 2, 13, 10, 0, 0, 123000, tzinfo=UTC
    )
    assert parse_timestamp(None) is None
    assert parse_timestamp("") is None


def test_listed_topics_prefer_bumped_at_for_the_fingerprint() -> None:
    page = listing(
        {"id": 7, "slug": "a", "highest_post_number": 3, "last_posted_at": "2026-01-01T00:00:00Z"},
        {
            "id": 8,
            "slug": "b",
            "highest_post_number": 9,
            "last_posted_at": "2026-01-01T00:00:00Z",
            "bumped_at": "2026-01-02T00:00:00Z",
        },
    )
    first, second = listed_topics(page)
    assert first.fingerprint == activity_fingerprint(3, parse_timestamp("2026-01-01T00:00:00Z"))
    assert second.last_activity_at == parse_timestamp("2026-01-02T00:00:00Z")


@pytest.mark.parametrize(
    ("more", "expected"),
    [
        ("/latest?page=1", f"{BASE}/latest.json?page=1"),
        ("/latest?no_definitions=true&page=2", f"{BASE}/latest.json?no_definitions=true&page=2"),
        ("/c/support/5/l/latest?page=1", f"{BASE}/c/support/5/l/latest.json?page=1"),
        (None, None),
    ],
)
def test_next_page_url_turns_more_topics_url_into_json(more: str | None, expected: str) -> None:
    assert next_page_url(BASE + "/", listing(more=more)) == expected


def test_missing_post_ids_keeps_stream_order() -> None:
    doc = topic([post(1), post(2)], stream=[1001, 1002, 1005, 1003])
    assert missing_post_ids(doc) == [1005, 1003]


def test_chunked_and_posts_url_ask_like_discourse_does() -> None:
    assert chunked([1, 2, 3], 2) == [[1, 2], [3]]
    assert posts_url(BASE, 7, [1, 2]) == f"{BASE}/t/7/posts.json?post_ids[]=1&post_ids[]=2"
    with pytest.raises(ValueError, match="at least 1"):
        chunked([1], 0)


def test_author_record_maps_groups_flair_and_staff_flags() -> None:
    author = author_record(post(flair_name="top_contributors"))
    assert author.source_id == "25011"
    assert author.display_name == "Trevor Biller"
    assert author.groups == ("signal_staff", "top_contributors")
    assert author.flair == "top_contributors"
    assert (author.is_admin, author.is_moderator, author.source_staff_flag) == (True, False, True)


def test_author_record_keeps_a_shared_group_once_and_falls_back_to_username() -> None:
    author = author_record(post(user_id=None, name="", primary_group_name=None))
    assert author.source_id == "trevor-signal"
    assert author.display_name is None
    assert author.groups == ("signal_staff",)


def test_post_record_maps_likes_answer_reply_and_permalink() -> None:
    record = post_record(
        post(3, accepted_answer=True, reply_to_post_number=2, deleted_at="2026-02-14T00:00:00Z"),
        base_url=BASE,
        slug="backups-on-ios",
        topic_id=7,
    )
    assert record.source_id == "1003"
    assert record.url == f"{BASE}/t/backups-on-ios/7/3"
    assert record.likes == 3
    assert record.is_accepted_answer
    assert record.reply_to_number == 2
    assert record.deleted
    assert record.html == "<p>Post 3</p>"


def test_thread_record_sorts_posts_and_drops_duplicates() -> None:
    doc = topic([post(1), post(2)])
    record = thread_record(doc, [post(3), post(1), post(2), post(3)], base_url=BASE)
    assert [p.number for p in record.posts] == [1, 2, 3]
    assert record.url == f"{BASE}/t/backups-on-ios/7"
    assert record.category == "17"
    assert record.last_activity_at == parse_timestamp("2026-02-13T12:00:00.000Z")


def test_thread_record_takes_activity_from_the_listing() -> None:
    listed = ListedTopic(7, "backups-on-ios", 12, parse_timestamp("2026-03-01T00:00:00Z"))
    record = thread_record(topic([post(1)]), [post(1)], base_url=BASE, listed=listed)
    fingerprint = activity_fingerprint(record.highest_post_number, record.last_activity_at)
    assert fingerprint == listed.fingerprint


@pytest.mark.parametrize(
    "tags", [["ios", "backup"], [{"id": 1, "name": "ios"}, {"name": "backup"}]]
)
def test_thread_record_reads_tags_as_strings_or_objects(tags: list[Any]) -> None:
    record = thread_record(topic([post(1)], tags=tags), [post(1)], base_url=BASE)
    assert record.tags == ("ios", "backup")


def test_topic_header_keeps_what_a_thread_needs_without_posts() -> None:
    header = topic_header(topic([post(1)]))
    assert "post_stream" not in header
    assert "suggested_topics" not in header
    assert thread_record(header, [post(1)], base_url=BASE).title == "Backups on iOS"


def test_parse_json_failure_is_a_mapping_error_with_a_reason() -> None:
    with pytest.raises(MappingError) as caught:
        parse_json('{"post_stream": {"po', "topic 7")
    assert failure_reason(caught.value) == "malformed_json"
    assert "topic 7 is not valid JSON" in str(caught.value)


def test_failure_reason_and_detail_name_missing_keys() -> None:
    with pytest.raises(KeyError) as caught:
        post_record(_without(post(), "cooked"), base_url=BASE, slug="s", topic_id=7)
    assert failure_reason(caught.value) == "missing_key"
    assert failure_detail(caught.value) == "missing key 'cooked'"


def test_failure_reason_and_detail_name_invalid_records() -> None:
    with pytest.raises(ValidationError) as caught:
        post_record(post(0), base_url=BASE, slug="s", topic_id=7)
    assert failure_reason(caught.value) == "invalid_record"
    assert failure_detail(caught.value).startswith("1 invalid field(s) in PostRecord, first number")


def test_failure_reason_for_unexpected_shapes() -> None:
    with pytest.raises(TypeError) as caught:
        listed_topics({"topic_list": {"topics": [None]}})
    assert failure_reason(caught.value) == "unexpected_shape"


def test_thread_record_maps_a_real_sample_topic(sample_data: Path) -> None:
    with gzip.open(sample_data, "rt", encoding="utf-8") as lines:
        doc = next(t for t in map(json.loads, lines) if t["id"] == 74676)
    record = thread_record(doc, doc["post_stream"]["posts"], base_url=BASE)
    assert len(record.posts) == 4
    assert sum(p.is_accepted_answer for p in record.posts) == 1
    assert record.posts[0].author.username == doc["post_stream"]["posts"][0]["username"]


def _without(mapping: dict[str, Any], key: str) -> dict[str, Any]:
    """A copy of ``mapping`` lacking ``key``."""
    return {k: v for k, v in mapping.items() if k != key}
