"""A response over the venue's size limit is dropped, logged, counted, and the crawl goes on.

The real crawl child (``candor crawl``'s) reads the sample forum plus one invented topic whose
first post is far larger than the venue's ``max_page_bytes``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from candor import stages
from candor.sample_forum import SampleForum, load_topics
from corpus import models as m
from corpus.settings import Settings
from corpus.store import Store

TOPICS = 6
LIMIT = 100_000  # bytes; every sample page is well under it
OVERSIZED = 999_001


def oversized_topic(template: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` under a new id, its first post padded to three times ``LIMIT``."""
    topic = copy.deepcopy(template)
    topic["id"] = OVERSIZED
    first = topic["post_stream"]["posts"][0]
    first["cooked"] = "<p>" + "Still broken after the update. " * (3 * LIMIT // 30) + "</p>"
    for post in topic["post_stream"]["posts"]:
        post["topic_id"] = OVERSIZED
        post["id"] += OVERSIZED * 100
    topic["post_stream"]["stream"] = [p["id"] for p in topic["post_stream"]["posts"]]
    return topic


def test_crawl_limits_drop_an_oversized_topic_and_crawl_the_rest(
    sample_data: Path, make_settings: Callable[..., Settings]
) -> None:
    topics = load_topics(sample_data, limit=TOPICS)
    with SampleForum([*topics, oversized_topic(topics[0])], chunk_size=20) as forum:
        venue = {
            "name": "sample",
            "url": forum.base_url,
            "allow_private_address": True,
            "max_page_bytes": LIMIT,
        }
        settings = make_settings(venues=[venue])
        stages.init(settings)
        (report,) = stages.crawl(settings)
        topic_url = f"{forum.base_url}/t/{OVERSIZED}.json"
    assert report.stats["failures"] == {"too_large": 1}
    assert report.stats["failed"] == 1 and report.stats["new"] == TOPICS
    assert report.log_file is not None
    log = report.log_file.read_text(encoding="utf-8")
    assert f"Skipped {topic_url}:" in log and "(too_large)" in log
    store = Store(settings.store)
    with store.session() as session:
        saved = set(session.scalars(select(m.Thread.source_id)))
    store.dispose()
    assert saved == {str(t["id"]) for t in topics}
