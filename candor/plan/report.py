"""The pilot-planning report: Markdown and HTML with charts, from a plan (:mod:`.build`).

:func:`sections` turns the plan into titled tables (the weekly report's
:class:`~candor.measure.report.Section`), :func:`charts` into SVG bar charts
(:func:`candor.measure.charts.bar_chart`), and :func:`write_report` writes ``plan.md``,
``plan.html``, ``plan.csv`` and ``charts/*.svg`` into a folder. :func:`html_body` is the HTML
without its page, which the studio's Plan page shows, so both show the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from candor.measure.charts import bar_chart
from candor.measure.report import (
    Section,
    csv_text,
    html_page,
    html_section,
    markdown_section,
    rotation_section,
)
from candor.plan.build import Plan
from candor.plan.figures import Opportunity, percent

OPPORTUNITY_COLUMNS = [
    "threads",
    "replies/thread",
    "people/thread",
    "helpers/thread",
    "community solved",
    "group solved",
    "gratitude",
    "unanswered",
    "trend",
    "score",
]


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    svg: str


def _opportunity_cells(o: Opportunity) -> list[str]:
    return [
        str(o.threads),
        f"{o.replies_mean:g}",
        f"{o.participants_mean:g}",
        f"{o.helpers_mean:g}",
        percent(o.community_solved),
        percent(o.group_solved),
        percent(o.gratitude),
        percent(o.unanswered),
        f"{o.trend:+d} ({o.recent} vs {o.previous})",
        f"{o.score:g}",
    ]


def _num(value: float | None, suffix: str = "") -> str:
    return "" if value is None else f"{value:g}{suffix}"


def sections(plan: Plan) -> list[Section]:
    """The report's tables, in reading order."""
    result = [
        Section(
            "Recommendations",
            ["kind", "recommendation", "the figures behind it"],
            [[r.kind, r.what, r.why] for r in plan.recommendations],
            "" if plan.recommendations else "Nothing to recommend yet: enrich a corpus first.",
        ),
        Section(
            "Where to observe only",
            ["where", "why"],
            [list(pair) for pair in plan.observe],
            "Observe-only venues are still mined and republishable; Candor suggests no staff "
            "reply there.",
        ),
        Section(
            "Opportunity per product",
            ["product", *OPPORTUNITY_COLUMNS],
            [
                [plan.products[slug], *_opportunity_cells(o)]
                for slug, o in plan.product_figures.items()
            ],
        ),
        Section(
            "Scenarios: opportunity per product × scenario",
            ["scenario", "label", "category", *OPPORTUNITY_COLUMNS, "key phrases", "examples"],
            [
                [
                    s.key,
                    s.label,
                    f"{s.category} ({percent(s.category_share)})" if s.category else "",
                    *_opportunity_cells(o),
                    ", ".join(p for p, _ in s.phrases),
                    " / ".join(plan.titles.get(t, "") for t in s.representative),
                ]
                for s, o in plan.scenarios
            ],
            "Rename or merge: `candor plan rename|merge SCENARIO …`; promote into the "
            "taxonomy: `candor plan promote SCENARIO`."
            + (
                f" Edits matching no scenario now: {', '.join(plan.unmatched_edits)}."
                if plan.unmatched_edits
                else ""
            ),
        ),
        Section(
            "Service capability per product",
            [
                "product",
                "threads",
                "with staff",
                "staff coverage",
                "first staff reply (h, median)",
                "resolved after staff",
                "admission rate",
                "staff posts",
                "empathy",
                "deflection",
                "happy talk",
            ],
            [
                [
                    plan.products[slug],
                    c.threads,
                    c.staff_threads,
                    percent(c.staff_coverage),
                    _num(c.first_staff_reply_hours),
                    percent(c.resolved_after_staff),
                    percent(c.admission_rate),
                    c.staff_posts,
                    c.empathy,
                    c.deflection,
                    percent(c.happy_talk),
                ]
                for slug, c in plan.capabilities.items()
            ],
        ),
        Section(
            "Community response to staff",
            [
                "venue or venue/category",
                "threads with staff",
                "without",
                "replies by others after staff",
                "after a community reply",
                "people after staff",
                "after a community reply",
                "ratio",
                "quiets down",
            ],
            [
                [
                    r.group,
                    r.staff_threads,
                    r.other_threads,
                    _num(r.replies_after_staff),
                    _num(r.replies_after_other),
                    _num(r.people_after_staff),
                    _num(r.people_after_other),
                    _num(r.ratio),
                    "yes" if r.quiets_down else "",
                ]
                for r in plan.venues + plan.categories
            ],
            "Per thread, within the response window after the first staff post (threads with "
            "staff) or the first community reply (threads without).",
        ),
        Section(
            "Venue policy",
            ["venue", "policy", "observe-only categories"],
            [[v, p, ", ".join(c)] for v, p, c in plan.policies],
        ),
        Section(
            "Triage: open threads where a company reply would help (engage venues only)",
            ["rank", "thread", "link", "venue", "reason", "waiting (h)", "affected"],
            [
                [n, t.title, t.url, t.venue, t.reason, f"{t.waiting_hours:g}", t.affected]
                for n, t in enumerate(plan.triage, start=1)
            ],
            f"As of {plan.as_of:%Y-%m-%d %H:%M} UTC."
            + ("" if plan.triage else " No open thread needs a company reply."),
        ),
        rotation_section(plan.rotations, plan.outside_rotations),
    ]
    return result


