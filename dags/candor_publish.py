"""Publish approved mash-ups: when ``APPROVALS`` is announced, and on a clock as a safety net.

Publishing renders only what curators approved and makes a release only when a page changed, so
the clock-driven runs are no-ops unless something was missed. Announces ``RELEASE``.
"""

from __future__ import annotations

from airflow.sdk import AssetOrTimeSchedule, dag, task

from candor.scheduling import APPROVALS, RELEASE, dag_arguments, every, settings_at_parse

settings = settings_at_parse()


@dag(
    schedule=AssetOrTimeSchedule(
        timetable=every(settings.airflow.schedules.publish), assets=APPROVALS
    ),
    **dag_arguments(settings, __doc__, "publish"),
)
def candor_publish() -> None:
    @task(outlets=[RELEASE])
    def publish() -> dict:
        from candor import tasks

        return tasks.publish()

    publish()


candor_publish()
