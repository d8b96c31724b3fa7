"""Notice curators' decisions: announces ``APPROVALS`` when reviews were decided in the interval.

Keyed by the data interval: a retried or backfilled run counts the same reviews. With none, the
task is skipped and nothing is announced, so publishing runs only when there is something new.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from candor.scheduling import APPROVALS, dag_arguments, every, settings_at_parse

settings = settings_at_parse()


@dag(
    schedule=every(settings.airflow.schedules.approvals),
    **dag_arguments(settings, __doc__, "publish"),
)
def candor_approvals() -> None:
    @task(outlets=[APPROVALS])
    def reviews(data_interval_start=None, data_interval_end=None) -> int:
        from airflow.sdk.exceptions import AirflowSkipException

        from candor import tasks

        decided = tasks.reviews_decided(data_interval_start, data_interval_end)
        if not decided:
            raise AirflowSkipException("no reviews decided in this interval: nothing to publish")
        return decided

    reviews()


candor_approvals()
