"""`candor withdraw`: a thread leaves the product pages at once, and the audit log says why."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from candor import stages
from corpus import models as m
from corpus.errors import InputError
from corpus.settings import Settings
from corpus.store import Store
from tests.conftest import TAXONOMY
from tests.publisher.acme_forum import Forum, build_acme

CANDOR = [sys.executable, "-m", "candor"]


@pytest.fixture
def settings(tmp_path: Path, store: Store, make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(store=store.url, publish={"out": tmp_path / "site"})


@pytest.fixture
def acme(store: Store) -> Forum:
    return build_acme(Forum(store))


def shown(settings: Settings, slug: str) -> list[str]:
    path = settings.publish.out / "current" / "fragments" / f"{slug}.json"
    return [t["title"] for t in json.loads(path.read_text("utf-8"))["threads"]]


def test_withdraw_thread_rejects_and_publishes_at_once(
    acme: Forum, store: Store, settings: Settings
) -> None:
    first = stages.publish(settings)
    assert "Pasting a script tag into a note" in shown(settings, "acme-sync")

    result = stages.withdraw(
        settings, "privacy@acme.example", "author asked", thread_id=acme.threads["script-tag"]
    )

    assert result.rejected == [acme.candidates["acme-sync/script-tag"]]
    assert result.publish.changed and result.publish.release != first.release
    assert "Pasting a script tag into a note" not in shown(settings, "acme-sync")
    with store.session() as s:
        review = s.scalars(select(m.Review).order_by(m.Review.id.desc())).first()
        assert review is not None
        assert (review.decision, review.reviewer, review.reason) == (
            "rejected",
            "privacy@acme.example",
            "author asked",
        )


def test_withdraw_twice_changes_nothing_more(acme: Forum, settings: Settings) -> None:
    thread = acme.threads["reminders-late"]
    stages.withdraw(settings, "me", "asked", thread_id=thread)

    again = stages.withdraw(settings, "me", "asked", thread_id=thread)

    assert again.rejected == [] and not again.publish.changed
    assert shown(settings, "acme-notes") == []


def test_withdraw_a_pending_candidate_keeps_it_off_the_page(
    acme: Forum, settings: Settings
) -> None:
    result = stages.withdraw(settings, "me", "asked", thread_id=acme.threads["dark-mode"])

    assert result.rejected == [acme.candidates["acme-notes/dark-mode"]]


def test_withdraw_an_unknown_thread_is_an_input_error(acme: Forum, settings: Settings) -> None:
    with pytest.raises(InputError, match="no thread 999"):
        stages.withdraw(settings, "me", "asked", thread_id=999)


def test_withdraw_command_line(acme: Forum, store: Store, tmp_path: Path) -> None:
    (tmp_path / "candor.yaml").write_text(
        f"store: {store.url}\ntaxonomy: {TAXONOMY}\npublish: {{out: site}}\n", "utf-8"
    )
    candidate = acme.candidates["acme-sync/export-cut"]

    result = subprocess.run(
        [*CANDOR, "withdraw", "--candidate", str(candidate), "--reviewer", "me", "--reason", "x"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert f"rejected 1 candidates: [{candidate}]" in result.stdout
    assert "published release" in result.stdout
    site = json.loads((tmp_path / "site/current/fragments/acme-sync.json").read_text("utf-8"))
    assert "Export cuts off long notes" not in [t["title"] for t in site["threads"]]
    usage = subprocess.run(
        [*CANDOR, "withdraw", "--reviewer", "me"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert usage.returncode == 1 and "--thread ID or --candidate ID" in usage.stderr
