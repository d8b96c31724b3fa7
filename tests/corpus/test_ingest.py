"""Saving crawled threads: new, changed or unchanged, edit history kept, deletions tombstoned."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, select

from corpus import models as m
from corpus.errors import StoreError
from corpus.ingest import Change, ensure_venue, known_fingerprints, save_thread, tombstone_thread
from corpus.records import ThreadRecord
from corpus.settings import VenueConfig
from corpus.store import Store

VENUE = VenueConfig(name="forum", url="https://forum.example")
Factory = Callable[..., ThreadRecord]


def save(store: Store, record: ThreadRecord) -> Change:
    with store.session() as session:
        return save_thread(session, ensure_venue(session, VENUE), record)


def test_ingest_saves_thread_posts_and_authors(store: Store, thread_record: Factory) -> None:
    assert save(store, thread_record()) is Change.NEW
    with store.session() as session:
        thread = session.scalars(select(m.Thread)).one()
        assert [p.author.username for p in thread.posts] == ["alice", "bob-signal", "alice"]
        assert thread.posts[1].author.groups == ["signal_staff"]
        assert session.scalar(select(func.count()).select_from(m.Author)) == 2


def test_ingest_same_thread_twice_changes_nothing(store: Store, thread_record: Factory) -> None:
    save(store, thread_record())
    assert save(store, thread_record()) is Change.UNCHANGED
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(m.PostVersion)) == 3


def test_ingest_edit_updates_post_and_keeps_hash_history(
    store: Store, thread_record: Factory
) -> None:
    save(store, thread_record())
    edited = thread_record(posts=[("alice", "<p>Edited question</p>"), ("bob-signal", "<p>x</p>")])
    assert save(store, edited) is Change.CHANGED
    with store.session() as session:
        first = session.scalars(select(m.Post).where(m.Post.number == 1)).one()
        versions = session.scalars(select(m.PostVersion).where(m.PostVersion.post_id == first.id))
        assert first.html == "<p>Edited question</p>"
        assert len(versions.all()) == 2
        # the third post vanished at the source: tombstoned, not deleted
        third = session.scalars(select(m.Post).where(m.Post.number == 3)).one()
        assert third.deleted_at is not None


def test_ingest_an_answer_accepted_later_changes_the_thread(
    store: Store, thread_record: Factory
) -> None:
    record = thread_record()
    save(store, record)
    posts = list(record.posts)
    posts[1] = posts[1].model_copy(update={"is_accepted_answer": True})
    assert save(store, record.model_copy(update={"posts": tuple(posts)})) is Change.CHANGED


def test_ingest_fingerprints_let_a_crawl_skip_unchanged_threads(
    store: Store, thread_record: Factory
) -> None:
    record = thread_record()
    save(store, record)
    with store.session() as session:
        known = known_fingerprints(session, ensure_venue(session, VENUE).id)
        assert known == {"100": f"3@{record.last_activity_at.isoformat()}"}
        tombstone_thread(session, ensure_venue(session, VENUE), "100")
    with store.session() as session:
        assert known_fingerprints(session, ensure_venue(session, VENUE).id) == {}


def test_ingest_failed_transaction_leaves_no_half_thread(
    store: Store, thread_record: Factory
) -> None:
    save(store, thread_record("1"))
    with pytest.raises(RuntimeError), store.session() as session:
        save_thread(session, ensure_venue(session, VENUE), thread_record("2"))
        raise RuntimeError("crash between posts and commit")
    with store.session() as session:
        assert [t.source_id for t in session.scalars(select(m.Thread))] == ["1"]
        assert session.scalar(select(func.count()).select_from(m.Post)) == 3


def test_store_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `candor init`"):
        Store(f"sqlite:///{tmp_path / 'empty.db'}").check()


def test_store_bad_url_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot use store URL 'nosuchdb://x'"):
        Store("nosuchdb://x")


def test_store_migration_upgrades_a_database_holding_reviews(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    config = store._alembic()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql(
            "INSERT INTO products (id, slug, name, aliases) VALUES (1, 'p', 'P', '[]')"
        )
        connection.exec_driver_sql(
            "INSERT INTO venues (id, name, platform, url, public_url, created_at) "
            "VALUES (1, 'v', 'discourse', 'https://v', 'https://v', '2025-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO threads (id, venue_id, source_id, title, url, tags, created_at, "
            "fingerprint, first_seen_at, changed_at) VALUES "
            "(1, 1, 't', 'T', 'https://v/t', '[]', '2025-01-01', 'f', '2025-01-01', '2025-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO candidates (id, product_id, thread_id, rank, score, parts, evidence, "
            "excerpt_post_ids, selector, active, created_at) VALUES "
            "(1, 1, 1, 1, 1.0, '{}', '[]', '[]', 's', 1, '2025-01-01')"
        )
        connection.exec_driver_sql(
            "INSERT INTO reviews (id, candidate_id, decision, excerpt_post_ids, reviewer, "
            "decided_at) VALUES (1, 1, 'approved', '[]', 'ann', '2025-01-01')"
        )
    store.migrate()
    store.check()
    with store.session() as session:
        review = session.get(m.Review, 1)
        assert (review.decision, review.excerpt_sentences) == ("approved", {})
