"""Run one Discourse crawl in this process and write what it produced; tests call it.

Twisted's reactor cannot be restarted, so each test crawl runs in a fresh
interpreter: ``python tests/crawlers/_run_spider.py SPEC.json``. The spec gives
the spider's arguments, extra Scrapy settings and two output paths:

    {"base_url": ..., "known": {...}, "max_threads": null, "post_chunk_size": 5,
     "spider_args": {...}, "settings": {...},
     "items_path": "items.jsonl", "stats_path": "stats.json"}

Each ThreadRecord becomes one JSON line in ``items_path`` and each ThreadGone
one ``{"gone": …}`` line; the crawl's final Scrapy stats go to ``stats_path``.
The forum is a local one, so the venue allows private addresses.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Any, Self

from scrapy.crawler import Crawler, CrawlerProcess

from corpus.records import ThreadRecord
from crawlers.items import ThreadGone
from crawlers.settings import scrapy_settings
from crawlers.spiders.discourse import DiscourseSpider


class JsonLinesPipeline:
    """Writes each ThreadRecord as one JSON line to ``TEST_ITEMS_PATH``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(Path(crawler.settings["TEST_ITEMS_PATH"]))

    def open_spider(self) -> None:
        self._file = self.path.open("w", encoding="utf-8")

    def process_item(self, item: Any) -> Any:
        assert self._file is not None
        if isinstance(item, ThreadGone):
            self._file.write(json.dumps({"gone": item.source_id, "status": item.status}) + "\n")
            return item
        assert isinstance(item, ThreadRecord)
        self._file.write(item.model_dump_json() + "\n")
        return item

    def close_spider(self) -> None:
        if self._file is not None:
            self._file.close()


def run(spec: dict[str, Any]) -> None:
    """Crawl as ``spec`` says; see the module docstring."""
    settings = scrapy_settings(
        user_agent="CandorTest/1", concurrency=4, autothrottle=False, jobdir=None
    )
    settings.update(
        {
            "ITEM_PIPELINES": {JsonLinesPipeline: 100},
            "TEST_ITEMS_PATH": spec["items_path"],
            "CANDOR_VENUE": {
                "name": "sample",
                "url": spec["base_url"],
                "allow_private_address": True,
            },
            "LOG_LEVEL": "WARNING",
            **spec.get("settings", {}),
        }
    )
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(DiscourseSpider)
    process.crawl(
        crawler,
        venue="sample",
        base_url=spec["base_url"],
        known=spec.get("known"),
        max_threads=spec.get("max_threads"),
        post_chunk_size=spec.get("post_chunk_size", 20),
        **spec.get("spider_args", {}),
    )
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    Path(spec["stats_path"]).write_text(json.dumps(stats, default=str), encoding="utf-8")


if __name__ == "__main__":
    run(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")))
