"""Propose candidates to curators: runs on ``ENRICHED``; announces ``CANDIDATES``."""

from __future__ import annotations

from airflow.sdk import dag, task

from candor.scheduling import CANDIDATES, ENRICHED, dag_arguments, settings_at_parse


@dag(schedule=[ENRICHED], **dag_arguments(settings_at_parse(), __doc__, "select"))
def candor_select() -> None:
    @task(outlets=[CANDIDATES])
    def select() -> int:
        from candor import tasks

        return tasks.select_candidates()

    select()


candor_select()
