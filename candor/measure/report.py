"""The weekly pilot report (``candor report --since DATE --format md|html|csv``).

:func:`build_report` reads snapshots only (take them first: ``candor snapshot``, or the metrics
DAG) and returns sections of rows; :func:`render` writes them as Markdown, a self-contained HTML
page, or one CSV (a ``section`` column first). Sections: per product (newest figures and the
change since the first snapshot on or after ``since``), per venue, the community and pilot
rankings with rank changes, search positions, social mentions, sales per mash-up, and each
configured experiment's variants with the difference from the baseline and its interval.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.measure.experiments import attributed_sales, experiment_results
from candor.measure.snapshots import latest, ranking, snapshot_dates
from candor.plan.rotations import RotationFigures, rotation_figures
from corpus import models as m
from corpus.metrics import CATEGORY_SCOPE, GROUP_METRICS, PRODUCT_SCOPE, VENUE_SCOPE
from corpus.settings import ExperimentConfig, PilotConfig

FORMATS = ("md", "html", "csv")
LINK = re.compile(r"^https?://[^\s\"'<>]+$")


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""


@dataclass
class Report:
    since: datetime
    sections: list[Section]


def _group_section(session: Session, scope: str, title: str, since: datetime) -> Section:
    dates = snapshot_dates(session, scope)
    section = Section(title, [scope, *GROUP_METRICS])
    if not dates:
        section.note = "No snapshots yet: run `candor snapshot`."
        return section
    newest = latest(session, scope)[1]
    start = next((d for d in dates if d >= since), None)
    before: dict[str, dict[str, Any]] = {}
    if start is not None and start != dates[-1]:
        before = {
            r.key: r.metrics
            for r in session.scalars(
                select(m.MetricSnapshot).where(
                    m.MetricSnapshot.scope == scope, m.MetricSnapshot.taken_at == start
                )
            )
        }
        section.note = (
            f"Figures at {dates[-1]:%Y-%m-%d}; (+n) is the change since {start:%Y-%m-%d}."
        )
    else:
        section.note = f"Figures at {dates[-1]:%Y-%m-%d}; no earlier snapshot in the period."
    for key, figures in sorted(newest.items()):
        row: list[Any] = [key]
        for metric in GROUP_METRICS:
            value, old = figures.get(metric), (before.get(key) or {}).get(metric)
            if isinstance(value, int | float) and isinstance(old, int | float) and value != old:
                row.append(f"{_num(value)} ({value - old:+g})")
            else:
                row.append("" if value is None else _num(value))
        section.rows.append(row)
    return section


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _ranking_section(session: Session, pilot: bool, since: datetime) -> Section:
    title = "Pilot group ranking" if pilot else "Community ranking"
    columns = [
        "rank",
        "change",
        "username",
        "venue",
        "score",
        "accepted",
        "thanks",
        "helpful",
        "mentions",
        "likes",
    ]
    rows = [
        [
            r.rank,
            "new" if r.change is None else f"{r.change:+d}",
            r.username,
            r.venue,
            r.score,
            r.accepted_answers,
            r.thanks_received,
            r.helpful_replies,
            r.mentions,
            r.likes,
        ]
        for r in ranking(session, pilot=pilot, since=since)[:25]
    ]
    note = "score = 3 × accepted answers + 2 × thanks received + 1 × helpful replies"
    return Section(title, columns, rows, note)


def _imported(session: Session, scope: str, since: datetime) -> list[m.MetricSnapshot]:
    return list(
        session.scalars(
            select(m.MetricSnapshot)
            .where(m.MetricSnapshot.scope == scope, m.MetricSnapshot.taken_at >= since)
            .order_by(m.MetricSnapshot.key, m.MetricSnapshot.taken_at)
        )
    )


def _search_section(session: Session, since: datetime) -> Section:
    section = Section(
        "Search (Google Search Console)",
        [
            "page",
            "query",
            "first",
            "position then",
            "last",
            "position now",
            "clicks",
            "impressions",
        ],
    )
    grouped: dict[str, list[m.MetricSnapshot]] = {}
    for row in _imported(session, "search", since):
        grouped.setdefault(row.key, []).append(row)
    for rows in grouped.values():
        first, last = rows[0], rows[-1]
        section.rows.append(
            [
                last.metrics.get("page", ""),
                last.metrics.get("query", ""),
                f"{first.taken_at:%Y-%m-%d}",
                first.metrics.get("position"),
                f"{last.taken_at:%Y-%m-%d}",
                last.metrics.get("position"),
                sum(r.metrics.get("clicks", 0) for r in rows),
                sum(r.metrics.get("impressions", 0) for r in rows),
            ]
        )
    section.note = "" if section.rows else "Nothing imported for the period (`candor import gsc`)."
    return section


def _social_section(session: Session, since: datetime) -> Section:
    section = Section("Social mentions", ["date", "source", "rank", "product", "url"])
    for row in _imported(session, "social", since):
        section.rows.append(
            [
                f"{row.taken_at:%Y-%m-%d}",
                row.metrics.get("source"),
                row.metrics.get("rank"),
                row.metrics.get("product") or "",
                row.metrics.get("url"),
            ]
        )
    section.note = (
        "" if section.rows else "Nothing imported for the period (`candor import social`)."
    )
    return section


def _sales_section(session: Session, since: datetime) -> Section:
    section = Section(
        "Sales per mash-up (attributed by referral code)",
        ["referral code", "product", "orders", "sign-ups", "amount"],
    )
    for a in attributed_sales(session, since):
        section.rows.append(
            [a.code, a.product or "(no published mash-up)", a.orders, a.signups, f"{a.amount:.2f}"]
        )
    section.note = (
        "Attributed, not incremental: only an experiment (docs/metrics.md) shows the increment."
        if section.rows
        else "No orders with a referral code in the period (`candor import orders`)."
    )
    return section


EXPERIMENT_COLUMNS = [
    "experiment",
    "product",
    "variant",
    "page requests",
    "orders",
    "conversion",
    "difference",
    "95% CI",
    "verdict",
]


def experiment_section(
    session: Session, experiments: list[ExperimentConfig], since: datetime | None = None
) -> Section:
    """One row per variant: requests, orders, rate, difference from the first variant, interval.

    The studio's dashboard shows the same section (with ``since`` None: everything imported).
    """
    section = Section("Experiments (variant mash-ups)", EXPERIMENT_COLUMNS)
    for r in experiment_results(session, experiments, since):
        c = r.comparison
        section.rows.append(
            [
                r.experiment,
                r.product,
                r.variant,
                r.requests,
                r.orders,
                "" if r.rate is None else f"{r.rate:.2%}",
                "" if c is None else f"{c.difference:+.2%}",
                "" if c is None else c.interval,
                r.note if c is None else c.verdict,
            ]
        )
    section.note = (
        "Conversion = orders carrying the variant's referral code ÷ requests of its fragment; "
        "each variant is compared with the first (Newcombe's interval; docs/metrics.md)."
        if experiments
        else "No experiment configured (publish.experiments)."
    )
    return section


def rotation_section(figures: list[RotationFigures], outside: int) -> Section:
    """Each pilot rotation with what its members wrote while on duty (the plan shows it too)."""
    return Section(
        "Pilot rotations",
        ["rotation", "start", "end", "members", "posts on duty", "threads"],
        [[r.name, r.start, r.end, ", ".join(r.members), r.posts, r.threads] for r in figures],
        f"{outside} posts by rotation members fell outside their periods."
        if figures
        else "No rotations configured (pilot_contributors.rotations).",
    )


def _rotations_since(session: Session, pilot: PilotConfig, since: datetime) -> Section:
    """Posts of the period attributed to the rotation on duty when each was written."""
    posts = session.execute(
        select(m.Author.username, m.Post.created_at, m.Post.thread_id)
        .join(m.Author, m.Author.id == m.Post.author_id)
        .where(m.Post.deleted_at.is_(None), m.Post.created_at >= since)
    )
    return rotation_section(*rotation_figures(pilot, posts))


def build_report(
    session: Session,
    since: datetime,
    experiments: list[ExperimentConfig] | None = None,
    pilot: PilotConfig | None = None,
) -> Report:
    """Every section of the report, from snapshots taken on or after ``since`` (and the newest).

    experiments: the configured experiments (``settings.publish.experiments``) to report on.
    pilot: the pilot group, whose rotations (``pilot_contributors.rotations``) get a section.
    """
    return Report(
        since,
        [
            _group_section(session, PRODUCT_SCOPE, "Per product", since),
            _group_section(session, CATEGORY_SCOPE, "Per issue category", since),
            _group_section(session, VENUE_SCOPE, "Per venue", since),
            _ranking_section(session, pilot=True, since=since),
            _ranking_section(session, pilot=False, since=since),
            _search_section(session, since),
            _social_section(session, since),
            _sales_section(session, since),
            experiment_section(session, experiments or [], since),
            _rotations_since(session, pilot or PilotConfig(), since),
        ],
    )


def csv_text(sections: list[Section]) -> str:
    """Sections as one CSV for a spreadsheet: each section's header row then its rows, with a
    ``section`` column first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for section in sections:
        writer.writerow(["section", *section.columns])
        writer.writerows([section.title, *row] for row in section.rows)
    return buffer.getvalue()


