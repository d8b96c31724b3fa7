"""Dated metric snapshots per product, one per data interval (a rerun replaces its own rows)."""

from __future__ import annotations

from airflow.sdk import dag, task

from candor.scheduling import METRICS, dag_arguments, every, settings_at_parse

settings = settings_at_parse()


@dag(
    schedule=every(settings.airflow.schedules.metrics),
    **dag_arguments(settings, __doc__, "metrics"),
)
def candor_metrics() -> None:
    @task(outlets=[METRICS])
    def snapshot(data_interval_end=None) -> dict:
        from candor import tasks

        return tasks.snapshot_metrics(data_interval_end)

    snapshot()


candor_metrics()
