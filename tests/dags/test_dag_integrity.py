"""The DAG folder loads in Airflow and wires Candor's stages in order ("DAG loader test")."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as env:
        # Airflow writes its config and database under AIRFLOW_HOME: keep them out of ~.
        env.setenv("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow")))
        env.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        from airflow.dag_processing.dagbag import DagBag

        yield DagBag(dag_folder=str(DAGS))


def test_dags_import_without_errors(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    assert "candor_pipeline" in dagbag.dags


def test_dags_pipeline_runs_stages_in_order_with_retries(dagbag: Any) -> None:
    dag = dagbag.dags["candor_pipeline"]
    order = ["crawl", "enrich", "select", "publish"]
    for upstream, downstream in pairwise(order):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    for task in dag.tasks:
        assert task.owner == "candor" and task.retries == 2
    assert "candor" in dag.tags and dag.max_active_runs == 1
