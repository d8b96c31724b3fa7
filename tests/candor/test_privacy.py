"""Personal data planted in a thread never leaves the corpus: not in judgements, not on pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from candor import stages
from corpus import models as m
from corpus.ingest import ensure_venue, save_thread
from corpus.records import ThreadRecord
from corpus.settings import Settings
from corpus.store import Store

PLANTED = [
    "jane.roe@example.org",
    "+44 20 7946 0958",
    "s3cr3t-t0ken",
    "4111 1111 1111 1111",
    "mike@example.com",
]


def test_privacy_planted_personal_data_reaches_no_output(
    make_settings: Callable[..., Settings], thread_record: Callable[..., ThreadRecord]
) -> None:
    settings = make_settings()
    stages.init(settings)
    store = Store(settings.store)
    record = thread_record(
        title="Desktop won't link, mail mike@example.com",
        posts=[
            (
                "alice",
                "<p>My linked device stopped syncing on desktop. Reach me at jane.roe@example.org "
                "or +44 20 7946 0958.</p><p>Log: https://x.example/d?token=s3cr3t-t0ken</p>",
            ),
            ("bob-signal", "<p>You're right, that's a bug on our side. Fixed in 7.2.</p>"),
            ("alice", "<p>Thanks, that worked! Refund to card 4111 1111 1111 1111 please.</p>"),
        ],
    )
    with store.session() as session:
        save_thread(session, ensure_venue(session, settings.venues[0]), record)

    stages.enrich(settings)
    stages.select_threads(settings)
    assert stages.approve(settings, "signal-desktop", "curator", top=1)
    report = stages.publish(settings)

    outputs = {
        path: path.read_text(encoding="utf-8")
        for path in Path(report.path).resolve().rglob("*")
        if path.is_file() and path.suffix in {".html", ".json", ".js"}
    }
    with store.session() as session:
        outputs["post_texts"] = json.dumps([t.text for t in session.scalars(select(m.PostText))])
        outputs["evidence"] = json.dumps(
            [a.evidence for a in session.scalars(select(m.Annotation))]
        )
        outputs["candidates"] = json.dumps(
            [c.evidence for c in session.scalars(select(m.Candidate))]
        )
    assert any("[email]" in text for text in outputs.values()), "nothing was redacted"
    for where, text in outputs.items():
        for secret in PLANTED:
            assert secret not in text, f"{secret!r} leaked into {where}"
    # the published page still reads as the conversation it was
    page = outputs[next(p for p in outputs if str(p).endswith("products/signal-desktop.html"))]
    assert "that&#39;s a bug on our side" in page or "that's a bug on our side" in page
