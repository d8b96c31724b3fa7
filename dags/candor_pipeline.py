"""Candor's pipeline on a schedule: crawl → enrich → select → publish.

Thin by design: each task calls one function of :mod:`candor.tasks`, imported inside the task so
the scheduler parses this file without loading Candor or its models. Configuration comes from
``$CANDOR_CONFIG`` on the worker. Publishing releases only what curators approved in the studio.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(
    dag_id="candor_pipeline",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "candor", "retries": 2, "retry_delay": pendulum.duration(minutes=5)},
    tags=["candor"],
    doc_md=__doc__,
)
def candor_pipeline() -> None:
    @task
    def crawl() -> int:
        from candor import tasks

        return tasks.crawl()

    @task
    def enrich(changed: int) -> int:
        from candor import tasks

        return tasks.enrich()

    @task
    def select(enriched: int) -> int:
        from candor import tasks

        return tasks.select()

    @task
    def publish(selected: int) -> str | None:
        from candor import tasks

        return tasks.publish()

    publish(select(enrich(crawl())))


candor_pipeline()
