"""Run one venue's crawl in this process: ``python -m crawlers.run SPEC.json``.

Candor starts every crawl in a child process because Twisted's reactor cannot be restarted:
a CLI session, a test or an Airflow task may crawl many times. The spec file (written by
:func:`candor.stages.crawl`) names the store, the venue, the crawl run to report into and
whether the crawl is full (``true``/``false``, or ``null`` to let the schedule decide); the
result lands in the corpus and in the ``crawl_runs`` row, never on stdout.

Resuming needs nothing here: the state comes from the corpus (:mod:`crawlers.state`), so a
crawl killed at any moment, even with ``kill -9``, is resumed by running it again. A Discourse
API key is read from the environment variable the venue names (``api_key_env``), never from
the spec file.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.spiders import Spider

from corpus.errors import ConfigError
from corpus.ingest import ensure_venue
from corpus.settings import VenueConfig
from corpus.store import Store
from crawlers.html_profiles import venue_profile
from crawlers.settings import scrapy_settings
from crawlers.spiders.discourse import DiscourseSpider
from crawlers.spiders.html import HtmlForumSpider
from crawlers.state import CrawlState, crawl_state, mark_run_owner

SPIDERS: dict[str, type[Spider]] = {"discourse": DiscourseSpider, "html": HtmlForumSpider}


def spider_arguments(venue: VenueConfig, state: CrawlState) -> dict[str, Any]:
    """The platform-specific arguments of the venue's spider."""
    if venue.platform == "html":
        return {"profile": venue_profile(venue).model_dump()}
    scope = {"categories": list(state.scope), "thread_categories": state.thread_categories}
    if venue.api_key_env:
        key = os.environ.get(venue.api_key_env)
        if not key:
            raise ConfigError(
                f"venue {venue.name}: api_key_env names {venue.api_key_env}, which is not set"
            )
        return {"api_key": key, "api_username": venue.api_username, **scope}
    return scope


def run(spec: dict[str, Any]) -> None:
    """Crawl the venue described by ``spec`` (see :func:`candor.stages.crawl`)."""
    venue = VenueConfig.model_validate(spec["venue"])
    store = Store(spec["store"])
    with store.session() as session:
        state = crawl_state(session, venue, ensure_venue(session, venue).id, spec.get("full"))
        mark_run_owner(session, spec["run_id"], state.scope)
    store.dispose()

    settings = scrapy_settings(
        user_agent=spec["user_agent"],
        concurrency=venue.concurrency,
        autothrottle=spec["autothrottle"],
        allowed_hosts=venue.allowed_hosts,
        max_page_bytes=venue.max_page_bytes,
    )
    settings.update(
        {
            "ITEM_PIPELINES": {"crawlers.pipelines.CorpusPipeline": 500},
            "CANDOR_STORE_URL": spec["store"],
            "CANDOR_VENUE": venue.model_dump(mode="json"),
            "CANDOR_CRAWL_RUN_ID": spec["run_id"],
            "CANDOR_CRAWL_MODE": state.mode,
            **spec.get("scrapy_settings", {}),
        }
    )
    process = CrawlerProcess(settings, install_root_handler=True)
    process.crawl(
        SPIDERS[venue.platform],
        venue=venue.name,
        base_url=venue.url,
        known=state.known,
        since=state.since,
        full=state.full,
        verify=state.verify,
        max_threads=spec.get("max_threads") or venue.max_threads,
        **spider_arguments(venue, state),
    )
    process.start()


if __name__ == "__main__":
    run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
