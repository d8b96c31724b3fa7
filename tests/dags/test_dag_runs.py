"""Every DAG executed with ``dag.test()`` against the local sample forum, then the corpus checked.

The session's configuration (``conftest.py``) has two venues: the sample forum and ``gone-forum``,
whose port is closed (crawled as two category tasks). The ``pipeline`` fixture runs the DAGs
once, in the order their Assets would wake them, with the curator's approval (a person's step) in
between; each test then reads one aspect of what happened: task states, Asset events, the
corpus, the release, the alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from candor import stages
from candor.sample_forum import SampleForum
from corpus import models as m
from corpus.settings import Settings, load_settings
from corpus.store import Store
from tests.dags.conftest import candor_env

pytestmark = pytest.mark.slow


@dataclass
class Run:
    """What one ``dag.test()`` left: the run's state, each task's state and return value."""

    state: str
    tasks: dict[str, str]
    results: dict[str, Any]
    run_id: str
    data_interval: tuple[datetime | None, datetime | None]


@dataclass
class Pipeline:
    settings: Settings
    runs: dict[str, Run] = field(default_factory=dict)
    approved: dict[str, list[int]] = field(default_factory=dict)
    counts_after_crawl: Any = None

    @property
    def store(self) -> Store:
        return Store(self.settings.store)


def run_dag(dagbag: Any, dag_id: str, logical_date: datetime | None = None) -> Run:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    dag = dagbag.dags[dag_id]
    dag_run = dag.test(logical_date=logical_date) if logical_date else dag.test()
    with create_session() as session:
        tis = dag_run.get_task_instances(session=session)
        results = {
            ti.task_id: XComModel.deserialize_value(row)
            for ti in tis
            for row in session.scalars(
                XComModel.get_many(
                    run_id=dag_run.run_id, key="return_value", dag_ids=dag_id, task_ids=ti.task_id
                )
            )
        }
        return Run(
            str(dag_run.state),
            {ti.task_id: str(ti.state) for ti in tis},
            results,
            dag_run.run_id,
            (dag_run.data_interval_start, dag_run.data_interval_end),
        )


def asset_events(name: str, run: Run) -> list[dict[str, Any]]:
    """Events ``run`` announced on the Asset ``name`` of :mod:`candor.scheduling`."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    from candor import scheduling

    asset = getattr(scheduling, name)

    with create_session() as session:
        rows = session.scalars(
            select(AssetEvent)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetModel.uri == asset.uri, AssetEvent.source_run_id == run.run_id)
        ).all()
        return [{"task_id": e.source_task_id, "dag_id": e.source_dag_id} for e in rows]


@pytest.fixture(scope="module")
def pipeline(dagbag: Any, forum: SampleForum, candor_config: Any) -> Pipeline:
    with candor_env(candor_config):
        return run_pipeline(dagbag, load_settings(candor_config))


def run_pipeline(dagbag: Any, settings: Settings) -> Pipeline:
    result = Pipeline(settings)
    runs = result.runs
    runs["crawl"] = run_dag(dagbag, "candor_crawl")
    result.counts_after_crawl = result.store.counts()
    for dag_id in ("candor_enrich", "candor_index", "candor_select"):
        runs[dag_id.removeprefix("candor_")] = run_dag(dagbag, dag_id)

    # A quiet interval (the hour before any review) announces nothing.
    before = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    runs["approvals_quiet"] = run_dag(dagbag, "candor_approvals", before)
    result.approved = {
        p.slug: stages.approve(result.settings, p.slug, "curator@example.com", top=2)
        for p in result.settings.products
    }
    runs["approvals"] = run_dag(dagbag, "candor_approvals", before + timedelta(hours=1))
    runs["publish"] = run_dag(dagbag, "candor_publish")
    runs["publish_again"] = run_dag(dagbag, "candor_publish")

    day = before.replace(hour=0)
    runs["metrics"] = run_dag(dagbag, "candor_metrics", day)
    runs["metrics_retried"] = run_dag(dagbag, "candor_metrics", day)
    runs["maintenance"] = run_dag(dagbag, "candor_maintenance")
    return result


def test_dags_crawl_failing_venue_fails_only_its_own_task(pipeline: Pipeline) -> None:
    crawl = pipeline.runs["crawl"]
    assert crawl.tasks == {
        "init": "success",
        "crawl_signal-community": "success",
        "crawl_gone-forum__help": "failed",
        "crawl_gone-forum__Ideas___wishes": "failed",
    }
    assert crawl.state == "failed"  # visible in the UI, yet the other venue's work is kept
    assert crawl.results["crawl_signal-community"]["new"] == 15
    assert asset_events("THREADS", crawl) == [
        {"task_id": "crawl_signal-community", "dag_id": "candor_crawl"}
    ]


def test_dags_failure_alert_reaches_the_webhook(pipeline: Pipeline, alerts: Any) -> None:
    # one alert per failed task: each of the unreachable venue's two category crawls
    assert sorted(a["task_id"] for a in alerts.received) == [
        "crawl_gone-forum__Ideas___wishes",
        "crawl_gone-forum__help",
    ]
    alert = next(a for a in alerts.received if a["task_id"] == "crawl_gone-forum__help")
    assert alert["dag_id"] == "candor_crawl"
    assert alert["run_id"] == pipeline.runs["crawl"].run_id
    assert "SourceUnreachable: cannot reach the forum" in alert["error"]
    assert alert["text"].startswith("Candor: candor_crawl.crawl_gone-forum__help failed")


