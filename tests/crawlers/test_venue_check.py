"""``candor venue check`` tells a Discourse forum by its generator and /site.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from candor.sample_forum import SampleForum, load_topics
from corpus.errors import ConfigError
from crawlers.venue_check import check_venue


def test_venue_check_detects_discourse_and_reads_robots_txt(sample_data: Path) -> None:
    robots = "User-agent: *\nCrawl-delay: 2\nDisallow: /admin\n"
    with SampleForum(load_topics(sample_data, limit=3), robots_txt=robots) as forum:
        found = check_venue(forum.base_url + "/", "CandorTest/1", allow_private=True)
        base = forum.base_url
    assert found.platform == "discourse" and found.robots_found and found.allowed
    assert found.crawl_delay == 2.0
    assert found.advice[0] == f"platform: discourse\nurl: {base}"


def test_venue_check_refuses_private_addresses_unless_allowed(sample_data: Path) -> None:
    with SampleForum(load_topics(sample_data, limit=1)) as forum, pytest.raises(ConfigError):
        check_venue(forum.base_url, "CandorTest/1")
