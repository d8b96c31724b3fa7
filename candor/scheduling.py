"""What Candor's Airflow DAGs share: the Assets that wire them, their defaults, pools and alerts.

The DAG files in ``dags/`` import this module when the scheduler parses them, so it stays light:
Airflow's SDK and Candor's settings, nothing else. Settings (``airflow:`` in ``candor.yaml``):
``schedules.*`` (when clock-driven DAGs run), ``owner``, ``retries``, ``retry_delay_minutes`` and
``alert_webhook`` (a URL that receives a JSON POST when a task fails after its retries).

How the DAGs meet (each Asset is announced by one DAG and wakes the DAGs scheduled on it)::

    candor_crawl (clock) ──THREADS──▶ candor_enrich ──ENRICHED──▶ candor_select ──▶ CANDIDATES
                                            ▲             └──────▶ candor_index  ──▶ SEARCH_INDEX
    candor_maintenance (clock) ─ENRICHED────┘ (re-enrichment after a model or rule version change)
    candor_approvals (clock) ──APPROVALS (only when curators decided something)──▶ candor_publish
    candor_publish (APPROVALS, or its clock as a safety net) ──RELEASE
    candor_metrics (clock) ──METRICS

Politeness: every crawl of a venue runs in that venue's pool and takes as many slots as the
requests it makes in parallel; see :mod:`candor.pools`.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from typing import Any

import pendulum
from airflow.sdk import Asset, BaseNotifier, CronDataIntervalTimetable

from candor.pools import crawl_task_id, pool_name, pools
from corpus.settings import Settings, load_settings

__all__ = [
    "APPROVALS",
    "CANDIDATES",
    "ENRICHED",
    "METRICS",
    "RELEASE",
    "SEARCH_INDEX",
    "THREADS",
    "WebhookNotifier",
    "crawl_task_id",
    "dag_arguments",
    "every",
    "failure_payload",
    "pool_name",
    "pools",
    "settings_at_parse",
]

THREADS = Asset(uri="candor://corpus/threads", name="candor-threads")
ENRICHED = Asset(uri="candor://corpus/annotations", name="candor-annotations")
SEARCH_INDEX = Asset(uri="candor://search/index", name="candor-search-index")
CANDIDATES = Asset(uri="candor://corpus/candidates", name="candor-candidates")
APPROVALS = Asset(uri="candor://corpus/reviews", name="candor-reviews")
RELEASE = Asset(uri="candor://site/current", name="candor-release")
METRICS = Asset(uri="candor://corpus/metric-snapshots", name="candor-metric-snapshots")

START = pendulum.datetime(2026, 1, 1, tz="UTC")
WEBHOOK_TIMEOUT = 10


def every(schedule: str) -> CronDataIntervalTimetable:
    """A clock schedule whose runs each cover one data interval (``@daily``: yesterday)."""
    return CronDataIntervalTimetable(schedule, timezone="UTC")


def dag_arguments(settings: Settings, doc: str | None, *tags: str) -> dict[str, Any]:
    """What every Candor DAG shares: owner, retries, the failure alert, no catch-up, one run."""
    config = settings.airflow
    default_args: dict[str, Any] = {
        "owner": config.owner,
        "retries": config.retries,
        "retry_delay": timedelta(minutes=config.retry_delay_minutes),
    }
    if config.alert_webhook:
        default_args["on_failure_callback"] = WebhookNotifier(config.alert_webhook)
    return {
        "start_date": START,
        "catchup": False,
        "max_active_runs": 1,
        "default_args": default_args,
        "tags": ["candor", *tags],
        "doc_md": doc,
    }


def settings_at_parse() -> Settings:
    """The settings the scheduler builds the DAGs from (``$CANDOR_CONFIG``, as on the workers)."""
    return load_settings()


class WebhookNotifier(BaseNotifier):
    """Posts a failed task's identity and error as JSON to ``url`` (an ``on_failure_callback``).

    The body: ``dag_id``, ``task_id``, ``map_index``, ``run_id``, ``try_number``,
    ``logical_date``, ``error`` and ``text`` (one line for chat tools that show ``text``).
    """

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def notify(self, context: Any) -> None:
        payload = failure_payload(context)
        request = urllib.request.Request(
            self.url,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "candor-airflow"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
            response.read()


def failure_payload(context: Any) -> dict[str, Any]:
    """The JSON an alert carries, from an Airflow task context."""
    ti = context["ti"]
    error = context.get("exception")
    logical_date = context.get("logical_date")
    payload = {
        "dag_id": ti.dag_id,
        "task_id": ti.task_id,
        "map_index": ti.map_index,
        "run_id": ti.run_id,
        "try_number": ti.try_number,
        "logical_date": logical_date.isoformat() if logical_date else None,
        "error": f"{type(error).__name__}: {error}" if error else None,
    }
    payload["text"] = (
        f"Candor: {ti.dag_id}.{ti.task_id} failed in {ti.run_id}: {payload['error'] or 'no error'}"
    )
    return payload
