"""Fixtures shared by every test package.

- ``sample_data``: the real sample forum file (``CANDOR_SAMPLE_DATA`` or ``../shared/data``).
- ``store``: a migrated SQLite store in a temporary folder (``tests/corpus`` runs its tests on
  PostgreSQL too).
- ``chromium`` / ``browser``: real Chromium through Playwright for the browser tests.
- ``service_unavailable``: how a test reacts to a missing server (fail, or skip when asked).
- ``make_settings``: builds :class:`Settings` from keyword values, homed in ``tmp_path``.
- ``thread_record``: builds invented threads for the store's tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import pytest

from corpus.records import AuthorRecord, PostRecord, ThreadRecord
from corpus.settings import Settings, load_settings
from corpus.store import Store

REPO = Path(__file__).resolve().parents[1]
TAXONOMY = REPO / "taxonomy.yaml"
SIGNAL_VENUE = {
    "name": "signal-community",
    "url": "https://community.signalusers.org",
    "staff": {"groups": ["signal_staff"], "username_suffix": "-signal"},
}
PRODUCTS = [
    {"name": "Signal Android", "aliases": ["android"]},
    {"name": "Signal Desktop", "aliases": ["desktop", "linked device"]},
]


def service_unavailable(reason: str, hint: str) -> NoReturn:
    """Fail (``make test`` starts every service) or, with ``CANDOR_SKIP_SERVICES=1``, skip."""
    if os.environ.get("CANDOR_SKIP_SERVICES") == "1":
        pytest.skip(f"{reason} (CANDOR_SKIP_SERVICES=1)")
    pytest.fail(f"{reason}: {hint}", pytrace=False)


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium (``.ci/services/chromium.sh`` installs it); never a downloaded one."""
    path = os.environ.get("CANDOR_TEST_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).is_file():
        service_unavailable(
            f"Chromium not found at {path}",
            "run the tests through `make test`, or `apt-get install chromium` and set "
            "CANDOR_TEST_CHROMIUM",
        )
    return path


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    """A headless Chromium driven by Playwright, shared by a module's tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def sample_data() -> Path:
    path = Path(
        os.environ.get(
            "CANDOR_SAMPLE_DATA", REPO.parent / "shared/data/discourse-signal-topics.jsonl.gz"
        )
    )
    if not path.exists():
        pytest.fail(f"sample data not found at {path}; set CANDOR_SAMPLE_DATA")
    return path


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def build(**values: Any) -> Settings:
        values.setdefault("home", tmp_path)
        values.setdefault("taxonomy", TAXONOMY)
        values.setdefault("venues", [SIGNAL_VENUE])
        values.setdefault("products", PRODUCTS)
        return load_settings(None, **values)

    return build


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'corpus.db'}")
    store.migrate()
    yield store
    store.dispose()


T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def make_thread(
    source_id: str = "100",
    posts: list[tuple[str, str]] | None = None,
    title: str = "Desktop won't link after update",
    **extra: Any,
) -> ThreadRecord:
    """An invented thread: ``posts`` is a list of (username, html); post ids derive from it."""
    posts = posts or [
        ("alice", "<p>My linked device stopped syncing after 7.1.</p>"),
        ("bob-signal", "<p>You're right, that's a bug on our side. Fixed in 7.2.</p>"),
        ("alice", "<p>Thanks, that worked!</p>"),
    ]
    records = tuple(
        PostRecord(
            source_id=f"{source_id}-{n}",
            number=n,
            author=AuthorRecord(
                source_id=user,
                username=user,
                groups=("signal_staff",) if user.endswith("-signal") else (),
            ),
            html=html,
            created_at=T0 + timedelta(hours=n),
            url=f"https://forum.example/t/x/{source_id}/{n}",
        )
        for n, (user, html) in enumerate(posts, start=1)
    )
    return ThreadRecord(
        source_id=source_id,
        title=title,
        url=f"https://forum.example/t/x/{source_id}",
        created_at=T0,
        last_activity_at=records[-1].created_at,
        highest_post_number=len(records),
        posts=records,
        **extra,
    )


@pytest.fixture
def thread_record() -> Callable[..., ThreadRecord]:
    return make_thread
