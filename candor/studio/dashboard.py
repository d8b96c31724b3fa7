"""The studio's dashboard: the pilot's figures over time, a chart and a table for each.

``GET /dashboard`` filters by product, taxonomy category or venue (one at a time; all venues
when none is chosen) and shows, from the snapshots (:mod:`candor.measure.snapshots`), a
server-drawn SVG chart per metric with the same numbers in a table beside it, the community and
pilot rankings with rank changes, search positions over time (per page and query, narrowed
to the chosen product's page), and every configured experiment's variants compared with the
baseline (:func:`candor.measure.report.experiment_section`, over everything imported).
``GET /dashboard.csv`` exports the chosen group's series.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from candor.measure.charts import line_chart
from candor.measure.report import experiment_section
from candor.measure.snapshots import Point, ranking, series
from candor.studio.app import Reader, context, render
from corpus import models as m
from corpus.metrics import GROUP_METRICS, VENUE_SCOPE

router = APIRouter(include_in_schema=False)
CHARTED = (
    "gratitude",
    "solved",
    "threads_with_admissions",
    "first_helpful_reply_hours",
    "helpers",
    "referrals",
    "likes",
)
LABELS = {
    "gratitude": "Gratitude received",
    "solved": "Problems solved (accepted answers or confirmed fixes)",
    "threads_with_admissions": "Threads with staff admissions",
    "first_helpful_reply_hours": "Median hours to the first helpful reply",
    "helpers": "Distinct community helpers",
    "referrals": "Uninvited recommendations",
    "likes": "Likes",
}


@dataclass(frozen=True)
class Chart:
    title: str
    svg: Markup
    rows: list[tuple[str, str, Any]]


def _choice(product: str, category: str, venue: str) -> tuple[str, str | None]:
    if product:
        return "product", product
    if category:
        return "category", category
    if venue:
        return "venue", venue
    return VENUE_SCOPE, None


def _charts(lines_of: dict[str, dict[str, list[Point]]]) -> list[Chart]:
    charts = []
    for metric, lines in lines_of.items():
        rows = [
            (f"{p.taken_at:%Y-%m-%d}", key, "" if p.value is None else f"{p.value:g}")
            for key, pts in sorted(lines.items())
            for p in pts
        ]
        charts.append(Chart(LABELS.get(metric, metric), Markup(line_chart(metric, lines)), rows))
    return charts


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request, user: Reader, product: str = "", category: str = "", venue: str = ""
) -> HTMLResponse:
    scope, key = _choice(product, category, venue)
    keys = [key] if key else None
    studio = context(request)
    with studio.store.session() as session:
        lines_of = {metric: series(session, scope, metric, keys) for metric in CHARTED}
        page = None
        if product:
            page = session.scalar(select(m.Product.page).where(m.Product.slug == product))
        search = series(session, "search", "position")
        if page:
            search = {k: v for k, v in search.items() if k.startswith(page)}
        categories = [
            (c.id, c.name) for c in session.scalars(select(m.Category).order_by(m.Category.name))
        ]
        venues = list(session.scalars(select(m.Venue.name).order_by(m.Venue.name)))
        community = ranking(session)[:20]
        pilot = ranking(session, pilot=True)[:20]
        experiments = experiment_section(session, studio.settings.publish.experiments)
    search_chart = Chart(
        "Search position over time (1 is the top)",
        Markup(line_chart("search position", dict(sorted(search.items())[:7]), invert=True)),
        [
            (f"{p.taken_at:%Y-%m-%d}", k, f"{p.value:g}" if p.value is not None else "")
            for k, pts in sorted(search.items())
            for p in pts
        ],
    )
    return render(
        request,
        "dashboard.html",
        user,
        charts=_charts(lines_of),
        search_chart=search_chart,
        community=community,
        pilot=pilot,
        experiments=experiments,
        categories=categories,
        venues=venues,
        product=product,
        category=category,
        venue=venue,
        filters={"product": product, "category": category, "venue": venue},
    )


@router.get("/dashboard.csv")
def dashboard_csv(
    request: Request, user: Reader, product: str = "", category: str = "", venue: str = ""
) -> Response:
    scope, key = _choice(product, category, venue)
    with context(request).store.session() as session:
        query = select(m.MetricSnapshot).where(m.MetricSnapshot.scope == scope)
        if key:
            query = query.where(m.MetricSnapshot.key == key)
        rows = session.scalars(query.order_by(m.MetricSnapshot.taken_at, m.MetricSnapshot.key))
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["taken_at", "scope", "key", *GROUP_METRICS])
        for row in rows:
            metrics = row.metrics or {}
            writer.writerow(
                [
                    row.taken_at.isoformat(),
                    scope,
                    row.key,
                    *(metrics.get(k, "") for k in GROUP_METRICS),
                ]
            )
    name = f"candor-{scope}-{key or 'all'}.csv".replace("/", "_")
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