def charts(plan: Plan) -> list[Chart]:
    """The report's charts; each shows numbers that a table of :func:`sections` lists too."""
    best = sorted(plan.scenarios, key=lambda pair: -pair[1].score)[:12]
    return [
        Chart(
            "scenarios",
            "Opportunity score of the best scenarios",
            bar_chart(
                "Opportunity score per scenario",
                {f"{s.product}: {s.label}": {"score": o.score} for s, o in best},
            ),
        ),
        Chart(
            "capability",
            "Service capability per product (%)",
            bar_chart(
                "Service capability per product (%)",
                {
                    plan.products[slug]: {
                        "staff coverage": round(100 * c.staff_coverage),
                        "resolved after staff": round(100 * c.resolved_after_staff),
                        "admission rate": round(100 * c.admission_rate),
                    }
                    for slug, c in plan.capabilities.items()
                },
            ),
        ),
        Chart(
            "response",
            "Replies by others per thread, after staff vs after a community reply",
            bar_chart(
                "Community response to staff per venue",
                {
                    r.group: {
                        "after staff": r.replies_after_staff,
                        "after a community reply": r.replies_after_other,
                    }
                    for r in plan.venues
                },
            ),
        ),
    ]


def title(plan: Plan) -> str:
    return f"Candor pilot plan as of {plan.as_of:%Y-%m-%d}"


INTRO = (
    "Which products, scenarios and forums to serve in during the pilot, and where to only "
    "observe. Definitions of every figure: docs/planning.md."
)


def html_body(plan: Plan) -> str:
    """The report's HTML without its page: charts inline (SVG), then every table."""
    figures = "".join(
        f'<figure class="plan-chart"><figcaption>{escape(c.title)}</figcaption>{c.svg}</figure>'
        for c in charts(plan)
    )
    tables = "".join(html_section(s) for s in sections(plan))
    return f"<p>{INTRO}</p>{figures}{tables}"


def markdown(plan: Plan, chart_folder: str = "charts") -> str:
    """The report as Markdown; charts are linked as ``chart_folder/NAME.svg``."""
    lines = [f"# {title(plan)}", "", INTRO, ""]
    lines += [f"![{c.title}]({chart_folder}/{c.name}.svg)" for c in charts(plan)]
    lines.append("")
    for section in sections(plan):
        lines += markdown_section(section)
    return "\n".join(lines)


def write_report(plan: Plan, folder: Path) -> list[Path]:
    """Write ``plan.md``, ``plan.html``, ``plan.csv`` (every table, for a spreadsheet) and
    ``charts/*.svg`` into ``folder``; returns the paths."""
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    written = []
    for chart in charts(plan):
        path = folder / "charts" / f"{chart.name}.svg"
        path.write_text(chart.svg, encoding="utf-8")
        written.append(path)
    md, html = folder / "plan.md", folder / "plan.html"
    md.write_text(markdown(plan), encoding="utf-8")
    page = html_page(title(plan), f"<h1>{title(plan)}</h1>{html_body(plan)}")
    html.write_text(page, encoding="utf-8")
    table = folder / "plan.csv"
    table.write_text(csv_text(sections(plan)), encoding="utf-8")
    return [md, html, table, *written]
