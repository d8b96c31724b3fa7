"""The DAG folder loads in Airflow and is wired as an operator expects ("DAG loader test").

Imports without errors, no cycles, tags, owners and retries from the settings, one crawl task
per venue (or per category) in that venue's pool, thin tasks, and the Asset wiring between the DAGs.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"
DAG_IDS = {
    "candor_crawl",
    "candor_enrich",
    "candor_index",
    "candor_select",
    "candor_approvals",
    "candor_publish",
    "candor_metrics",
    "candor_maintenance",
}


def asset_uris(condition: Any) -> set[str]:
    """The URIs an Asset condition (an Asset, or any/all of them) waits for."""
    if hasattr(condition, "objects"):
        return set().union(*(asset_uris(c) for c in condition.objects))
    return {condition.uri}


def test_dags_import_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dags) == DAG_IDS


def test_dags_have_no_cycles_and_carry_owner_tags_and_retries(dagbag: Any) -> None:
    for dag in dagbag.dags.values():
        dag.check_cycle()
        assert "candor" in dag.tags and len(dag.tags) >= 2, dag.dag_id
        assert dag.max_active_runs == 1 and not dag.catchup
        for task in dag.tasks:
            assert task.owner == "candor", task.task_id
            assert task.retries == 0  # the test configuration sets airflow.retries: 0
            assert task.on_failure_callback, f"{dag.dag_id}.{task.task_id} sends no alert"


def test_dags_crawl_one_task_per_venue_or_category_in_its_pool(dagbag: Any) -> None:
    dag = dagbag.dags["candor_crawl"]
    crawls = {t.task_id: t for t in dag.tasks if t.task_id.startswith("crawl_")}
    tasks = {
        "crawl_signal-community": "signal-community",
        "crawl_gone-forum__help": "gone-forum",
        "crawl_gone-forum__Ideas___wishes": "gone-forum",  # "Ideas & wishes", Airflow-safe
    }
    assert set(crawls) == set(tasks)
    slots = {"signal-community": 2, "gone-forum": 1}
    for task_id, venue in tasks.items():
        task = crawls[task_id]
        assert (task.pool, task.pool_slots) == (f"candor-venue-{venue}", slots[venue])
        assert task.upstream_task_ids == {"init"}


def test_dags_are_wired_by_assets(dagbag: Any) -> None:
    from candor import scheduling as s

    produced = {
        dag_id: set().union(*(asset_uris(o) for t in dag.tasks for o in t.outlets))
        for dag_id, dag in dagbag.dags.items()
    }
    waits = {
        dag_id: asset_uris(dag.timetable.asset_condition)
        for dag_id, dag in dagbag.dags.items()
        if getattr(dag.timetable, "asset_condition", None) is not None
    }
    assert waits == {
        "candor_enrich": {s.THREADS.uri},
        "candor_index": {s.ENRICHED.uri},
        "candor_select": {s.ENRICHED.uri},
        "candor_publish": {s.APPROVALS.uri},
    }
    assert produced["candor_crawl"] == {s.THREADS.uri}
    assert produced["candor_enrich"] == produced["candor_maintenance"] == {s.ENRICHED.uri}
    assert produced["candor_approvals"] == {s.APPROVALS.uri}
    assert produced["candor_publish"] == {s.RELEASE.uri}
    # Publishing also runs on its own clock, as a safety net for missed intervals.
    clock = dagbag.dags["candor_publish"].timetable.timetable
    assert clock.__class__.__name__ == "CronDataIntervalTimetable"


@pytest.mark.parametrize("path", sorted(DAGS.glob("*.py")), ids=lambda p: p.name)
def test_dags_files_only_wire_tasks(path: Path) -> None:
    """Top level: imports from airflow and candor.scheduling only; tasks import candor.tasks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            assert node.module in {"__future__", "airflow.sdk", "candor.scheduling"}, node.module
    called = [
        n.func.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and isinstance(n.func.value, ast.Name)
        and n.func.value.id == "tasks"
    ]
    assert called, f"{path.name} calls no candor.tasks function"
