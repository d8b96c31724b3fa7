"""API tokens: made on the command line or by an admin, sent as a bearer header by other tools."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from corpus import models as m
from corpus.settings import Settings
from corpus.store import Store
from tests.studio.test_api import READS, audit, changes
from tests.studio.test_pages import TOKEN, form_login

Login = Callable[[TestClient, str], str]


def candor(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    config = settings.home / "candor.yaml"
    config.write_text(f"store: {settings.store}\ntaxonomy: {settings.taxonomy}\n", "utf-8")
    return subprocess.run(
        [sys.executable, "-m", "candor", "--config", str(config), "user", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def make_token(client: TestClient, login: Login) -> Callable[[str], str]:
    """``make_token("cai")``: a token for cai, made by the admin through the API."""

    def make(username: str) -> str:
        csrf = login(client, "ada")
        made = client.post(
            "/api/tokens",
            json={"name": f"tool of {username}", "username": username},
            headers={"X-CSRF-Token": csrf},
        )
        assert made.status_code == 201, made.text
        client.cookies.clear()  # from here on only the token speaks
        return made.json()["token"]

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_tokens_cli_makes_one_shown_once_lists_and_revokes_it(
    studio_settings: Settings, built: dict[str, int], client: TestClient, studio_store: Store
) -> None:
    made = candor(studio_settings, "token", "CRM sync", "--user", "cai")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("cnd_") and "not shown again" in made.stderr
    with studio_store.session() as s:
        row = s.scalars(select(m.ApiToken)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert client.get("/api/products", headers=bearer(token)).status_code == 200

    listed = candor(studio_settings, "tokens", "--user", "cai")
    assert "CRM sync" in listed.stdout and token not in listed.stdout
    revoked = candor(studio_settings, "revoke-token", str(row.id))
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert client.get("/api/products", headers=bearer(token)).status_code == 401
    assert ("cli", "token.revoke", f"token:{row.id}") in audit(studio_store)

    unknown = candor(studio_settings, "token", "x", "--user", "nobody")
    assert unknown.returncode == 1 and "no user 'nobody'" in unknown.stderr


@pytest.mark.parametrize("path", READS[1:])  # /api/session is about the cookie's session
def test_tokens_viewer_reads_everything(
    client: TestClient, make_token: Callable[[str], str], path: str
) -> None:
    assert client.get(path, headers=bearer(make_token("vic"))).status_code == 200


def test_tokens_act_with_the_users_role_and_need_no_csrf(
    client: TestClient,
    make_token: Callable[[str], str],
    ids: dict[str, int],
    studio_store: Store,
) -> None:
    viewer, curator = make_token("vic"), make_token("cai")
    for method, path, body in changes(ids):
        refused = client.request(method, path, json=body, headers=bearer(viewer))
        assert refused.status_code == 403, (method, path)
        assert "vic is a viewer" in refused.json()["detail"]
    sync = ids["acme-sync/sync-stopped"]
    approved = client.post(
        f"/api/candidates/{sync}/decision", json={"decision": "approved"}, headers=bearer(curator)
    )
    assert approved.status_code == 200 and approved.json()[0]["reviewer"] == "cai"
    with studio_store.session() as s:
        used = s.scalar(select(m.ApiToken).where(m.ApiToken.name == "tool of cai"))
        assert used is not None and used.last_used_at is not None
    assert client.get("/api/users", headers=bearer(curator)).status_code == 403


def test_tokens_revoked_unknown_or_of_a_deactivated_user_are_refused(
    client: TestClient, login: Login, make_token: Callable[[str], str]
) -> None:
    token = make_token("vic")
    csrf = login(client, "ada")
    listed = client.get("/api/tokens").json()
    assert [t["user"] for t in listed] == ["vic"] and "token" not in listed[0]
    # A wrong token is refused even beside a valid admin session cookie: no fallback.
    wrong = client.get("/api/products", headers=bearer(token + "x"))
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    client.patch("/api/users/vic", json={"active": False}, headers={"X-CSRF-Token": csrf})
    assert client.get("/api/products", headers=bearer(token)).status_code == 401
    client.patch("/api/users/vic", json={"active": True}, headers={"X-CSRF-Token": csrf})
    assert client.get("/api/products", headers=bearer(token)).status_code == 200
    revoked = client.delete(f"/api/tokens/{listed[0]['id']}", headers={"X-CSRF-Token": csrf})
    assert revoked.json()["revoked_at"] is not None
    refused = client.get("/api/products", headers=bearer(token))
    assert refused.json() == {"detail": "unknown or revoked API token"}


def test_tokens_only_an_admin_manages_them(
    client: TestClient, login: Login, make_token: Callable[[str], str]
) -> None:
    curator = make_token("cai")
    made = client.post(
        "/api/tokens", json={"name": "mine", "username": "cai"}, headers=bearer(curator)
    )
    assert made.status_code == 403
    csrf = login(client, "cai")
    assert client.get("/api/tokens").status_code == 403
    assert client.delete("/api/tokens/1", headers={"X-CSRF-Token": csrf}).status_code == 403


def test_tokens_open_no_page(client: TestClient, make_token: Callable[[str], str]) -> None:
    response = client.get("/queue/acme-sync", headers=bearer(make_token("ada")))
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_tokens_users_page_makes_shows_once_and_revokes(
    client: TestClient, studio_store: Store
) -> None:
    csrf = form_login(client, "ada")
    page = client.post(
        "/users/tokens", data={"name": "newsletter", "username": "vic", "csrf_token": csrf}
    )
    assert page.status_code == 200
    token = page.text.split('<code id="new-token">')[1].split("<")[0]
    assert client.get("/api/products", headers=bearer(token)).status_code == 200
    again = client.get("/users").text
    assert "newsletter" in again and token not in again
    csrf = TOKEN.search(again)[1]  # type: ignore[index]
    with studio_store.session() as s:
        token_id = s.scalars(select(m.ApiToken.id)).one()
    client.post(f"/users/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert "revoked" in client.get("/users").text
    assert client.get("/api/products", headers=bearer(token)).status_code == 401
    assert ("ada", "token.add", f"token:{token_id}") in audit(studio_store)


def test_tokens_are_documented_in_openapi(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["apiToken"]["description"],
    }
    assert schemes["session"]["in"] == "cookie"
    decide = spec["paths"]["/api/candidates/{candidate_id}/decision"]["post"]
    assert {"apiToken": []} in decide["security"] and {"session": []} in decide["security"]
    assert "/api/tokens" in spec["paths"]
