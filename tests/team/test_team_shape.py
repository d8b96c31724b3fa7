"""The team shape end to end: PostgreSQL store, Elasticsearch index, Airflow DAGs, the studio.

The ``team`` fixture does what a team's installation does, once: Airflow (an Airflow process of
its own, ``dag.test()``) crawls the local sample forum, enriches, indexes into Elasticsearch and
selects, all into a fresh PostgreSQL database; a curator logs in to the studio (the real app,
against the same database) and approves a candidate through the API, with the CSRF token; then
Airflow notices the approval and publishes. Each test checks one step as a user would.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, make_url, select

from candor import stages
from candor.sample_forum import SampleForum
from corpus import models as m
from corpus.settings import Settings, load_settings
from corpus.store import Store
from tests.conftest import PRODUCTS, TAXONOMY
from tests.team.conftest import forum_venue, write_config

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
THREADS = 15
PASSWORD = "correct horse battery staple"


@dataclass
class Team:
    settings: Settings
    topics: list[dict[str, Any]]
    runs: dict[str, Any] = field(default_factory=dict)
    approved: dict[str, Any] = field(default_factory=dict)
    queue: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    released_before_approval: bool = False

    @property
    def store(self) -> Store:
        return Store(self.settings.store)


def run_dags(airflow_home: Path, config: Path, *dag_ids: str) -> dict[str, Any]:
    """``dag.test()`` each DAG in an Airflow process of its own (see ``_run_dags.py``)."""
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "CANDOR_CONFIG": str(config),
        "HF_HUB_OFFLINE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.team._run_dags", *dag_ids],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    marker = "CANDOR-DAG-RUNS "
    lines = [line for line in done.stdout.splitlines() if line.startswith(marker)]
    assert done.returncode == 0 and lines, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(lines[-1].removeprefix(marker))


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("team-airflow")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    env["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
    migrate = subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
    return home


@pytest.fixture(scope="module")
def team_database(postgres_url: str) -> Iterator[str]:
    name = f"candor_team_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(postgres_url).set(database=name).render_as_string(False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="module")
def team_prefix(elasticsearch_url: str) -> Iterator[str]:
    from corpus.search.elastic import ElasticsearchIndex

    prefix = f"candor-team-{uuid.uuid4().hex[:10]}"
    yield prefix
    index = ElasticsearchIndex(elasticsearch_url, prefix=prefix)
    index.drop()
    index.close()


@pytest.fixture(scope="module")
def team(
    tmp_path_factory: pytest.TempPathFactory,
    sample_topics: list[dict[str, Any]],
    airflow_home: Path,
    team_database: str,
    team_prefix: str,
    elasticsearch_url: str,
) -> Iterator[Team]:
    home = tmp_path_factory.mktemp("team")
    topics = sample_topics[:THREADS]
    with SampleForum(topics, chunk_size=5) as forum:
        settings = load_settings(
            None,
            home=home,
            store=team_database,
            search=elasticsearch_url,
            search_prefix=team_prefix,
            taxonomy=TAXONOMY,
            venues=[forum_venue("signal-community", forum)],
            products=[*PRODUCTS, {"name": "Signal iOS", "aliases": ["ios", "iphone"]}],
            publish={"out": home / "site", "base_url": "https://example.com/proof"},
            studio={"secret_key": "team-secret-" + "x" * 32},
            airflow={"retries": 0, "schedules": {"approvals": "@hourly"}},
            # A handful of sample threads: every one a candidate, so one stays unapproved.
            select={"min_score": 0.0, "require_any": []},
        )
        config = write_config(settings, home / "candor.yaml")
        result = Team(settings, topics)
        result.runs |= run_dags(
            airflow_home, config, "candor_crawl", "candor_enrich", "candor_index", "candor_select"
        )
    result.released_before_approval = (settings.publish.out / "current").exists()
    approve_in_studio(result)
    with result.store.session() as session:
        decided_at = session.scalar(select(func.max(m.Review.decided_at)))
    hour = decided_at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    result.runs |= run_dags(
        airflow_home, config, f"candor_approvals@{hour.isoformat()}", "candor_publish"
    )
    yield result


def approve_in_studio(team: Team) -> None:
    """A curator logs in to the studio and approves the best candidate of the busiest product."""
    from candor.studio import create_app
    from candor.studio.serve import create_user

    create_user(team.settings, "cai", PASSWORD, "curator")
    with TestClient(create_app(team.settings), follow_redirects=False) as client:
        login = client.post("/api/login", json={"username": "cai", "password": PASSWORD})
        assert login.status_code == 200, login.text
        csrf = login.json()["csrf_token"]
        queues = {
            p.slug: client.get(f"/api/queue/{p.slug}").json()["candidates"]
            for p in team.settings.products
        }
        slug, queue = max(queues.items(), key=lambda item: len(item[1]))
        assert len(queue) >= 2, queues  # one to approve, one left unapproved
        chosen = queue[0]
        refused = client.post(
            f"/api/candidates/{chosen['id']}/decision", json={"decision": "approved"}
        )
        assert refused.status_code == 403  # no CSRF token, no decision
        decided = client.post(
            f"/api/candidates/{chosen['id']}/decision",
            json={"decision": "approved"},
            headers={"X-CSRF-Token": csrf},
        )
        assert decided.status_code == 200, decided.text
        team.approved = {"slug": slug, "candidate": chosen, "reviews": decided.json()}
        team.queue = queue
        team.audit = client.get("/api/audit").json()["entries"]


def test_team_crawl_fills_postgresql_with_whole_threads(team: Team) -> None:
    crawl = team.runs["candor_crawl"]
    assert crawl["state"] == "success", crawl
    assert crawl["results"]["crawl_signal-community"]["new"] == THREADS
    assert team.store.engine.dialect.name == "postgresql"
    posts_at_source = {str(t["id"]): len(t["post_stream"]["posts"]) for t in team.topics}
    with team.store.session() as session:
        stored = dict(
            session.execute(
                select(m.Thread.source_id, func.count(m.Post.id))
                .join(m.Post, m.Post.thread_id == m.Thread.id)
                .group_by(m.Thread.source_id)
            ).all()
        )
    assert stored == posts_at_source


def test_team_index_puts_every_post_in_elasticsearch_and_search_finds_a_phrase(
    team: Team,
) -> None:
    from corpus.search import open_index

    assert team.runs["candor_enrich"]["results"]["enrich"] == THREADS
    assert team.runs["candor_index"]["results"]["index"]["threads_indexed"] == THREADS
    index = open_index(team.settings)
    try:
        assert index.kind == "elasticsearch"
        assert index.alias == f"{team.settings.search_prefix}-posts"
        with team.store.session() as session:
            assert index.count() == session.scalar(select(func.count()).select_from(m.PostText))
            # A phrase a reader would remember: words from the middle of a real post.
            text, thread_id = session.execute(
                select(m.PostText.text, m.Post.thread_id)
                .join(m.Post, m.Post.id == m.PostText.post_id)
                .where(func.length(m.PostText.text) > 200)
                .order_by(m.PostText.post_id)
            ).first()
    finally:
        index.close()
    words = [w for w in text.split() if w.isalpha() and len(w) > 3]
    phrase = " ".join(words[len(words) // 2 : len(words) // 2 + 4])
    hits = stages.search_query(team.settings, phrase, size=5)
    assert thread_id in [h["thread_id"] for h in hits], (phrase, hits)


def test_team_select_proposes_candidates_with_evidence(team: Team) -> None:
    assert team.runs["candor_select"]["state"] == "success"
    assert team.store.counts().candidates > 0
    chosen = team.approved["candidate"]
    assert chosen["thread"]["title"] and chosen["parts"] and chosen["excerpt"]


def test_team_studio_approval_is_in_the_store_and_the_audit_log(team: Team) -> None:
    chosen = team.approved["candidate"]
    ((review,),) = [team.approved["reviews"]]
    assert (review["decision"], review["reviewer"]) == ("approved", "cai")
    with team.store.session() as session:
        stored = session.get(m.Review, review["id"])
        assert stored is not None and stored.candidate_id == chosen["id"]
    entries = [e for e in team.audit if e["actor"] == "cai" and "approv" in e["action"]]
    assert entries and str(chosen["id"]) in json.dumps(entries[0])


def test_team_publish_dag_releases_the_approved_thread_only(team: Team) -> None:
    assert not team.released_before_approval  # nothing published unapproved
    assert team.runs["candor_approvals"]["results"]["reviews"] == 1
    published = team.runs["candor_publish"]
    assert published["state"] == "success", published
    assert published["results"]["publish"]["changed"]
    page = team.settings.publish.out / "current" / "products" / f"{team.approved['slug']}.html"
    shown = page.read_text(encoding="utf-8")
    with team.store.session() as session:
        titles = {
            c["id"]: session.get(m.Thread, c["thread"]["id"]).title
            for c in team.queue  # the product's candidates the curator saw
        }
    approved = team.approved["candidate"]["id"]
    assert html.escape(titles[approved], quote=False) in shown
    for candidate_id, title in titles.items():
        if candidate_id != approved and title != titles[approved]:
            assert html.escape(title, quote=False) not in shown, title
