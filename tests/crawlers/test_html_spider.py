"""The HTML spider crawls a real django-spirit forum with the shipped ``spirit`` profile.

Spirit runs as ``manage.py runserver`` (fixture ``spirit_forum``); crawls go through
``candor.stages.crawl``, the child process and the corpus, as ``candor crawl`` does.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from candor import stages
from corpus import models as m
from corpus.settings import Settings
from corpus.store import Store
from crawlers.venue_check import check_venue
from tests.crawlers.spirit_forum import LONG_TOPIC_COMMENTS, TOPICS, SpiritForum

pytestmark = pytest.mark.timeout(300)
TOPICS_ON_FIRST_PAGE = 5  # Spirit is configured for five topics per list page


def spirit_settings(make_settings: Callable[..., Settings], forum: SpiritForum) -> Settings:
    return make_settings(
        venues=[
            {
                "name": "acme-spirit",
                "platform": "html",
                "profile": "spirit",
                "url": forum.base_url,
                "allow_private_address": True,
                "staff": {"admins_are_staff": True, "moderators_are_staff": True},
            }
        ]
    )


def test_html_spider_crawls_spirit_threads_pages_authors_and_staff(
    spirit_forum: SpiritForum, make_settings: Callable[..., Settings]
) -> None:
    settings = spirit_settings(make_settings, spirit_forum)
    stages.init(settings)
    (first,) = stages.crawl(settings)
    assert first.stats["new"] == TOPICS and first.stats["failed"] == 0
    store = Store(settings.store)
    with store.session() as session:
        threads = {t.title: t for t in session.scalars(select(m.Thread))}
        assert len(threads) == TOPICS  # two list pages of five
        long = threads["Linked device stops syncing #0"]
        # Three pages of comments, numbered as the forum numbers them.
        assert [p.number for p in long.posts] == list(range(1, LONG_TOPIC_COMMENTS + 1))
        assert long.posts[0].html == "<p>Reply 0 in topic 0</p>"
        assert long.source_category == "Desktop help"
        assert long.url == f"{spirit_forum.base_url}/topic/1/linked-device-stops-syncing-0/"
        assert long.posts[0].created_at.isoformat() == "2025-03-01T12:00:00+00:00"
        # The removed comment is not a post; the other two are.
        removed = threads["Linked device stops syncing #1"]
        assert [p.html for p in removed.posts] == [
            "<p>Reply 0 in topic 1</p>",
            "<p>Reply 2 in topic 1</p>",
        ]
        authors = {a.username: a for a in session.scalars(select(m.Author))}
        assert set(authors) == {"alice", "bob", "carol-acme", "dave-acme"}
        assert authors["carol-acme"].is_moderator and not authors["carol-acme"].is_admin
        assert authors["dave-acme"].is_admin
        assert not authors["alice"].is_moderator and not authors["alice"].is_admin

    # Unchanged forum: the first list page settles it.
    (again,) = stages.crawl(settings, full=False)
    assert again.stats["new"] == again.stats["changed"] == 0
    assert again.stats["skipped_unchanged"] == TOPICS_ON_FIRST_PAGE
    ratio = again.stats["pages"] / first.stats["pages"]
    print(f"spirit recrawl: {again.stats['pages']}/{first.stats['pages']} pages = {ratio:.2f}")
    assert ratio < 0.2

    # A topic removed by a moderator answers 404: a full crawl tombstones it.
    spirit_forum.django(
        "from spirit.topic.models import Topic; Topic.objects.filter(pk=7).update(is_removed=True)"
    )
    (full,) = stages.crawl(settings, full=True)
    assert full.stats["deleted"] == 1 and full.stats["gone_checked"] == 1
    with store.session() as session:
        gone = session.scalar(select(m.Thread).where(m.Thread.source_id == "7"))
        assert gone is not None and gone.deleted_at is not None
    store.dispose()


def test_venue_check_recognises_spirit_and_suggests_its_profile(spirit_forum: SpiritForum) -> None:
    found = check_venue(spirit_forum.base_url + "/", "CandorTest/1", allow_private=True)
    assert (found.platform, found.engine, found.profile) == ("html", "spirit", "spirit")
    assert not found.robots_found and found.allowed
    assert "profile: spirit" in found.advice[0]
