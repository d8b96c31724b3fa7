"""Run Candor DAGs with ``dag.test()`` in a process of their own, as an Airflow worker would.

Usage: ``python -m tests.team._run_dags DAG_ID[@ISO_LOGICAL_DATE] ...`` with ``AIRFLOW_HOME``
(migrated), ``AIRFLOW__CORE__DAGS_FOLDER`` and ``CANDOR_CONFIG`` set. Prints one JSON object:
dag id → {"state", "tasks": {task id: state}, "results": {task id: return value}}.

A process of its own because Airflow reads ``AIRFLOW_HOME`` once per process, and
``tests/dags`` owns the one of the test session.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from typing import Any


def run(dagbag: Any, dag_id: str, logical_date: datetime | None) -> dict[str, Any]:
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
        return {
            "state": str(dag_run.state),
            "tasks": {ti.task_id: str(ti.state) for ti in tis},
            "results": results,
        }


def main(args: list[str]) -> None:
    from airflow.dag_processing.dagbag import DagBag

    dagbag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if dagbag.import_errors:
        raise SystemExit(f"DAG import errors: {dagbag.import_errors}")
    report = {}
    for arg in args:
        dag_id, _, when = arg.partition("@")
        started = time.perf_counter()
        report[dag_id] = run(dagbag, dag_id, datetime.fromisoformat(when) if when else None)
        report[dag_id]["seconds"] = round(time.perf_counter() - started, 1)
    print("CANDOR-DAG-RUNS " + json.dumps(report, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])
