"""The address a crawl connects to is checked, not only the one SafetyMiddleware looked up.

A rebinding host answers SafetyMiddleware's lookup with a public address and the connection's
lookup with 127.0.0.1. Here SafetyMiddleware is switched off, as if it had been fooled so, and
the forum is reached as ``localhost`` (which resolves to 127.0.0.1): only the resolver Scrapy
connects through stands between the crawl and the loopback address.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from candor.sample_forum import SampleForum, load_topics
from tests.crawlers.discourse_crawl import CHUNK, crawl

WITHOUT_SAFETY_MIDDLEWARE = {
    "crawlers.middlewares.SafetyMiddleware": None,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.PolitenessMiddleware": 100,
}


@pytest.fixture(scope="module")
def topics(sample_data: Path) -> list[dict[str, Any]]:
    return load_topics(sample_data, limit=3)


@pytest.mark.parametrize("allow_private", [False, True])
def test_resolver_refuses_loopback_unless_the_venue_allows_it(
    topics: list[dict[str, Any]], tmp_path: Path, allow_private: bool
) -> None:
    with SampleForum(topics, chunk_size=CHUNK) as forum:
        url = forum.base_url.replace("127.0.0.1", "localhost")
        venue = {"name": "sample", "url": url, "allow_private_address": allow_private}
        settings = {"CANDOR_VENUE": venue, "DOWNLOADER_MIDDLEWARES": WITHOUT_SAFETY_MIDDLEWARE}
        result = crawl(forum, tmp_path, base_url=url, settings=settings)
        reached = forum.request_count
    refusal = "Refused to connect to localhost: it resolves to the non-public address 127.0.0.1"
    if allow_private:
        assert len(result.threads) == len(topics)
        assert refusal not in result.log
    else:
        assert reached == 0
        assert result.threads == []
        assert refusal in result.log
