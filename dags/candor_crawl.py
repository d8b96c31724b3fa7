"""Crawl every configured venue on a clock; each venue in its own task and its own pool.

One task per venue (``crawl_<venue>``), so a failing forum fails its own task only and the others'
threads still arrive and are announced; a venue with ``categories:`` gets one task per category
(``crawl_<venue>__<category>``), each scope with its own watermark, so a large forum's sections
fail and retry apart. Each crawl runs in the venue's pool and takes as many slots as it makes
parallel requests: see :mod:`candor.scheduling`. Announces ``THREADS``.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from candor.scheduling import (
    THREADS,
    crawl_task_id,
    dag_arguments,
    every,
    pool_name,
    settings_at_parse,
)

settings = settings_at_parse()


@dag(schedule=every(settings.airflow.schedules.crawl), **dag_arguments(settings, __doc__, "crawl"))
def candor_crawl() -> None:
    @task
    def init() -> list[str]:
        from candor import tasks

        return tasks.init()

    @task(outlets=[THREADS])
    def crawl(venue: str, category: str | None = None) -> dict:
        from candor import tasks

        return tasks.crawl(venue, category)

    ready = init()
    for venue in settings.venues:
        for category in venue.categories or [None]:
            ready >> crawl.override(
                task_id=crawl_task_id(venue.name, category),
                pool=pool_name(venue),
                pool_slots=venue.concurrency,
            )(venue.name, category)


candor_crawl()
