"""Crawl every configured venue on a clock; each venue in its own task and its own pool.

One task per venue (``crawl_<venue>``), so a failing forum fails its own task only and the others'
threads still arrive and are announced. Each crawl runs in the venue's pool and takes as many
slots as it makes parallel requests: see :mod:`candor.scheduling`. Announces ``THREADS``.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from candor.scheduling import THREADS, dag_arguments, every, pool_name, settings_at_parse

settings = settings_at_parse()


@dag(schedule=every(settings.airflow.schedules.crawl), **dag_arguments(settings, __doc__, "crawl"))
def candor_crawl() -> None:
    @task
    def init() -> list[str]:
        from candor import tasks

        return tasks.init()

    @task(outlets=[THREADS])
    def crawl(venue: str) -> dict:
        from candor import tasks

        return tasks.crawl(venue)

    ready = init()
    for venue in settings.venues:
        ready >> crawl.override(
            task_id=f"crawl_{venue.name}", pool=pool_name(venue), pool_slots=venue.concurrency
        )(venue.name)


candor_crawl()
