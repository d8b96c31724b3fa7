"""Contributor rankings computed from what the corpus holds."""

from __future__ import annotations

from corpus.store import Store
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
