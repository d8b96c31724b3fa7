"""publish() and rollback(): what the web team relies on, read back from the files on disk."""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from corpus import models as m
from corpus.errors import InputError
from corpus.settings import Settings
from corpus.store import Store
from publisher import publish, rollback
from publisher.targets import LocalFolder
from publisher.validate import validate_release
from tests.publisher.acme_forum import SYNC_POSTS, Forum

SLUGS = ["acme-lab", "acme-notes", "acme-sync"]
JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


def read(settings: Settings, relative: str) -> str:
    return (settings.publish.out / "current" / relative).read_text("utf-8")


def every_file(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text("utf-8")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def releases(store: Store) -> list[tuple[str, str]]:
    with store.session() as s:
        rows = s.scalars(select(m.Release).order_by(m.Release.id))
        return [(r.label, r.status) for r in rows]


def current_target(settings: Settings) -> str:
    return os.readlink(settings.publish.out / "current")


def test_publishing_writes_a_release_with_every_file(
    acme: Forum, store: Store, settings: Settings
) -> None:
    report = publish(store, settings)

    assert report.changed and report.release
    assert (report.pages, report.threads) == (3, 4)
    assert report.path == settings.publish.out / "current"
    assert current_target(settings) == f"releases/{report.release}"
    assert sorted(every_file(report.path)) == sorted(
        ["index.html", "about.html", "choosing.html", "contributors.html", "removal.html"]
        + ["embed.js", "static/candor.css", "static/site.css"]
        + [f"products/{slug}.html" for slug in SLUGS]
        + [f"fragments/{slug}.{ext}" for slug in SLUGS for ext in ("html", "json")]
    )
    validate_release(report.path.resolve(), SLUGS)


def test_publishing_shows_excerpts_authors_badges_and_source_links(
    acme: Forum, store: Store, settings: Settings
) -> None:
    publish(store, settings)
    page = read(settings, "products/acme-sync.html")

    assert "After updating to 4.2 my notes stopped syncing between laptop and phone." in page
    assert "That one is on us, sorry." in page
    assert "Same here!" not in page  # post 3 is not in the curator's excerpt
    positions = [page.index(t) for t in ("After updating", "That one is on us", "4.2.1 fixed")]
    assert positions == sorted(positions)  # thread order, though the excerpt listed post 4 first
    assert '<span class="candor-name">Alice Martin</span>' in page
    assert '<span class="candor-username">@alice_m</span>' in page
    assert '<span class="candor-badge">Staff</span>' in page
    assert page.count("candor-solved") == 2  # sync-stopped and export-cut, not script-tag
    assert "Real, unedited excerpts from a public forum." in page
    with store.session() as s:
        code = s.scalar(
            select(m.MashUp.referral_code).join(m.Product).where(m.Product.slug == "acme-sync")
        )
    assert code and code.startswith("acme-sync-")
    assert f'href="https://community.acme.example/t/sync-stopped/12?cnd={code}"' in page
    assert 'rel="noopener nofollow ugc"' in page


def test_publishing_never_lets_script_reach_a_visitor(
    acme: Forum, store: Store, settings: Settings
) -> None:
    publish(store, settings)
    files = every_file(settings.publish.out / "current")
    page = files["products/acme-sync.html"]

    assert "When I paste &lt;script&gt;alert(1)&lt;/script&gt; into a note" in page
    for name, content in files.items():
        # The one script element allowed is structured data, and it must be JSON.
        for block in JSON_LD.findall(content):
            json.loads(block)
        lowered = JSON_LD.sub("", content).lower()
        for needle in ("<script", "onerror", "javascript:"):
            assert needle not in lowered, (name, needle)


def test_publishing_drops_a_rejected_thread_at_the_next_publish(
    acme: Forum, store: Store, settings: Settings
) -> None:
    first = publish(store, settings)
    acme.review("acme-sync", "script-tag", "rejected")

    second = publish(store, settings)

    assert second.changed and second.release != first.release
    assert second.threads == first.threads - 1
    assert "Pasting a script tag" not in read(settings, "products/acme-sync.html")
    data = json.loads(read(settings, "fragments/acme-sync.json"))
    assert [t["title"] for t in data["threads"]] == [
        "Sync stopped after the 4.2 update",
        "Export cuts off long notes",
    ]
    # The old release is untouched: rolling back shows it again.
    assert "Pasting a script tag" in (
        settings.publish.out / "releases" / str(first.release) / "products/acme-sync.html"
    ).read_text("utf-8")


def test_publishing_drops_a_thread_deleted_at_the_source(
    acme: Forum, store: Store, settings: Settings
) -> None:
    publish(store, settings)
    acme.delete_at_source("reminders-late")

    report = publish(store, settings)

    assert report.changed
    page = read(settings, "products/acme-notes.html")
    assert "Reminders fire an hour late" not in page
    assert "No conversations to show yet." in page
    assert "Real, unedited excerpts" not in read(settings, "fragments/acme-notes.html")


def test_publishing_drops_a_post_deleted_at_the_source(
    acme: Forum, store: Store, settings: Settings
) -> None:
    publish(store, settings)
    acme.thread(
        "sync-stopped",
        "Sync stopped after the 4.2 update",
        SYNC_POSTS,
        resolved=True,
        staff=(2,),
        deleted_posts=(4,),
    )

    publish(store, settings)

    page = read(settings, "products/acme-sync.html")
    assert "After updating to 4.2" in page
    assert "4.2.1 fixed it" not in page


def test_publishing_twice_without_changes_makes_no_release(
    acme: Forum, store: Store, settings: Settings
) -> None:
    first = publish(store, settings)
    before = every_file(settings.publish.out)

    second = publish(store, settings)

    assert not second.changed
    assert second.release == first.release
    assert (second.pages, second.threads) == (first.pages, first.threads)
    assert releases(store) == [(first.release, "current")]
    assert every_file(settings.publish.out) == before


def test_publishing_keeps_the_referral_code_when_the_threads_stay(
    acme: Forum, store: Store, settings: Settings
) -> None:
    publish(store, settings)
    acme.review("acme-notes", "reminders-late", "rejected")  # changes another product only
    publish(store, settings)

    with store.session() as s:
        rows = s.execute(
            select(m.Release.label, m.MashUp.referral_code)
            .join(m.Release, m.Release.id == m.MashUp.release_id)
            .join(m.Product, m.Product.id == m.MashUp.product_id)
            .where(m.Product.slug == "acme-sync")
        ).all()
    assert len(rows) == 2
    assert rows[0].referral_code == rows[1].referral_code


def test_publishing_records_the_release_and_its_mashups(
    acme: Forum, store: Store, settings: Settings
) -> None:
    first = publish(store, settings)
    acme.review("acme-sync", "export-cut", "rejected")
    second = publish(store, settings)

    assert releases(store) == [(first.release, "superseded"), (second.release, "current")]
    with store.session() as s:
        release = s.scalar(select(m.Release).where(m.Release.label == second.release))
        assert release is not None
        assert Path(release.path) == settings.publish.out / "releases" / str(second.release)
        shown = {
            mashup.product_id: mashup.thread_ids
            for mashup in s.scalars(select(m.MashUp).where(m.MashUp.release_id == release.id))
        }
    assert shown == {
        acme.products["acme-sync"]: [acme.threads["sync-stopped"], acme.threads["script-tag"]],
        acme.products["acme-notes"]: [acme.threads["reminders-late"]],
        acme.products["acme-lab"]: [],
    }


def test_publishing_keeps_current_on_a_complete_release_when_the_switch_fails(
    acme: Forum, store: Store, settings: Settings
) -> None:
    out = settings.publish.out
    out.mkdir(parents=True)
    (out / "current").mkdir()  # someone made a real folder where the symlink belongs

    with pytest.raises(InputError, match="not the symlink"):
        publish(store, settings)

    [(_, status)] = releases(store)  # the switch failed: nothing is current
    assert status == "failed"
    assert not (out / "current").is_symlink()
    assert list((out / "releases").iterdir()) == []  # and the unserved release is gone


def test_publishing_points_current_at_a_complete_release_after_every_run(
    acme: Forum, store: Store, settings: Settings
) -> None:
    for decision in ("approved", "rejected", "approved"):
        acme.review("acme-sync", "export-cut", decision)
        report = publish(store, settings)
        target = report.path.resolve()
        assert target.parent == (settings.publish.out / "releases").resolve()
        assert not target.name.endswith(".tmp")
        validate_release(target, SLUGS)
    assert not list((settings.publish.out / "releases").glob("*.tmp"))


class KilledAtSwitch(LocalFolder):
    """A target whose process is killed (SIGKILL) just before or just after ``current`` moves."""

    def __init__(self, out: Path, after: bool) -> None:
        super().__init__(out)
        self.after = after

    def switch(self, label: str) -> None:
        if self.after:
            super().switch(label)
        os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.parametrize("after", [False, True], ids=["before-switch", "after-switch"])
def test_publishing_sweeps_the_folder_a_publish_killed_before_its_commit_left(
    acme: Forum, store: Store, settings: Settings, after: bool
) -> None:
    out = settings.publish.out
    first = publish(store, settings).release
    acme.review("acme-sync", "export-cut", "rejected")
    store.engine.dispose()  # the child opens its own connections
    child = multiprocessing.get_context("fork").Process(
        target=publish, args=(store, settings, KilledAtSwitch(out, after))
    )
    child.start()
    child.join()
    assert child.exitcode == -signal.SIGKILL
    (killed,) = [label for label, status in releases(store) if status == "writing"]
    assert (out / "releases" / killed).is_dir()  # renamed into place, never recorded as current

    report = publish(store, settings)

    assert report.changed and report.release not in (first, killed)
    assert current_target(settings) == f"releases/{report.release}"
    assert dict(releases(store)) == {
        first: "superseded",
        killed: "failed",
        report.release: "current",
    }
    assert sorted(p.name for p in (out / "releases").iterdir()) == sorted([first, report.release])


def test_publishing_removes_a_leftover_tmp_folder(
    acme: Forum, store: Store, settings: Settings
) -> None:
    leftover = settings.publish.out / "releases" / "20240101T000000Z-deadbeef.tmp"
    (leftover / "products").mkdir(parents=True)
    (leftover / "products" / "acme-sync.html").write_text("<p>half a page", "utf-8")

    first = publish(store, settings)
    assert not leftover.exists()

    leftover.mkdir()
    second = publish(store, settings)  # unchanged content: still cleans up
    assert not second.changed and second.release == first.release
    assert not leftover.exists()


def test_publishing_rollback_returns_to_the_previous_release(
    acme: Forum, store: Store, settings: Settings
) -> None:
    first = publish(store, settings)
    acme.review("acme-sync", "script-tag", "rejected")
    second = publish(store, settings)

    label = rollback(store, settings)

    assert label == first.release
    assert current_target(settings) == f"releases/{first.release}"
    assert "Pasting a script tag" in read(settings, "products/acme-sync.html")
    assert releases(store) == [(first.release, "current"), (second.release, "rolled-back")]
    with pytest.raises(InputError, match="no earlier release"):
        rollback(store, settings)


def test_publishing_after_a_rollback_makes_a_new_release(
    acme: Forum, store: Store, settings: Settings
) -> None:
    first = publish(store, settings)
    acme.review("acme-sync", "script-tag", "rejected")
    second = publish(store, settings)
    rollback(store, settings)

    third = publish(store, settings)  # the rejection still stands

    assert third.changed and third.release not in (first.release, second.release)
    assert "Pasting a script tag" not in read(settings, "products/acme-sync.html")
    assert [status for _, status in releases(store)] == ["superseded", "rolled-back", "current"]
    assert rollback(store, settings) == first.release


def test_publishing_rollback_without_a_release_is_an_input_error(
    store: Store, settings: Settings
) -> None:
    with pytest.raises(InputError, match="nothing is published yet"):
        rollback(store, settings)


def test_publishing_an_empty_corpus_still_makes_an_index(store: Store, settings: Settings) -> None:
    report = publish(store, settings)

    assert report.changed and (report.pages, report.threads) == (0, 0)
    assert "No products are configured yet." in read(settings, "index.html")
