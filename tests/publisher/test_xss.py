"""Known XSS payloads and hypothesis-made HTML never become script a visitor's browser runs.

The sanitiser (nh3, :mod:`publisher.sanitize`) gets every payload of ``xss_payloads.txt`` and
random mixes of them; then the payloads are planted in forum posts, a thread title and an
author's names, published, and every page, fragment and the embed are checked twice: statically
(:func:`tests.publisher.xss.execution_vectors`) and in Chromium, where each payload would call
``alert()``, counting dialogs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.records import AuthorRecord
from corpus.settings import load_settings
from corpus.store import Store
from publisher import publish
from publisher.sanitize import clean_body, document
from tests.conftest import TAXONOMY
from tests.publisher.acme_forum import Forum, build_acme
from tests.publisher.test_browser import _CandorHost, _serve, _shop_handler, open_page
from tests.publisher.xss import PAYLOADS, execution_vectors

# Pieces hypothesis strings together: the syntax filter evasions are made of.
PIECES = [
    *("<", ">", "</", "/>", '"', "'", "`", "=", " ", "\t", "\n", "\x00", "&#", "&#x", ";"),
    *("<p>", "</p>", "<a href=", "<img src=x ", "<svg", "<math>", "<style>", "<!--", "-->"),
    *("<script>", "</script>", "javascript:", "java\tscript:", "on", "error=", "load=", "alert(1)"),
    *("<![CDATA[", "]]>", "<noscript>", "<template>", "<iframe src=", "data:text/html,"),
]
HOSTILE_AUTHOR = AuthorRecord(
    source_id="66",
    username="mallory<script>alert('username')</script>",
    display_name="\"><img src=x onerror=alert('display name')>",
)
PER_THREAD = 3


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_sanitiser_strips_a_known_payload(payload: str) -> None:
    assert execution_vectors(clean_body(payload)) == []
    page = document(f"<title>{payload}</title>{payload}", f"<main>{payload}</main>")
    assert execution_vectors(page) == []


@given(st.lists(st.sampled_from(PAYLOADS) | st.sampled_from(PIECES) | st.text(max_size=8)))
def test_xss_sanitiser_strips_any_mix_of_payload_pieces(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert execution_vectors(clean_body(html)) == []
    assert execution_vectors(document(html, f"<main>{html}</main>")) == []


@pytest.fixture(scope="module")
def hostile_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Acme site plus threads carrying every payload (post HTML and text, title, author)."""
    home = tmp_path_factory.mktemp("xss")
    store = Store(f"sqlite:///{home / 'corpus.db'}")
    store.migrate()
    forum = build_acme(Forum(store))
    chunks = [PAYLOADS[i : i + PER_THREAD] for i in range(0, len(PAYLOADS), PER_THREAD)]
    for number, chunk in enumerate(chunks, start=1):
        key = f"payloads-{number}"
        title = f"Payload thread {number} {chunk[0]}"
        forum.thread(key, title, [(HOSTILE_AUTHOR, p, p) for p in chunk], resolved=True)
        forum.propose("acme-sync", key, rank=10 + number, excerpt=list(range(1, len(chunk) + 1)))
        forum.review("acme-sync", key, "approved")
    settings = load_settings(
        None,
        home=home,
        taxonomy=TAXONOMY,
        store=store.url,
        publish={"out": home / "site", "per_page": len(chunks) + 5},
    )
    report = publish(store, settings)
    store.dispose()
    return report.path.resolve()


def test_xss_published_files_hold_no_execution_vector(hostile_release: Path) -> None:
    fragment = (hostile_release / "fragments/acme-sync.html").read_text("utf-8")
    shown = set(re.findall(r"Payload thread (\d+)", fragment))
    assert len(shown) == -(-len(PAYLOADS) // PER_THREAD), "not every payload thread was published"
    pages = sorted(hostile_release.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        found = execution_vectors(page.read_text("utf-8"))
        assert found == [], f"{page.relative_to(hostile_release)}: {found}"


@pytest.fixture(scope="module")
def hosts(hostile_release: Path) -> Iterator[tuple[str, str]]:
    """(release base URL, shop base URL): the release served, a shop page embedding it."""
    candor_server, candor = _serve(functools.partial(_CandorHost, directory=str(hostile_release)))
    shop_server, shop = _serve(_shop_handler(hostile_release, candor))
    yield candor, shop
    for server in (candor_server, shop_server):
        server.shutdown()
        server.server_close()


def test_xss_no_payload_runs_in_a_browser(
    browser: Any, hostile_release: Path, hosts: tuple[str, str]
) -> None:
    candor, shop = hosts
    urls = [f"{shop}embed.html", f"{shop}ssi.html"] + [
        f"{candor}{page.relative_to(hostile_release)}"
        for page in sorted(hostile_release.rglob("*.html"))
    ]
    for url in urls:
        page = open_page(browser, url)
        assert page.visit.dialogs == [], f"{url}: script ran: {page.visit.dialogs}"
        if url.endswith("embed.html"):  # the embed really inserted the hostile mash-up
            assert page.locator("section.candor .candor-thread-title").count() > 20
        page.context.close()
