"""A removal request takes a person's words off every release and keeps them off."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from candor import stages
from corpus import models as m
from corpus.ingest import ensure_venue, save_thread
from corpus.records import ThreadRecord
from corpus.settings import Settings
from corpus.store import Store

ALICE_WORDS = "My linked device stopped syncing on desktop after 7.1"


def published_text(out: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file() and p.suffix == ".html"
    )


def test_forget_author_leaves_every_release_and_stays_gone_after_a_recrawl(
    make_settings: Callable[..., Settings], thread_record: Callable[..., ThreadRecord]
) -> None:
    settings = make_settings()
    stages.init(settings)
    store = Store(settings.store)
    record = thread_record(
        posts=[
            ("alice", f"<p>{ALICE_WORDS}. Any ideas?</p>"),
            ("bob-signal", "<p>You're right, that's a bug on our side in the desktop app.</p>"),
            ("carol", "<p>Same here on Windows, the linked device shows old messages.</p>"),
        ]
    )

    def crawl_again() -> None:
        with store.session() as session:
            save_thread(session, ensure_venue(session, settings.venues[0]), record)

    crawl_again()
    stages.enrich(settings)
    stages.select_threads(settings)
    assert stages.approve(settings, "signal-desktop", "curator", top=1)
    first = stages.publish(settings)
    releases = settings.publish.out / "releases"
    assert ALICE_WORDS in published_text(releases / first.release)

    report = stages.forget(settings, "signal-community", "privacy@example.com", author="alice")

    assert report.posts == 1 and report.purged == [first.release]
    assert not (releases / first.release).exists()
    shown = published_text(settings.publish.out)
    assert "alice" not in shown and ALICE_WORDS not in shown
    assert "that&#39;s a bug on our side" in shown or "that's a bug on our side" in shown

    crawl_again()  # the forum still has her post: it must come back empty
    with store.session() as session:
        posts = session.scalars(select(m.Post).order_by(m.Post.number)).all()
        assert posts[0].html == "" and posts[0].deleted_at is not None
        assert posts[0].author.username == "[removed]"
        assert session.scalars(select(m.Removal)).one().requested_by == "privacy@example.com"
        assert (
            session.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "forget"))
            .one()
            .subject
            == "author:signal-community:alice"
        )
        assert ALICE_WORDS not in str([a.evidence for a in session.scalars(select(m.Annotation))])
