"""A crawl killed with ``kill -9`` at random moments resumes, and never leaves half a thread.

The real child process (``python -m crawlers.run``, as ``candor crawl`` starts it) crawls a
slowed-down sample forum into a real SQLite corpus; the test kills it at random points of the
crawl, checks the corpus after each kill, then lets ``stages.crawl`` finish the job.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from candor import stages
from candor.sample_forum import Faults, SampleForum, load_topics
from corpus import models as m
from corpus.ingest import ensure_venue
from corpus.settings import Settings
from corpus.store import Store

REPO = Path(__file__).resolve().parents[2]
TOPICS = 15
KILLS = 3


@pytest.fixture(scope="module")
def topics(sample_data: Path) -> list[dict[str, Any]]:
    return load_topics(sample_data, limit=TOPICS)


def start_child(settings: Settings, workdir: Path) -> subprocess.Popen[bytes]:
    """Start the crawl child exactly as :func:`candor.stages.crawl` does."""
    venue = settings.venues[0]
    store = Store(settings.store)
    with store.session() as session:
        run = m.CrawlRun(venue_id=ensure_venue(session, venue).id)
        session.add(run)
        session.flush()
        run_id = run.id
    store.dispose()
    spec = workdir / f"spec-{run_id}.json"
    spec.write_text(
        json.dumps(
            {
                "store": settings.store,
                "venue": venue.model_dump(mode="json"),
                "run_id": run_id,
                "user_agent": "CandorTest/1",
                "autothrottle": False,
                # Batches of two threads, so kills land before, inside and after commits.
                "scrapy_settings": {"CANDOR_WRITE_BATCH_THREADS": 2},
            }
        ),
        encoding="utf-8",
    )
    log = (workdir / f"crawl-{run_id}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "crawlers.run", str(spec)], cwd=REPO, stdout=log, stderr=log
    )


def assert_whole_threads(store: Store, topics: list[dict[str, Any]]) -> int:
    """Every saved thread holds every post the forum has; returns how many are saved."""
    expected = {str(t["id"]): len(t["post_stream"]["posts"]) for t in topics}
    with store.session() as session:
        counts = dict(
            session.execute(
                select(m.Thread.source_id, func.count(m.Post.id))
                .join(m.Post, m.Post.thread_id == m.Thread.id)
                .group_by(m.Thread.source_id)
            ).all()
        )
        threads = session.scalar(select(func.count()).select_from(m.Thread)) or 0
    assert threads == len(counts), "a thread without posts was saved"
    for source_id, posts in counts.items():
        assert posts == expected[source_id], f"thread {source_id} is half-written"
    return threads


def test_crawl_killed_at_random_moments_resumes_without_half_threads(
    topics: list[dict[str, Any]], make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    rng = random.Random(os.environ.get("CANDOR_TEST_SEED", "4"))
    # 40 ms per answer: the crawl lasts a few seconds, long enough to be cut anywhere.
    faults = Faults(latency=0.04)
    with SampleForum(topics, chunk_size=5, page_size=4, faults=faults) as forum:
        settings = make_settings(
            venues=[
                {
                    "name": "sample",
                    "url": forum.base_url,
                    "allow_private_address": True,
                    "concurrency": 2,
                }
            ]
        )
        stages.init(settings)
        store = Store(settings.store)
        saved_after_kill = []
        for _ in range(KILLS):
            left = TOPICS - (saved_after_kill[-1] if saved_after_kill else 0)
            fetched = forum.requests_by_path_kind["topic"]
            child = start_child(settings, tmp_path)
            target = forum.request_count + rng.randint(4, 30)
            deadline = time.monotonic() + 60
            # A random request, but while two threads are still to fetch: the child is cut
            # short, never let finish (with two requests in flight it could save them both).
            while (
                forum.request_count < target
                and forum.requests_by_path_kind["topic"] - fetched < left - 2
                and child.poll() is None
            ):
                assert time.monotonic() < deadline, "the crawl child made no progress"
                time.sleep(0.005)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
            # Its last requests may still be answered: count them before the resume starts.
            forum.wait_idle()
            saved_after_kill.append(assert_whole_threads(store, topics))
        topic_fetches_before = forum.requests_by_path_kind["topic"]

        (report,) = stages.crawl(settings)
        topic_fetches_resume = forum.requests_by_path_kind["topic"] - topic_fetches_before

    assert assert_whole_threads(store, topics) == TOPICS
    assert report.status == "finished" and report.stats["complete"]
    # Resumed where it stopped: only the threads not yet saved were fetched again.
    assert topic_fetches_resume == TOPICS - saved_after_kill[-1]
    assert report.stats["skipped_unchanged"] == saved_after_kill[-1]
    with store.session() as session:
        statuses = list(session.scalars(select(m.CrawlRun.status).order_by(m.CrawlRun.id)))
    assert statuses == ["interrupted"] * KILLS + ["finished"]
    print(
        f"threads saved after each kill: {saved_after_kill}; resume fetched {topic_fetches_resume}"
    )
    store.dispose()
