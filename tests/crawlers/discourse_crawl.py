"""Run the Discourse spider against a local forum in a child interpreter, and read its output.

Twisted's reactor cannot be restarted, so each crawl runs ``_run_spider.py`` in a fresh
interpreter; the forum (:class:`candor.sample_forum.SampleForum`) runs in the test's process,
so tests can read its request counters and change it between crawls.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from candor.sample_forum import SampleForum
from corpus.records import ThreadRecord, activity_fingerprint

REPO = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("_run_spider.py")
CHUNK = 5  # posts a topic embeds in the tests' forums


@dataclass(frozen=True)
class Crawl:
    """What one crawl produced, and what it asked the forum for."""

    threads: list[ThreadRecord]
    gone: dict[str, int]
    stats: dict[str, Any]
    requests: Counter[str]
    log: str

    @property
    def by_id(self) -> dict[str, ThreadRecord]:
        return {thread.source_id: thread for thread in self.threads}


def crawl(
    forum: SampleForum,
    workdir: Path,
    *,
    known: Mapping[str, str] | None = None,
    max_threads: int | None = None,
    settings: Mapping[str, Any] | None = None,
    spider_args: Mapping[str, Any] | None = None,
    base_url: str | None = None,
) -> Crawl:
    """Run the spider against ``forum`` (at ``base_url`` if given) and collect its output."""
    workdir.mkdir(parents=True, exist_ok=True)
    spec = {
        "base_url": base_url or forum.base_url,
        "known": dict(known or {}),
        "max_threads": max_threads,
        "post_chunk_size": CHUNK,
        "settings": dict(settings or {}),
        "spider_args": dict(spider_args or {}),
        "items_path": str(workdir / "items.jsonl"),
        "stats_path": str(workdir / "stats.json"),
    }
    spec_path = workdir / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    before = forum.requests_by_path_kind
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(spec_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = (workdir / "items.jsonl").read_text(encoding="utf-8").splitlines()
    gone = [json.loads(line) for line in lines if line.startswith('{"gone"')]
    return Crawl(
        threads=[
            ThreadRecord.model_validate_json(line) for line in lines if "gone" not in line[:8]
        ],
        gone={g["gone"]: g["status"] for g in gone},
        stats=json.loads((workdir / "stats.json").read_text(encoding="utf-8")),
        requests=forum.requests_by_path_kind - before,
        log=done.stderr,
    )


def fingerprints(threads: list[ThreadRecord]) -> dict[str, str]:
    """What the corpus would hand the next crawl as ``known``."""
    return {
        t.source_id: activity_fingerprint(t.highest_post_number, t.last_activity_at)
        for t in threads
    }