def test_dags_failed_crawl_leaves_the_corpus_whole(
    pipeline: Pipeline, topics: list[dict[str, Any]]
) -> None:
    counts = pipeline.counts_after_crawl
    assert (counts.venues, counts.threads) == (2, len(topics))
    posts_at_source = {str(t["id"]): len(t["post_stream"]["posts"]) for t in topics}
    with pipeline.store.session() as session:
        stored = dict(
            session.execute(
                select(m.Thread.source_id, func.count(m.Post.id))
                .join(m.Post, m.Post.thread_id == m.Thread.id)
                .group_by(m.Thread.source_id)
            ).all()
        )
        gone = session.scalar(select(m.Venue).where(m.Venue.name == "gone-forum"))
        gone_threads = session.scalar(
            select(func.count()).select_from(m.Thread).where(m.Thread.venue_id == gone.id)
        )
        gone_runs = session.scalars(select(m.CrawlRun).where(m.CrawlRun.venue_id == gone.id))
        assert all(run.status != "running" for run in gone_runs)
    assert stored == posts_at_source  # whole threads only: every post of every stored thread
    assert gone_threads == 0


def test_dags_enrich_index_select_follow_the_crawl(pipeline: Pipeline) -> None:
    runs = pipeline.runs
    assert runs["enrich"].tasks == {"enrich": "success"}
    assert runs["enrich"].results["enrich"] == pipeline.counts_after_crawl.threads
    assert asset_events("ENRICHED", runs["enrich"]) != []
    assert runs["index"].tasks == {"index": "success"}
    assert runs["index"].results["index"]["threads_indexed"] == pipeline.counts_after_crawl.threads
    assert runs["select"].tasks == {"select": "success"}
    counts = pipeline.store.counts()
    assert counts.posts_enriched == counts.posts and counts.candidates > 0


def test_dags_publish_runs_on_new_approvals_only(pipeline: Pipeline) -> None:
    runs = pipeline.runs
    assert runs["approvals_quiet"].tasks == {"reviews": "skipped"}
    assert asset_events("APPROVALS", runs["approvals_quiet"]) == []
    approved = [i for ids in pipeline.approved.values() for i in ids]
    assert runs["approvals"].results["reviews"] == len(approved) > 0
    assert len(asset_events("APPROVALS", runs["approvals"])) == 1

    published = runs["publish"].results["publish"]
    assert published["changed"] and published["release"]
    again = runs["publish_again"].results["publish"]
    assert again == {**published, "changed": False}  # idempotent: no second release
    site = pipeline.settings.publish.out / "current"
    with pipeline.store.session() as session:
        assert session.scalar(select(func.count()).select_from(m.Release)) == 1
        for slug, ids in pipeline.approved.items():
            page = site / "products" / f"{slug}.html"
            if ids:
                html = page.read_text(encoding="utf-8")
            for candidate_id in ids:
                title = session.get(m.Candidate, candidate_id).thread.title
                assert title.split()[0] in html, f"{slug}: approved thread missing"
            shown = {t for mash in session.scalars(select(m.MashUp)) for t in mash.thread_ids}
        approved_threads = {session.get(m.Candidate, i).thread_id for i in approved}
    assert shown == approved_threads  # nothing unapproved is published


def test_dags_metrics_snapshot_is_keyed_by_the_data_interval(pipeline: Pipeline) -> None:
    first, retried = pipeline.runs["metrics"], pipeline.runs["metrics_retried"]
    assert first.data_interval == retried.data_interval
    taken_at = first.data_interval[1]
    with pipeline.store.session() as session:
        rows = session.scalars(
            select(m.MetricSnapshot).where(m.MetricSnapshot.scope == "product")
        ).all()
        links = session.execute(
            select(m.Annotation.thread_id, m.Annotation.value).where(
                m.Annotation.kind == "products"
            )
        ).all()
    assert len(rows) == len(pipeline.settings.products)  # the retry replaced, not added
    assert {r.taken_at for r in rows} == {taken_at}
    snapshot = {r.key: r.metrics for r in rows}
    assert snapshot == first.results["snapshot"] == retried.results["snapshot"]
    for slug, figures in snapshot.items():
        linked = {t for t, value in links if any(link["slug"] == slug for link in value)}
        assert figures["threads"] == len(linked)
        assert 0 <= figures["resolved"] <= figures["threads"]
    assert sum(f["threads"] for f in snapshot.values()) > 0
    assert sum(f["gratitude"] for f in snapshot.values()) > 0


def test_dags_maintenance_vacuums_and_reenriches_only_what_changed(pipeline: Pipeline) -> None:
    maintenance = pipeline.runs["maintenance"]
    assert maintenance.tasks == {"vacuum": "success", "reenrich": "success"}
    assert "VACUUM" in maintenance.results["vacuum"]
    assert maintenance.results["reenrich"] == 0  # no version changed since the enrich run


def test_dags_maintenance_reenriches_after_a_version_change(
    pipeline: Pipeline, dagbag: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new model or rule version changes enrichment's fingerprint: every thread is redone."""
    from nlp import enrich

    monkeypatch.setattr(enrich, "ENRICH_VERSION", "enrich.v1-upgraded")  # tasks run in-process
    with candor_env(pipeline.settings.home / "candor.yaml"):
        upgraded = run_dag(dagbag, "candor_maintenance", datetime.now(UTC) + timedelta(days=7))
    assert upgraded.results["reenrich"] == pipeline.counts_after_crawl.threads
    assert asset_events("ENRICHED", upgraded) != []
