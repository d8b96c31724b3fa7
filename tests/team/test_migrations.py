"""Migrations on both backends: an empty database gets the whole schema; one left at revision
0001 with a curator's work in it is upgraded without losing a row; a store behind is refused with
the command that fixes it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select

from corpus import models as m
from corpus.errors import StoreError
from corpus.store import Store
from tests.team.conftest import head_revision


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'corpus.db'}"
    new_database: Callable[[], str] = request.getfixturevalue("new_database")
    return new_database()


def test_migrations_apply_on_an_empty_database(empty_url: str) -> None:
    store = Store(empty_url)
    assert store.revision() is None
    store.migrate()
    store.migrate()  # idempotent: `candor init` may run on every deploy
    assert store.revision() == head_revision()
    store.check()
    tables = set(inspect(store.engine).get_table_names())
    assert {t.name for t in m.Base.metadata.sorted_tables} <= tables
    assert store.counts().threads == 0
    store.dispose()


def _at_0001_with_a_review(store: Store) -> None:
    config = store._alembic()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        for statement in (
            "INSERT INTO products (id, slug, name, aliases) VALUES (1, 'p', 'P', '[]')",
            "INSERT INTO venues (id, name, platform, url, public_url, created_at) "
            "VALUES (1, 'v', 'discourse', 'https://v', 'https://v', '2025-01-01')",
            "INSERT INTO threads (id, venue_id, source_id, title, url, tags, created_at, "
            "fingerprint, first_seen_at, changed_at) VALUES "
            "(1, 1, 't', 'T', 'https://v/t', '[]', '2025-01-01', 'f', '2025-01-01', '2025-01-01')",
            "INSERT INTO candidates (id, product_id, thread_id, rank, score, parts, evidence, "
            "excerpt_post_ids, selector, active, created_at) VALUES "
            "(1, 1, 1, 1, 1.0, '{}', '[]', '[]', 's', true, '2025-01-01')",
            "INSERT INTO reviews (id, candidate_id, decision, excerpt_post_ids, reviewer, "
            "decided_at) VALUES (1, 1, 'approved', '[]', 'ann', '2025-01-01')",
        ):
            connection.exec_driver_sql(statement)


def test_migrations_upgrade_a_database_holding_reviews(empty_url: str) -> None:
    store = Store(empty_url)
    _at_0001_with_a_review(store)
    with pytest.raises(StoreError, match=r"at schema revision 0001.*run `candor init`"):
        store.check()
    store.migrate()
    store.check()
    with store.session() as session:
        review = session.get(m.Review, 1)
        assert review is not None
        assert (review.decision, review.reviewer, review.excerpt_sentences) == (
            "approved",
            "ann",
            {},
        )
        assert session.scalars(select(m.Thread.title)).all() == ["T"]
        assert session.scalars(select(m.Candidate.active)).all() == [True]
    store.dispose()
