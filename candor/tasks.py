"""Stage calls for schedulers: no arguments but the configuration, JSON-able results.

Airflow tasks (``dags/``) call these, so a DAG file holds wiring only. Each reads the settings
from ``$CANDOR_CONFIG`` (or ``./candor.yaml``) when it runs, on whichever worker runs it.
"""

from __future__ import annotations

from candor import stages
from corpus.settings import load_settings


def crawl() -> int:
    """Crawl every venue; returns how many threads were new or changed."""
    settings = load_settings()
    stages.init(settings)
    reports = stages.crawl(settings)
    return sum(r.stats.get("new", 0) + r.stats.get("changed", 0) for r in reports)


def enrich() -> int:
    """Enrich changed threads; returns how many."""
    return stages.enrich(load_settings()).threads_enriched


def select() -> int:
    """Re-select candidates; returns how many changed."""
    return stages.select_threads(load_settings()).changed


def publish() -> str | None:
    """Publish approved mash-ups; returns the current release label."""
    return stages.publish(load_settings()).release
