"""``kill -9`` at random moments of ``candor enrich`` and ``candor publish``: nothing lost.

Real child processes (``python -m candor``) work on a small corpus of real forum threads in a
SQLite file of the test's own. Each is killed after a seeded random delay, or as soon as it has
started writing (a batch committed, a release folder staged), several times; after every kill
the corpus and the served site are checked, then a plain rerun must finish the job and match
what a run never killed produces. ``CANDOR_TEST_SEED`` changes the kill moments.

The crawl has its own kill test (``tests/crawlers/test_resume.py``), the studio's approvals
theirs (``tests/team/test_studio_kills.py``).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from candor import stages
from candor.sample_forum import load_topics
from corpus import models as m
from corpus.ingest import ensure_venue, save_thread
from corpus.settings import Settings, load_settings
from corpus.store import Store
from crawlers.discourse_mapping import thread_record
from publisher import releases
from publisher.mashups import collect_mashups
from publisher.validate import validate_release
from tests.conftest import PRODUCTS, REPO, SIGNAL_VENUE, TAXONOMY
from tests.publisher.acme_forum import Forum, build_acme
from tests.team.conftest import write_config

pytestmark = pytest.mark.slow

THREADS = 40  # two enrichment batches of nlp.enrich.BATCH_THREADS (32)
ENRICH_KILLS = 3
PUBLISH_KILLS = 4
ACME_SLUGS = ["acme-lab", "acme-notes", "acme-sync"]
Judgements = dict[str, list[tuple[str, int, str]]]


def seeded() -> random.Random:
    return random.Random(os.environ.get("CANDOR_TEST_SEED", "12"))


@dataclass(frozen=True)
class Corpus:
    """A corpus in ``folder``: its settings and the ``candor.yaml`` a child process reads."""

    settings: Settings
    config: Path

    @property
    def store(self) -> Store:
        return Store(self.settings.store)

    def copy_to(self, folder: Path) -> Corpus:
        """The same corpus in another folder (its own database file and site)."""
        folder.mkdir(parents=True)
        shutil.copy(self.settings.home / "corpus.db", folder / "corpus.db")
        return corpus_in(folder)

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """``candor --config … ARGS`` as a real child process, logging to ``folder/*.log``."""
        log = (self.settings.home / f"{args[0]}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "candor", "--config", str(self.config), *args],
            cwd=REPO,
            stdout=log,
            stderr=log,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
        )

    def run(self, *args: str) -> float:
        """Run ``candor ARGS`` to the end; returns the seconds it took."""
        started = time.monotonic()
        child = self.start(*args)
        assert child.wait(timeout=600) == 0, (self.settings.home / f"{args[0]}.log").read_text()
        return time.monotonic() - started


def corpus_in(folder: Path) -> Corpus:
    folder.mkdir(parents=True, exist_ok=True)
    settings = load_settings(
        None,
        home=folder,
        store=f"sqlite:///{folder / 'corpus.db'}",
        taxonomy=TAXONOMY,
        venues=[SIGNAL_VENUE],
        products=PRODUCTS,
        publish={"out": folder / "site"},
    )
    return Corpus(settings, write_config(settings, folder / "candor.yaml"))


def kill_when(child: subprocess.Popen[bytes], ready: Callable[[], bool], delay: float) -> bool:
    """Wait until ``ready()``, then ``delay`` seconds more, then ``kill -9`` the child.

    Returns whether it was killed (False: it had finished by itself first).
    """
    deadline = time.monotonic() + 600
    while not ready() and child.poll() is None:
        assert time.monotonic() < deadline, "the child made no progress"
        time.sleep(0.01)
    time.sleep(delay)
    if child.poll() is not None:
        return False
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    return True


@pytest.fixture(scope="module")
def raw(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Short real threads (two to five posts: replies, so candidates), not yet enriched."""
    topics = [
        topic
        for topic in load_topics(sample_data, limit=300)
        if 2 <= len(topic["post_stream"]["posts"]) <= 5
    ][:THREADS]
    corpus = corpus_in(tmp_path_factory.mktemp("raw"))
    stages.init(corpus.settings)
    store = corpus.store
    with store.session() as session:
        venue = ensure_venue(session, corpus.settings.venues[0])
        for topic in topics:
            record = thread_record(
                topic, topic["post_stream"]["posts"], base_url=SIGNAL_VENUE["url"]
            )
            save_thread(session, venue, record)
    store.dispose()
    return corpus


@dataclass(frozen=True)
class Clean:
    """A run never killed: the corpus it left and how long enrichment took."""

    corpus: Corpus
    judgements: Judgements
    candidates: set[tuple[str, str]]
    enrich_seconds: float


@pytest.fixture(scope="module")
def clean(raw: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Clean:
    corpus = raw.copy_to(tmp_path_factory.mktemp("clean") / "corpus")
    seconds = corpus.run("enrich")
    stages.select_threads(corpus.settings)
    return Clean(corpus, judgements(corpus.store), candidates(corpus.store), seconds)


def judgements(store: Store) -> Judgements:
    """Thread source id → its (subject, subject id, kind) annotations, its texts and vector."""
    found: Judgements = {}
    with store.session() as session:
        rows = session.execute(
            select(
                m.Thread.source_id, m.Annotation.subject, m.Annotation.subject_id, m.Annotation.kind
            ).join(m.Thread, m.Thread.id == m.Annotation.thread_id)
        ).all()
        texts = session.execute(
            select(m.Thread.source_id, m.PostText.post_id)
            .join(m.Post, m.Post.id == m.PostText.post_id)
            .join(m.Thread, m.Thread.id == m.Post.thread_id)
        ).all()
        vectors = session.execute(
            select(m.Thread.source_id, m.Embedding.subject_id)
            .join(m.Thread, m.Thread.id == m.Embedding.subject_id)
            .where(m.Embedding.subject == "thread")
        ).all()
    for source_id, subject, subject_id, kind in rows:
        found.setdefault(source_id, []).append((subject, subject_id, kind))
    for source_id, post_id in texts:
        found.setdefault(source_id, []).append(("post", post_id, "text"))
    for source_id, thread_id in vectors:
        found.setdefault(source_id, []).append(("thread", thread_id, "vector"))
    store.dispose()
    return {source_id: sorted(rows) for source_id, rows in found.items()}


def candidates(store: Store) -> set[tuple[str, str]]:
    """(product slug, thread source id) of every active candidate."""
    with store.session() as session:
        rows = session.execute(
            select(m.Product.slug, m.Thread.source_id)
            .join(m.Candidate, m.Candidate.product_id == m.Product.id)
            .join(m.Thread, m.Thread.id == m.Candidate.thread_id)
            .where(m.Candidate.active)
        ).all()
    store.dispose()
    return {(slug, source_id) for slug, source_id in rows}


def threads_enriched(store: Store) -> int:
    with store.session() as session:
        count = session.scalar(
            select(func.count()).select_from(m.Annotation).where(m.Annotation.kind == "enrichment")
        )
    store.dispose()
    return count or 0


def test_kills_enrich_loses_and_duplicates_nothing(
    clean: Clean, raw: Corpus, tmp_path: Path
) -> None:
    rng = seeded()
    corpus = raw.copy_to(tmp_path / "corpus")
    killed = []
    for round_ in range(ENRICH_KILLS):
        child = corpus.start("enrich")
        if round_ == 0:  # just after the first batch committed: the second is being written
            fired = kill_when(child, lambda: threads_enriched(corpus.store) > 0, rng.uniform(0, 1))
        else:  # anywhere in a run, model loading included
            fired = kill_when(child, lambda: True, rng.uniform(0.1, 0.45) * clean.enrich_seconds)
        now = judgements(corpus.store)
        killed.append((fired, len(now)))
        # every thread is judged whole, exactly as a run never killed judges it, or not at all
        for source_id, rows in now.items():
            assert rows == clean.judgements[source_id], f"thread {source_id} is half-judged"

    corpus.run("enrich")
    stages.select_threads(corpus.settings)

    print(f"(killed?, threads judged) after each kill: {killed}")
    assert killed[0][0], "the kill after the first batch found enrich finished already"
    assert judgements(corpus.store) == clean.judgements
    assert candidates(corpus.store) == clean.candidates


def served(out: Path) -> str | None:
    """The release ``current`` serves, checked to be whole; ``None`` before the first."""
    current = out / releases.CURRENT
    if not current.is_symlink():
        assert not current.exists(), f"{current} is not the symlink Candor manages"
        return None
    label = releases.current_label(out)
    assert label is not None, f"{current} points at no release folder: {os.readlink(current)}"
    assert not label.endswith(releases.TMP_SUFFIX), f"{current} serves a staged folder"
    validate_release(releases.releases_dir(out) / label, ACME_SLUGS)
    return label


def shown(store: Store, label: str) -> dict[str, list[int]]:
    """Product slug → thread ids the release ``label`` shows, as recorded."""
    with store.session() as session:
        rows = session.execute(
            select(m.Product.slug, m.MashUp.thread_ids)
            .join(m.MashUp, m.MashUp.product_id == m.Product.id)
            .join(m.Release, m.Release.id == m.MashUp.release_id)
            .where(m.Release.label == label, m.MashUp.variant == "")
        ).all()
    store.dispose()
    return {slug: sorted(ids) for slug, ids in rows}


def expected(corpus: Corpus) -> dict[str, list[int]]:
    """Product slug → thread ids a publish of the corpus as it is now must show."""
    store = corpus.store
    with store.session() as session:
        mashups = collect_mashups(session, corpus.settings.publish)
    store.dispose()
    return {mashup.slug: sorted(mashup.thread_ids) for mashup in mashups}


@pytest.fixture
def acme(tmp_path: Path) -> tuple[Corpus, Forum]:
    """The publisher tests' reviewed Acme corpus (no models needed), in a corpus folder."""
    corpus = corpus_in(tmp_path / "acme")
    store = corpus.store
    store.migrate()
    return corpus, build_acme(Forum(store))


def test_kills_publish_never_serves_a_half_written_release(acme: tuple[Corpus, Forum]) -> None:
    rng = seeded()
    corpus, forum = acme
    out = corpus.settings.publish.out
    staging = releases.releases_dir(out)
    killed = []
    for round_ in range(PUBLISH_KILLS):
        # a changed decision each round, so every publish has a new release to write
        forum.review("acme-sync", "export-cut", "rejected" if round_ % 2 == 0 else "approved")
        before = served(out)
        child = corpus.start("publish")
        if rng.random() < 0.5:
            fired = kill_when(child, lambda: True, rng.uniform(0.5, 6.0))
        else:  # while the release folder is being written, checked or switched
            fired = kill_when(
                child, lambda: any(staging.glob(f"*{releases.TMP_SUFFIX}")), rng.uniform(0, 0.05)
            )
        staged = any(staging.glob(f"*{releases.TMP_SUFFIX}"))
        killed.append((fired, "switched" if served(out) != before else "staged" if staged else "-"))

        corpus.run("publish")
        label = served(out)
        assert label is not None
        with corpus.store.session() as session:
            current = session.scalars(select(m.Release.label).where(m.Release.status == "current"))
            assert list(current) == [label], "the store and the site disagree"
            recorded = set(session.scalars(select(m.Release.label)))
        assert shown(corpus.store, label) == expected(corpus)
        assert not list(staging.glob(f"*{releases.TMP_SUFFIX}")), "a staged folder was left"
        assert releases.existing_labels(out) <= recorded, "a release folder nobody recorded"

    print(f"(killed?, what the kill left: switched / staged / -) per round: {killed}")
    assert any(fired for fired, _ in killed), "no kill struck a running publish"
