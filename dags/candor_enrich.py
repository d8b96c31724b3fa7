"""Enrich what the crawl brought: runs when ``THREADS`` is announced; announces ``ENRICHED``."""

from __future__ import annotations

from airflow.sdk import dag, task

from candor.scheduling import ENRICHED, THREADS, dag_arguments, settings_at_parse


@dag(schedule=[THREADS], **dag_arguments(settings_at_parse(), __doc__, "enrich"))
def candor_enrich() -> None:
    @task(outlets=[ENRICHED])
    def enrich() -> int:
        from candor import tasks

        return tasks.enrich()

    enrich()


candor_enrich()
