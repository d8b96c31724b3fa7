"""Release folders and the ``current`` symlink."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from corpus.errors import InputError
from publisher import releases

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_releases_label_is_utc_time_plus_content_hash() -> None:
    label = releases.release_label("1a2b3c4d5e6f", NOW, taken=set())

    assert label == "20240501T120000Z-1a2b3c4d"
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{8}", label)


def test_releases_label_never_repeats_a_taken_one() -> None:
    taken = {"20240501T120000Z-1a2b3c4d"}

    assert releases.release_label("1a2b3c4d", NOW, taken) == "20240501T120001Z-1a2b3c4d"


def test_releases_written_release_appears_only_when_finished(tmp_path: Path) -> None:
    tmp = releases.write_tmp(tmp_path, "r1", {"index.html": b"<p>hi</p>", "a/b.txt": b"x"})
    assert tmp.name == "r1.tmp" and not (tmp_path / "releases/r1").exists()

    final = releases.finish(tmp)

    assert final == tmp_path / "releases/r1" and not tmp.exists()
    assert (final / "a/b.txt").read_bytes() == b"x"


def test_releases_switch_replaces_current_with_a_relative_symlink(tmp_path: Path) -> None:
    for label in ("r1", "r2"):
        releases.finish(releases.write_tmp(tmp_path, label, {"index.html": label.encode()}))

    releases.switch_current(tmp_path, "r1")
    releases.switch_current(tmp_path, "r2")

    assert os.readlink(tmp_path / "current") == "releases/r2"
    assert (tmp_path / "current/index.html").read_bytes() == b"r2"
    assert releases.current_label(tmp_path) == "r2"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_releases_switch_to_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing"):
        releases.switch_current(tmp_path, "nowhere")
    assert not (tmp_path / "current").exists()


def test_releases_leftovers_of_a_crash_are_removed(tmp_path: Path) -> None:
    (tmp_path / "releases/r9.tmp/products").mkdir(parents=True)
    (tmp_path / "releases/r8").mkdir()
    (tmp_path / ".current.123.tmp").symlink_to("releases/r8")

    removed = releases.remove_leftovers(tmp_path)

    assert removed == ["r9.tmp", ".current.123.tmp"]
    assert sorted(p.name for p in (tmp_path / "releases").iterdir()) == ["r8"]