def render(report: Report, fmt: str) -> str:
    """The report as ``md``, ``html`` or ``csv`` text."""
    if fmt == "csv":
        return csv_text(report.sections)
    if fmt == "md":
        lines = [f"# Candor pilot report since {report.since:%Y-%m-%d}", ""]
        for section in report.sections:
            lines += markdown_section(section)
        return "\n".join(lines)
    if fmt == "html":
        title = f"Candor pilot report since {report.since:%Y-%m-%d}"
        body = [f"<h1>{title}</h1>", *(html_section(section) for section in report.sections)]
        return html_page(title, "".join(body))
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def markdown_section(section: Section) -> list[str]:
    """A section as Markdown lines: heading, note, table (shared with the planning report)."""
    lines = [f"## {section.title}", ""]
    if section.note:
        lines += [section.note, ""]
    if section.rows:
        lines.append("| " + " | ".join(section.columns) + " |")
        lines.append("|" + " --- |" * len(section.columns))
        lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in section.rows]
        lines.append("")
    return lines


def html_section(section: Section) -> str:
    """A section as HTML: heading, note, table (no inline style: the studio's CSP allows none)."""
    parts = [f"<h2>{escape(section.title)}</h2>"]
    if section.note:
        parts.append(f"<p>{escape(section.note)}</p>")
    if section.rows:
        head = "".join(f'<th scope="col">{escape(c)}</th>' for c in section.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{_html_cell(v)}</td>" for v in row) + "</tr>"
            for row in section.rows
        )
        parts.append(
            f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>"
        )
    return "".join(parts)


def _html_cell(value: Any) -> str:
    """A cell's text, escaped; a web address becomes a link to it."""
    text = escape(str(value))
    return f'<a href="{text}">{text}</a>' if LINK.match(str(value)) else text


def html_page(title: str, body: str) -> str:
    """A self-contained HTML page around ``body`` (its one style sheet inline in the head)."""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}</style></head><body>"
        + body
        + "</body></html>\n"
    )


def _md(value: Any) -> str:
    return str("" if value is None else value).replace("|", "\\|").replace("\n", " ")
