"""Housekeeping: vacuum the store, then re-enrich what a new model or rule version touched.

Enrichment is incremental by version, so re-enrichment is the enrich stage itself: after an
upgrade it redoes the judgements the new version changes, otherwise it finds nothing to do.
Announces ``ENRICHED``, so selection and the search index follow.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from candor.scheduling import ENRICHED, dag_arguments, every, settings_at_parse

settings = settings_at_parse()


@dag(
    schedule=every(settings.airflow.schedules.maintenance),
    **dag_arguments(settings, __doc__, "maintenance"),
)
def candor_maintenance() -> None:
    @task
    def vacuum() -> list[str]:
        from candor import tasks

        return tasks.vacuum()

    @task(outlets=[ENRICHED])
    def reenrich() -> int:
        from candor import tasks

        return tasks.enrich()

    vacuum() >> reenrich()


candor_maintenance()
