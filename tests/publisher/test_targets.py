"""Publish targets: the local folder, driven through the documented interface."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus.errors import InputError
from corpus.settings import Settings
from corpus.store import Store
from publisher import publish, rollback
from publisher.targets import LocalFolder, PublishTarget
from tests.publisher.acme_forum import Forum


def test_targets_local_folder_keeps_the_contract(tmp_path: Path) -> None:
    target = LocalFolder(tmp_path / "out")
    assert isinstance(target, PublishTarget)
    target.remove_leftovers()

    staged = target.stage("r1", {"index.html": b"one"})
    assert target.labels() == set() and not target.has("r1")  # staged is not a release yet
    target.commit(staged)
    target.switch("r1")

    assert target.labels() == {"r1"} and target.has("r1")
    assert target.current_label() == "r1"
    assert (target.current / "index.html").read_bytes() == b"one"
    discarded = target.stage("r2", {"index.html": b"two"})
    target.discard(discarded)
    assert not discarded.exists() and target.current_label() == "r1"


def test_targets_publish_goes_where_the_target_says(
    acme: Forum, store: Store, settings: Settings, tmp_path: Path
) -> None:
    target = LocalFolder(tmp_path / "elsewhere")

    report = publish(store, settings, target)

    assert report.path == tmp_path / "elsewhere" / "current"
    assert (report.path / "embed.js").is_file()
    assert not (settings.publish.out / "current").exists()


def test_targets_rollback_to_a_vanished_release_is_refused(
    acme: Forum, store: Store, settings: Settings
) -> None:
    first = publish(store, settings)
    acme.review("acme-sync", "script-tag", "rejected")
    second = publish(store, settings)
    shutil.rmtree(settings.publish.out / "releases" / str(first.release))

    with pytest.raises(InputError, match="is missing"):
        rollback(store, settings)
    assert LocalFolder(settings.publish.out).current_label() == second.release
