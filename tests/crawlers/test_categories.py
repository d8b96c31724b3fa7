"""A large Discourse forum crawled a few categories at a time.

The spider walks each named category's listing (``/c/{slug}/{id}.json``) instead of
``/latest.json``; a category crawl records its scope, and its start never becomes the watermark
of a crawl that covers more (which would skip the other categories' changed threads).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from candor import stages
from candor.sample_forum import SampleForum, load_topics
from corpus import models as m
from corpus.errors import InputError
from corpus.ingest import ensure_venue
from corpus.settings import Settings, VenueConfig
from corpus.store import Store
from crawlers.state import crawl_state
from tests.crawlers.discourse_crawl import CHUNK, crawl

TOPICS = 15
# Of the 15 most recent sample topics, 4 are in category 17 and 3 in category 7.
WANTED = {17: 4, 7: 3}


@pytest.fixture(scope="module")
def topics(sample_data: Path) -> list[dict[str, Any]]:
    return load_topics(sample_data, limit=TOPICS)


def in_categories(topics: list[dict[str, Any]], categories: set[int]) -> set[str]:
    return {str(t["id"]) for t in topics if t["category_id"] in categories}


def test_categories_spider_walks_only_the_named_listings(
    topics: list[dict[str, Any]], tmp_path: Path
) -> None:
    with SampleForum(topics, chunk_size=CHUNK, page_size=2) as forum:
        result = crawl(
            forum, tmp_path, spider_args={"categories": ["category-17", "7", "no-such-category"]}
        )
    assert set(result.by_id) == in_categories(topics, set(WANTED))
    assert result.requests["latest"] == 0
    # Two topics a page: category 17 lists 4 topics on 2 pages, category 7 lists 3 on 2.
    assert result.requests["category"] == 4
    # A category the forum does not have is counted, and the walk is not complete.
    assert result.stats["candor/failed/unknown_category"] == 1
    assert "the forum has no category 'no-such-category'" in result.log
    assert "candor/listing_complete" not in result.stats


def test_categories_are_refused_on_an_html_venue() -> None:
    with pytest.raises(ValidationError, match="`categories:` limits a Discourse crawl"):
        VenueConfig(
            name="acme",
            url="https://forum.acme.example",
            platform="html",
            profile="spirit",
            categories=["desktop"],
        )


def finished_run(store: Store, venue: VenueConfig, started_days_ago: int, scope: Any) -> None:
    """A complete, clean crawl run of ``venue`` limited to ``scope`` (None: whole forum)."""
    with store.session() as session:
        session.add(
            m.CrawlRun(
                venue_id=ensure_venue(session, venue).id,
                started_at=m.utcnow() - timedelta(days=started_days_ago),
                status="finished",
                stats={"complete": True, "failed": 0, "mode": "full", "scope": scope},
            )
        )


def watermark(store: Store, venue: VenueConfig) -> Any:
    with store.session() as session:
        return crawl_state(session, venue, ensure_venue(session, venue).id).since


def test_categories_crawl_never_becomes_the_whole_forums_watermark(store: Store) -> None:
    whole = VenueConfig(name="forum", url="https://forum.example")
    desktop = whole.model_copy(update={"categories": ["desktop"]})
    finished_run(store, whole, started_days_ago=3, scope=None)
    finished_run(store, desktop, started_days_ago=1, scope=["desktop"])
    days_ago = {
        name: round((m.utcnow() - watermark(store, venue)) / timedelta(days=1))
        for name, venue in (("whole", whole), ("desktop", desktop))
    }
    # The whole forum was last vouched for 3 days ago; the desktop category yesterday.
    assert days_ago == {"whole": 3, "desktop": 1}
    android = whole.model_copy(update={"categories": ["android"]})
    assert days_ago["whole"] == round((m.utcnow() - watermark(store, android)) / timedelta(days=1))


def sample_venue(
    forum: SampleForum, make_settings: Callable[..., Settings], categories: list[str]
) -> Settings:
    """Settings with one venue, the replayed forum crawled by ``categories``; store ready."""
    venue = {
        "name": "sample",
        "url": forum.base_url,
        "allow_private_address": True,
        "categories": categories,
    }
    settings = make_settings(venues=[venue])
    stages.init(settings)
    return settings


def saved_ids(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.scalars(select(m.Thread.source_id)))


def test_categories_venue_crawl_records_its_scope_and_saves_only_its_threads(
    topics: list[dict[str, Any]], make_settings: Callable[..., Settings]
) -> None:
    with SampleForum(topics, chunk_size=CHUNK, page_size=4) as forum:
        settings = sample_venue(forum, make_settings, ["category-17"])
        (report,) = stages.crawl(settings)
    assert report.status == "finished" and report.stats["complete"]
    assert report.stats["scope"] == ["category-17"]
    store = Store(settings.store)
    assert saved_ids(store) == in_categories(topics, {17})
    whole = settings.venues[0].model_copy(update={"categories": []})
    assert watermark(store, whole) is None
    store.dispose()


def test_categories_one_category_of_a_venue_is_crawled_alone(
    topics: list[dict[str, Any]], make_settings: Callable[..., Settings]
) -> None:
    """What a scheduler's per-category task runs: one scope, with its own watermark."""
    with SampleForum(topics, chunk_size=CHUNK, page_size=4) as forum:
        settings = sample_venue(forum, make_settings, ["category-17", "7"])
        (report,) = stages.crawl(settings, "sample", category="7")
        with pytest.raises(InputError, match=r"venue sample does not crawl category '12' \("):
            stages.crawl(settings, "sample", category="12")
        with pytest.raises(InputError, match="needs the venue it belongs to"):
            stages.crawl(settings, category="7")
    assert report.stats["scope"] == ["7"]
    store = Store(settings.store)
    assert saved_ids(store) == in_categories(topics, {7})
    both = settings.venues[0]
    seven = both.model_copy(update={"categories": ["7"]})
    assert watermark(store, seven) is not None and watermark(store, both) is None
    store.dispose()
