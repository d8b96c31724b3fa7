"""Contributor rankings computed from what the corpus holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from corpus import models as m
from corpus.settings import PilotConfig, Settings
from corpus.store import Store
from publisher import publish
from publisher.rankings import rank_contributors
from tests.publisher.acme_forum import Forum, build_helpers

Row = tuple[int, str, int, int, int, int]


def table(store: Store, **options: object) -> list[Row]:
    with store.session() as s:
        rows = rank_contributors(s, **options)  # type: ignore[arg-type]
    return [
        (
            r.rank,
            r.author.username,
            r.accepted_answers,
            r.thanks_received,
            r.helpful_replies,
            r.score,
        )
        for r in rows
    ]


def test_rankings_follow_the_documented_formula(forum: Forum, store: Store) -> None:
    build_helpers(forum)

    assert table(store) == [
        (1, "carol", 1, 2, 1, 8),
        (2, "dave", 0, 0, 1, 1),
        (3, "erin", 0, 0, 1, 1),
    ]


def test_rankings_leave_out_who_opted_out(forum: Forum, store: Store) -> None:
    build_helpers(forum)

    assert [row[1] for row in table(store, opt_out=["CAROL"])] == ["dave", "erin"]


def test_rankings_drop_what_was_deleted_at_the_source(forum: Forum, store: Store) -> None:
    build_helpers(forum)
    forum.delete_at_source("q1")

    assert table(store) == [(1, "carol", 0, 1, 0, 2), (2, "erin", 0, 0, 1, 1)]


def test_rankings_are_empty_before_enrichment(forum: Forum, store: Store) -> None:
    assert table(store) == []


def test_rankings_show_the_top_only(forum: Forum, store: Store) -> None:
    build_helpers(forum)

    assert [row[1] for row in table(store, top=1)] == ["carol"]


def page_rows(site: Path, table: str) -> list[list[str]]:
    """The body rows of ``table`` (a CSS class) on the published contributors page, as text."""
    html = (site / "contributors.html").read_text("utf-8")
    body = html.split(f'class="{table}')[1].split("</tbody>")[0]
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1], re.S)
    ]


def test_rankings_page_shows_change_since_a_week_of_snapshots(
    forum: Forum, store: Store, settings: Settings
) -> None:
    build_helpers(forum)
    week_ago, today = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 12, tzinfo=UTC)
    with store.session() as s:
        for taken_at, ranks in ((week_ago, {"dave": 1, "carol": 2}), (today, {"carol": 1})):
            s.add_all(
                m.MetricSnapshot(
                    taken_at=taken_at,
                    scope="contributor",
                    key=f"acme-community/{name}",
                    metrics={"rank": rank, "pilot_rank": None},
                )
                for name, rank in ranks.items()
            )

    site = publish(store, settings).path

    assert [row[:3] for row in page_rows(site, "candor-rankings")] == [
        ["1", "+1", "@carol"],
        ["2", "−1", "Dave Diaz @dave"],
        ["3", "new", "@erin"],
    ]
    assert "since 5 January 2026" in (site / "contributors.html").read_text("utf-8")


def test_rankings_page_pilot_group_leaves_out_who_opted_out(
    forum: Forum, store: Store, settings: Settings
) -> None:
    build_helpers(forum)
    pilot = {"username_suffix": "-acme", "usernames": ["dave", "erin"]}
    opted = settings.model_copy(
        update={
            "pilot_contributors": PilotConfig(**pilot),
            "publish": settings.publish.model_copy(update={"rankings_opt_out": ["dave"]}),
        }
    )

    site = publish(store, opted).path

    assert page_rows(site, "candor-rankings candor-pilot-rankings") == [
        ["1", "—", "Bob from Acme @bob-acme", "0", "0", "1", "1"],  # staff: no community rank
        ["2", "2", "@erin", "0", "0", "1", "1"],  # 2, not 3: dave left no gap
    ]
    assert "dave" not in (site / "contributors.html").read_text("utf-8").lower()
