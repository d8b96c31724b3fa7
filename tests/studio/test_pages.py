"""The studio's HTML pages and forms: login, CSRF, cookies, deciding from the queue."""

from __future__ import annotations

import re
import subprocess
import sys

from fastapi.testclient import TestClient
from sqlalchemy import select

from candor.studio import create_app
from corpus import models as m
from corpus.settings import Settings
from corpus.store import Store
from tests.studio import corpus
from tests.studio.conftest import make_studio_settings

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_login(client: TestClient, username: str, password: str = corpus.PASSWORD) -> str:
    token = TOKEN.search(client.get("/login").text)
    assert token is not None
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token[1], "next": "/audit"},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/audit"
    page = client.get("/queue/acme-sync").text
    found = TOKEN.search(page)
    assert found is not None
    return found[1]


def test_pages_login_form_sets_a_safe_session_cookie(client: TestClient) -> None:
    token = TOKEN.search(client.get("/login").text)[1]  # type: ignore[index]
    response = client.post(
        "/login", data={"username": "cai", "password": corpus.PASSWORD, "csrf_token": token}
    )
    header = response.headers["set-cookie"].lower()
    assert "candor_studio=" in header and "httponly" in header and "samesite=lax" in header
    assert "; secure" not in header  # off by default: the studio serves http on localhost


def test_pages_secure_cookie_setting_marks_the_cookie_secure(
    tmp_path: object, studio_settings: Settings, built: dict[str, int]
) -> None:
    settings = studio_settings.model_copy(
        update={"studio": studio_settings.studio.model_copy(update={"secure_cookies": True})}
    )
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        page = client.get("/login")
        assert "; secure" in page.headers["set-cookie"].lower()


def test_pages_login_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "cai", "password": corpus.PASSWORD})
    assert response.status_code == 403
    assert client.get("/queue/acme-sync").status_code == 303  # still logged out


def test_pages_wrong_password_says_so_and_next_cannot_leave_the_site(client: TestClient) -> None:
    token = TOKEN.search(client.get("/login").text)[1]  # type: ignore[index]
    wrong = client.post(
        "/login", data={"username": "cai", "password": "nope nope nope", "csrf_token": token}
    )
    assert wrong.status_code == 401 and "Wrong username or password" in wrong.text
    ok = client.post(
        "/login",
        data={
            "username": "cai",
            "password": corpus.PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert ok.headers["location"] == "/"


def test_pages_queue_shows_evidence_parts_and_source(client: TestClient) -> None:
    form_login(client, "vic")
    page = client.get("/queue/acme-sync").text
    assert "Title of sync-stopped" in page
    assert '<mark title="evidence: admission"' in page
    assert "https://community.acme.example/t/sync-stopped" in page
    assert "admission" in page and "+3.00" in page
    assert 'value="approved"' not in page  # a viewer gets no decision buttons


def test_pages_curator_approves_with_a_trimmed_excerpt_from_the_form(
    client: TestClient, ids: dict[str, int], studio_store: Store
) -> None:
    token = form_login(client, "cai")
    cid = ids["acme-sync/sync-stopped"]
    with studio_store.session() as s:
        candidate = s.get(m.Candidate, cid)
        assert candidate is not None
        opener = candidate.excerpt_post_ids[0]
    response = client.post(
        f"/candidates/{cid}/decision",
        data={
            "csrf_token": token,
            "decision": "approved",
            "edit_excerpt": "true",
            "sentence": [f"{opener}:1"],
            "next": "/queue/acme-sync#c-2",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/queue/acme-sync#c-2"
    with studio_store.session() as s:
        review = s.scalars(select(m.Review)).one()
        assert (review.decision, review.excerpt_post_ids) == ("approved", [opener])
        assert review.excerpt_sentences == {str(opener): [1]}
    page = client.get("/queue/acme-sync?status=approved").text
    assert '<span class="gap" title="left out">…</span>' in page
    assert f"Candidate {cid}: approved." in page


def test_pages_form_without_csrf_is_refused_and_nothing_changes(
    client: TestClient, ids: dict[str, int], studio_store: Store
) -> None:
    form_login(client, "cai")
    cid = ids["acme-sync/sync-stopped"]
    response = client.post(f"/candidates/{cid}/decision", data={"decision": "approved"})
    assert response.status_code == 403
    with studio_store.session() as s:
        assert s.scalars(select(m.Review)).all() == []


def test_pages_bulk_reject_needs_a_reason(client: TestClient, ids: dict[str, int]) -> None:
    token = form_login(client, "cai")
    both = [ids["acme-sync/sync-stopped"], ids["acme-sync/sync-slow"]]
    bare = client.post(
        "/queue/acme-sync/bulk",
        data={"csrf_token": token, "decision": "rejected", "candidate_id": both},
        headers={"referer": "http://testserver/queue/acme-sync"},
    )
    assert bare.headers["location"] == "/queue/acme-sync"
    assert "a rejection needs a reason" in client.get("/queue/acme-sync").text
    done = client.post(
        "/queue/acme-sync/bulk",
        data={
            "csrf_token": token,
            "decision": "rejected",
            "candidate_id": both,
            "reason": "off topic",
        },
    )
    assert done.status_code == 303
    assert "2 candidates: rejected." in client.get("/queue/acme-sync?status=rejected").text


def test_pages_search_compose_audit_render(client: TestClient, ids: dict[str, int]) -> None:
    token = form_login(client, "cai")
    search = client.get("/search", params={"q": "sync"}).text
    assert "<em>" in search and "More like this" in search and "acme-sync (" in search
    client.post(
        f"/candidates/{ids['acme-sync/sync-stopped']}/decision",
        data={"csrf_token": token, "decision": "approved"},
    )
    compose = client.get("/compose/acme-sync")
    assert "Title of sync-stopped" in compose.text and "<iframe" in compose.text
    assert compose.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in compose.headers["content-security-policy"]
    audit = client.get("/audit").text
    assert "review.approved" in audit and "login" in audit


def test_pages_viewer_cannot_use_forms(client: TestClient, ids: dict[str, int]) -> None:
    token = form_login(client, "vic")
    cid = ids["acme-sync/sync-stopped"]
    response = client.post(
        f"/candidates/{cid}/decision", data={"csrf_token": token, "decision": "approved"}
    )
    assert response.status_code == 403 and "Not allowed" in response.text
    assert client.get("/users").status_code == 403


def test_cli_user_add_reads_the_password_from_stdin(
    studio_settings: Settings, built: dict[str, int], tmp_path: object
) -> None:
    config = studio_settings.home / "candor.yaml"
    config.write_text(
        f"store: {studio_settings.store}\ntaxonomy: {studio_settings.taxonomy}\n", "utf-8"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "candor",
            "--config",
            str(config),
            "user",
            "add",
            "newbie",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        input="a long enough password\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "candor",
            "--config",
            str(config),
            "user",
            "add",
            "newbie",
            "--password-stdin",
        ],
        input="a long enough password\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 1 and "exists already" in again.stderr
    settings = make_studio_settings(studio_settings.home)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/api/login", json={"username": "newbie", "password": "a long enough password"}
        )
        assert response.json()["role"] == "viewer"
