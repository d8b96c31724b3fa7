"""Concurrent writers, as real processes: two crawls (two forums), an enrichment and a curator
deciding in the studio (a real uvicorn process), all at once against one store. Nothing may
deadlock and no write may be lost: every row each writer reported is counted afterwards.

Run on PostgreSQL (the team shape) and on SQLite (WAL, ``busy_timeout`` 30 s: writers queue for
the one write lock rather than fail).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from candor.sample_forum import SampleForum
from corpus import models as m
from corpus.settings import Settings, load_settings
from corpus.store import Store
from corpus.taxonomy import load_taxonomy
from nlp.enrich import enrichment_key, pending_threads
from tests.conftest import TAXONOMY
from tests.studio import corpus as studio_corpus
from tests.team.conftest import forum_venue, write_config

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PER_FORUM = 8
DEADLINE_SECONDS = 300
PAUSE_SECONDS = 0.25  # a brisk curator; without a pause the loop would starve the other writers


@pytest.fixture(params=["postgresql", "sqlite"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'corpus.db'}"
    new_database: Callable[[], str] = request.getfixturevalue("new_database")
    return new_database()


@pytest.fixture
def forums(sample_topics: list[dict[str, Any]]) -> Iterator[dict[str, SampleForum]]:
    with (
        SampleForum(sample_topics[:PER_FORUM], chunk_size=5) as first,
        SampleForum(sample_topics[PER_FORUM : 2 * PER_FORUM], chunk_size=5) as second,
    ):
        yield {"forum-a": first, "forum-b": second}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def candor(config: Path, *args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "candor", "--config", str(config), *args],
            cwd=REPO,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail(f"the studio did not start: {log.read_text()[-2000:]}")


def pending(settings: Settings, store: Store) -> int:
    key = enrichment_key(settings, load_taxonomy(settings.taxonomy))
    with store.session() as session:
        return len(pending_threads(session, key))


def test_concurrent_crawls_enrich_and_approvals_lose_nothing(
    store_url: str,
    forums: dict[str, SampleForum],
    sample_topics: list[dict[str, Any]],
    tmp_path: Path,
) -> None:
    settings = load_settings(
        None,
        home=tmp_path,
        store=store_url,
        taxonomy=TAXONOMY,
        products=studio_corpus.PRODUCTS,
        venues=[
            {**forum_venue(name, forum), "public_url": f"https://{name}.example"}
            for name, forum in forums.items()
        ],
        select={"min_score": 0.0, "require_any": []},
        publish={"out": tmp_path / "site"},
        studio={"secret_key": "concurrency-" + "x" * 32},
    )
    config = write_config(settings, tmp_path / "candor.yaml")
    studio_corpus.build(settings)  # threads with candidates to decide on, and the curator cai
    store = Store(settings.store)
    threads_before = store.counts().threads
    pending_before = pending(settings, store)
    with store.session() as session:
        candidates = list(session.scalars(select(m.Candidate.id).where(m.Candidate.active)))
        reviews_before = session.scalar(select(func.count()).select_from(m.Review))
    assert pending_before > 0 and candidates

    port = free_port()
    logs = {name: tmp_path / f"{name}.log" for name in ("studio", "a", "b", "enrich")}
    studio = candor(config, "studio", "--port", str(port), log=logs["studio"])
    writers: dict[str, subprocess.Popen[bytes]] = {}
    decisions = 0
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/login", studio, logs["studio"])
        with httpx.Client(base_url=base, timeout=60) as client:
            login = client.post(
                "/api/login", json={"username": "cai", "password": studio_corpus.PASSWORD}
            )
            assert login.status_code == 200, login.text
            csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
            writers = {
                "a": candor(config, "crawl", "--venue", "forum-a", log=logs["a"]),
                "b": candor(config, "crawl", "--venue", "forum-b", log=logs["b"]),
                "enrich": candor(config, "enrich", log=logs["enrich"]),
            }
            # The curator decides while the others write: snooze, approve, snooze, …, each
            # decision one more row in the review log, until every other writer is done.
            deadline = time.monotonic() + DEADLINE_SECONDS
            while any(w.poll() is None for w in writers.values()) or decisions < 2 * len(
                candidates
            ):
                assert time.monotonic() < deadline, "writers still running: a deadlock?"
                candidate = candidates[decisions % len(candidates)]
                verdict = "approved" if (decisions // len(candidates)) % 2 else "snoozed"
                response = client.post(
                    f"/api/candidates/{candidate}/decision",
                    json={"decision": verdict},
                    headers=csrf,
                )
                assert response.status_code == 200, response.text
                decisions += 1
                time.sleep(PAUSE_SECONDS)
    finally:
        for process in [*writers.values(), studio]:
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=60)
    for name, writer in writers.items():
        assert writer.returncode == 0, f"{name}: {logs[name].read_text()[-3000:]}"
    enriched = int(logs["enrich"].read_text().split("enriched ", 1)[1].split()[0])

    # No lost write: every thread of both forums, whole …
    served = {
        "forum-a": sample_topics[:PER_FORUM],
        "forum-b": sample_topics[PER_FORUM:][:PER_FORUM],
    }
    posts_at_source = {
        (name, str(t["id"])): len(t["post_stream"]["posts"])
        for name, topics in served.items()
        for t in topics
    }
    with store.session() as session:
        stored = dict(
            ((venue, source_id), posts)
            for venue, source_id, posts in session.execute(
                select(m.Venue.name, m.Thread.source_id, func.count(m.Post.id))
                .join(m.Thread, m.Thread.venue_id == m.Venue.id)
                .join(m.Post, m.Post.thread_id == m.Thread.id)
                .where(m.Venue.name.in_(forums))
                .group_by(m.Venue.name, m.Thread.source_id)
            ).all()
        )
        reviews = session.scalar(select(func.count()).select_from(m.Review))
        by_cai = session.scalar(
            select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.actor == "cai")
        )
        runs = list(session.scalars(select(m.CrawlRun.status)))
    assert stored == posts_at_source
    assert store.counts().threads == threads_before + 2 * PER_FORUM
    assert runs == ["finished", "finished"], runs
    # … every decision the studio acknowledged, in the review log and the audit log …
    assert reviews - reviews_before == decisions
    assert by_cai >= decisions
    # … and every thread the enrichment reported done stays done: the rest is still pending.
    assert pending(settings, store) == pending_before + 2 * PER_FORUM - enriched
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as connection:
            deadlocks = connection.execute(
                text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            ).scalar()
        assert deadlocks == 0
    store.dispose()
