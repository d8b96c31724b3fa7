"""Run one venue's crawl in this process: ``python -m crawlers.run SPEC.json``.

Candor starts every crawl in a child process because Twisted's reactor cannot be restarted:
a CLI session, a test or an Airflow task may crawl many times. The spec file (written by
:func:`candor.stages.crawl`) names the store, the venue and the crawl run to report into; the
result lands in the corpus and in the ``crawl_runs`` row, never on stdout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.spiders import Spider

from corpus.ingest import ensure_venue, known_fingerprints
from corpus.settings import VenueConfig
from corpus.store import Store
from crawlers.settings import scrapy_settings
from crawlers.spiders.discourse import DiscourseSpider

SPIDERS: dict[str, type[Spider]] = {"discourse": DiscourseSpider}


def run(spec: dict[str, Any]) -> None:
    """Crawl the venue described by ``spec`` (see :func:`candor.stages.crawl`)."""
    venue = VenueConfig.model_validate(spec["venue"])
    store = Store(spec["store"])
    with store.session() as session:
        known = known_fingerprints(session, ensure_venue(session, venue).id)
    store.dispose()

    settings = scrapy_settings(
        user_agent=spec["user_agent"],
        concurrency=venue.concurrency,
        autothrottle=spec["autothrottle"],
        jobdir=spec.get("jobdir"),
    )
    settings.update(
        {
            "ITEM_PIPELINES": {"crawlers.pipelines.CorpusPipeline": 500},
            "CANDOR_STORE_URL": spec["store"],
            "CANDOR_VENUE": venue.model_dump(mode="json"),
            "CANDOR_CRAWL_RUN_ID": spec["run_id"],
        }
    )
    process = CrawlerProcess(settings, install_root_handler=True)
    process.crawl(
        SPIDERS[venue.platform],
        venue=venue.name,
        base_url=venue.url,
        known=known,
        max_threads=spec.get("max_threads") or venue.max_threads,
    )
    process.start()


if __name__ == "__main__":
    run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
