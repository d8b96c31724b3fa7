"""Measuring the pilot: dated snapshots, contributor rankings, imports, attribution, reports.

- :mod:`candor.measure.snapshots` takes every snapshot (products, categories, venues from
  :mod:`corpus.metrics`; contributors from :mod:`candor.measure.contributors`) and reads series.
- :mod:`candor.measure.imports` reads Search Console, social-monitoring and orders CSV files
  into snapshots (scopes ``search``, ``social``, ``orders``).
- :mod:`candor.measure.experiments` assigns variants and compares conversion rates.
- :mod:`candor.measure.charts` draws line charts as plain SVG; :mod:`candor.measure.report`
  writes the weekly report as Markdown, HTML or CSV.

Definitions of every figure: ``docs/metrics.md``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from candor.measure.imports import ImportReport
    from corpus.settings import Settings


def snapshot(settings: Settings, taken_at: datetime | None = None) -> dict[str, int]:
    """Take every snapshot dated ``taken_at`` (default now); returns rows written per scope."""
    from candor.measure.snapshots import take_snapshots
    from candor.stages import open_store

    store = open_store(settings)
    try:
        figures = take_snapshots(store, settings, taken_at or datetime.now(UTC))
    finally:
        store.dispose()
    return {scope: len(rows) for scope, rows in figures.items()}


def import_csv(settings: Settings, kind: str, path: Path) -> ImportReport:
    """Import a ``gsc``, ``social``, ``orders`` or ``views`` CSV file as snapshots (``imports``)."""
    from candor.measure.imports import import_file
    from candor.stages import open_store

    store = open_store(settings)
    try:
        return import_file(store, path, kind, settings.publish.referral_param)
    finally:
        store.dispose()


def weekly_report(settings: Settings, since: datetime, fmt: str) -> str:
    """The pilot report from snapshots since ``since``, as ``md``, ``html`` or ``csv`` text."""
    from candor.measure.report import build_report, render
    from candor.stages import open_store

    store = open_store(settings)
    try:
        with store.session() as session:
            report: Any = build_report(
                session, since, settings.publish.experiments, settings.pilot_contributors
            )
        return render(report, fmt)
    finally:
        store.dispose()
