"""Keep the search index current: runs when ``ENRICHED`` is announced; announces ``SEARCH_INDEX``.

Only threads whose enrichment changed are re-indexed, in the index ``search`` names (local or
Elasticsearch): see :mod:`corpus.search`.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from candor.scheduling import ENRICHED, SEARCH_INDEX, dag_arguments, settings_at_parse


@dag(schedule=[ENRICHED], **dag_arguments(settings_at_parse(), __doc__, "index"))
def candor_index() -> None:
    @task(outlets=[SEARCH_INDEX])
    def index() -> object:
        from candor import tasks

        return tasks.index()

    index()


candor_index()
