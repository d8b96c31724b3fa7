"""Forum text full of known XSS payloads is shown in the studio as text, never as markup.

Every post text, thread title and author name of the studio corpus is replaced by payloads of
``tests/publisher/xss_payloads.txt``; then the queue, search, compose, preview, audit and users
pages a curator or admin opens are checked for anything that could run script (only the
studio's own ``/static/studio.js`` may, and its same-origin preview frame).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import cycle

from fastapi.testclient import TestClient
from sqlalchemy import select

from corpus import models as m
from corpus.search import open_index, sync_index
from corpus.settings import Settings
from corpus.store import Store
from tests.publisher.xss import PAYLOADS, execution_vectors

# The studio's own script, and its preview frame of the release (checked as a page here too).
STUDIO_OWN = ("/static/studio.js", "/compose/acme-sync/preview/")


def plant_payloads(store: Store, settings: Settings) -> None:
    payloads = cycle(PAYLOADS)
    with store.session() as session:
        for text in session.scalars(select(m.PostText)):
            text.text = " ".join(next(payloads) for _ in range(3))
            text.sentences = [[0, len(text.text)]]
        for thread in session.scalars(select(m.Thread)):
            thread.title = f"sync {next(payloads)}"
        for author in session.scalars(select(m.Author)):
            author.username, author.display_name = next(payloads), next(payloads)
    index = open_index(settings)
    sync_index(store, index, rebuild=True)
    index.close()


def test_xss_studio_pages_show_payloads_as_text(
    client: TestClient,
    login: Callable[[TestClient, str], str],
    studio_store: Store,
    studio_settings: Settings,
    ids: dict[str, int],
) -> None:
    plant_payloads(studio_store, studio_settings)
    csrf = login(client, "ada")
    approved = client.post(
        f"/api/candidates/{ids['acme-sync/sync-stopped']}/decision",
        json={"decision": "approved"},
        headers={"X-CSRF-Token": csrf},
    )
    assert approved.status_code == 200, approved.text
    pages = [
        "/queue/acme-sync",
        "/queue/acme-notes",
        "/search?q=sync",
        "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
        "/compose/acme-sync",
        "/compose/acme-sync/preview/site/products/acme-sync.html",
        "/compose/acme-sync/preview/site/fragments/acme-sync.html",
        "/audit",
        "/users",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code}"
        found = execution_vectors(response.text, STUDIO_OWN)
        assert found == [], f"{path}: {found}"
    queue = client.get("/queue/acme-sync").text
    assert "alert(" in queue and "&lt;IMG SRC=" in queue, "the payloads were not shown as text"
