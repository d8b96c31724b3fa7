"""The studio's JSON API over a real SQLite store and local index: every action, every role."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from candor.studio import create_app
from corpus import models as m
from corpus.settings import Settings
from corpus.store import Store
from tests.studio import corpus
from tests.studio.conftest import make_studio_settings

Login = Callable[[TestClient, str], str]

READS = [
    "/api/session",
    "/api/products",
    "/api/queue/acme-sync",
    "/api/search?q=sync",
    "/api/mashups/acme-sync",
    "/api/mashups/acme-sync/preview",
    "/api/audit",
]


def changes(ids: dict[str, int]) -> list[tuple[str, str, dict[str, object]]]:
    """Every state-changing call, with a valid body."""
    sync = ids["acme-sync/sync-stopped"]
    return [
        ("POST", f"/api/candidates/{sync}/decision", {"decision": "approved"}),
        ("POST", "/api/decisions", {"candidate_ids": [sync], "decision": "snoozed"}),
        ("PUT", "/api/mashups/acme-sync/order", {"candidate_ids": []}),
        ("POST", "/api/publish", {}),
        ("POST", f"/api/candidates/{sync}/withdraw", {"reason": "customer asked"}),
    ]


def audit(store: Store) -> list[tuple[str, str, str]]:
    with store.session() as s:
        rows = s.execute(
            select(m.AuditEntry.actor, m.AuditEntry.action, m.AuditEntry.subject).order_by(
                m.AuditEntry.id
            )
        ).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("path", READS)
def test_api_logged_out_sees_nothing(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.json() == {"detail": "log in first"}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/queue/acme-sync",
        "/search",
        "/compose/acme-sync",
        "/audit",
        "/users",
        "/compose/acme-sync/preview/site/index.html",
    ],
)
def test_pages_logged_out_redirect_to_login(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_api_logged_out_cannot_change_anything(client: TestClient, ids: dict[str, int]) -> None:
    for method, path, body in changes(ids):
        response = client.request(method, path, json=body, headers={"X-CSRF-Token": "x"})
        assert response.status_code in (401, 403), (method, path)


@pytest.mark.parametrize("path", READS)
def test_api_viewer_reads_everything(client: TestClient, login: Login, path: str) -> None:
    login(client, "vic")
    assert client.get(path).status_code == 200


def test_api_viewer_cannot_approve_or_change_anything(
    client: TestClient, login: Login, ids: dict[str, int], studio_store: Store
) -> None:
    token = login(client, "vic")
    for method, path, body in changes(ids):
        response = client.request(method, path, json=body, headers={"X-CSRF-Token": token})
        assert response.status_code == 403, (method, path, response.text)
        assert "viewer" in response.json()["detail"]
    with studio_store.session() as s:
        assert s.scalars(select(m.Review)).all() == []


def test_api_change_without_csrf_token_is_refused(
    client: TestClient, login: Login, ids: dict[str, int]
) -> None:
    token = login(client, "cai")
    for method, path, body in changes(ids):
        missing = client.request(method, path, json=body)
        wrong = client.request(method, path, json=body, headers={"X-CSRF-Token": token + "x"})
        assert (missing.status_code, wrong.status_code) == (403, 403), (method, path)
        assert "CSRF" in missing.json()["detail"]


def test_api_curator_approves_with_chosen_sentences(
    client: TestClient, login: Login, ids: dict[str, int], studio_store: Store
) -> None:
    token = login(client, "cai")
    cid = ids["acme-sync/sync-stopped"]
    shown = client.get(f"/api/candidates/{cid}").json()
    staff_post = next(p for p in shown["excerpt"] if p["staff"])
    assert staff_post["sentences"][0]["parts"] == ["admission"]  # evidence marked
    response = client.post(
        f"/api/candidates/{cid}/decision",
        json={
            "decision": "approved",
            "excerpt_post_ids": [staff_post["post_id"]],
            "excerpt_sentences": {str(staff_post["post_id"]): [0, 2]},
        },
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200, response.text
    assert response.json()[0]["excerpt_sentences"] == {str(staff_post["post_id"]): [0, 2]}
    queue = client.get("/api/queue/acme-sync", params={"status": "approved"}).json()
    assert [c["id"] for c in queue["candidates"]] == [cid]
    preview = client.get("/api/mashups/acme-sync/preview").json()
    text = preview["data"]["threads"][0]["posts"][0]["text"]
    # The words are the author's, trimmed: the left-out middle sentence shows as an ellipsis.
    assert text == "That one is on us, sorry. … A fix ships in 4.2.1."
    assert ("cai", "review.approved", f"candidate:{cid}") in audit(studio_store)


def test_api_sentence_out_of_range_is_a_clear_400(
    client: TestClient, login: Login, ids: dict[str, int]
) -> None:
    token = login(client, "cai")
    cid = ids["acme-sync/sync-stopped"]
    post_id = client.get(f"/api/candidates/{cid}").json()["excerpt"][0]["post_id"]
    response = client.post(
        f"/api/candidates/{cid}/decision",
        json={"decision": "approved", "excerpt_sentences": {str(post_id): [99]}},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 400
    assert "cannot keep [99]" in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/candidates/9223372036854775808", None),
        ("POST", "/api/candidates/9223372036854775808/withdraw", {"reason": "old"}),
        ("POST", "/api/decisions", {"candidate_ids": [2**64], "decision": "approved"}),
        ("GET", "/api/search?like=9223372036854775808", None),
        ("GET", "/api/queue/acme-sync?page=99999999999999999999", None),
    ],
)
def test_api_id_larger_than_the_store_holds_is_a_422_naming_it(
    client: TestClient, login: Login, method: str, path: str, body: dict[str, object] | None
) -> None:
    token = login(client, "cai")
    response = client.request(method, path, json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 422, response.text
    assert "less than or equal to" in response.text


def test_api_reject_needs_a_reason_and_snooze_moves_to_its_tab(
    client: TestClient, login: Login, ids: dict[str, int]
) -> None:
    token = login(client, "cai")
    headers = {"X-CSRF-Token": token}
    slow, stopped = ids["acme-sync/sync-slow"], ids["acme-sync/sync-stopped"]
    bare = client.post(
        f"/api/candidates/{slow}/decision", json={"decision": "rejected"}, headers=headers
    )
    assert bare.status_code == 400 and "reason" in bare.json()["detail"]
    ok = client.post(
        f"/api/candidates/{slow}/decision",
        json={"decision": "rejected", "reason": "no resolution"},
        headers=headers,
    )
    assert ok.status_code == 200
    client.post(
        f"/api/candidates/{stopped}/decision", json={"decision": "snoozed"}, headers=headers
    )
    counts = client.get("/api/queue/acme-sync").json()["counts"]
    assert (counts["pending"], counts["rejected"], counts["snoozed"]) == (0, 1, 1)
    rejected = client.get("/api/queue/acme-sync", params={"status": "rejected"}).json()
    assert rejected["candidates"][0]["reason"] == "no resolution"


def test_api_bulk_decision(
    client: TestClient, login: Login, ids: dict[str, int], studio_store: Store
) -> None:
    token = login(client, "cai")
    both = [ids["acme-sync/sync-stopped"], ids["acme-sync/sync-slow"]]
    response = client.post(
        "/api/decisions",
        json={"candidate_ids": both, "decision": "approved"},
        headers={"X-CSRF-Token": token},
    )
    assert [r["candidate_id"] for r in response.json()] == both
    assert client.get("/api/queue/acme-sync").json()["counts"]["approved"] == 2
    assert [a for a in audit(studio_store) if a[1] == "review.approved"] == [
        ("cai", "review.approved", f"candidate:{cid}") for cid in both
    ]


def test_api_search_text_facets_filters_and_more_like_this(
    client: TestClient, login: Login, built: dict[str, int]
) -> None:
    login(client, "vic")
    found = client.get("/api/search", params={"q": "sync"}).json()
    assert found["mode"] == "text"
    threads = {r["thread_id"] for r in found["results"]}
    assert threads == {built["sync-stopped"], built["sync-slow"]}
    assert found["facets"]["product"] == {"acme-sync": found["facets"]["venue"]["acme"]}
    assert set(found["facets"]) >= {
        "product",
        "category",
        "venue",
        "admission",
        "resolved",
        "staff_involved",
    }
    stopped = next(r for r in found["results"] if r["thread_id"] == built["sync-stopped"])
    assert stopped["title"] == "Title of sync-stopped"
    assert stopped["candidates"][0]["product"] == "acme-sync"
    admitted = client.get("/api/search", params={"q": "sync", "admission": "true"}).json()
    assert {r["thread_id"] for r in admitted["results"]} == {built["sync-stopped"]}
    dated = client.get("/api/search", params={"q": "sync", "since": "2024-03-06"}).json()
    assert {r["thread_id"] for r in dated["results"]} == {built["sync-slow"]}
    like = client.get("/api/search", params={"like": built["sync-stopped"]}).json()
    assert like["mode"] == "like"
    assert like["results"][0]["thread_id"] == built["sync-slow"]  # same topic first
    hybrid = client.get("/api/search", params={"q": "reminders", "like": built["sync-stopped"]})
    assert hybrid.json()["mode"] == "hybrid"
    assert client.get("/api/search", params={"q": "x", "since": "soon"}).status_code == 400


def test_api_compose_order_preview_publish_and_withdraw(
    client: TestClient,
    login: Login,
    ids: dict[str, int],
    studio_store: Store,
    studio_settings: Settings,
) -> None:
    token = login(client, "cai")
    headers = {"X-CSRF-Token": token}
    stopped, slow = ids["acme-sync/sync-stopped"], ids["acme-sync/sync-slow"]
    client.post(
        "/api/decisions",
        json={"candidate_ids": [stopped, slow], "decision": "approved"},
        headers=headers,
    )
    assert [c["id"] for c in client.get("/api/mashups/acme-sync").json()["candidates"]] == [
        stopped,
        slow,
    ]
    response = client.put(
        "/api/mashups/acme-sync/order", json={"candidate_ids": [slow, stopped]}, headers=headers
    )
    assert response.status_code == 200
    assert [c["id"] for c in client.get("/api/mashups/acme-sync").json()["candidates"]] == [
        slow,
        stopped,
    ]
    preview = client.get("/api/mashups/acme-sync/preview").json()
    assert [t["title"] for t in preview["data"]["threads"]] == [
        "Title of sync-slow",
        "Title of sync-stopped",
    ]
    page = client.get(preview["page_url"])
    assert page.status_code == 200 and "Title of sync-slow" in page.text
    assert "script-src" not in page.headers["content-security-policy"]  # no script may run
    unknown = client.put(
        "/api/mashups/acme-sync/order",
        json={"candidate_ids": [ids["acme-notes/dark-mode"]]},
        headers=headers,
    )
    assert unknown.status_code == 400

    published = client.post("/api/publish", headers=headers).json()
    assert published["changed"] is True and published["threads"] == 2
    live = (studio_settings.publish.out / "current/fragments/acme-sync.json").read_text()
    assert live.index("Title of sync-slow") < live.index("Title of sync-stopped")
    assert client.post("/api/publish", headers=headers).json()["changed"] is False

    gone = client.post(
        f"/api/candidates/{slow}/withdraw", json={"reason": "author asked"}, headers=headers
    )
    assert gone.status_code == 200 and gone.json()["rejected"] == [slow]
    live = (studio_settings.publish.out / "current/fragments/acme-sync.json").read_text()
    assert "Title of sync-slow" not in live
    actions = [a[1] for a in audit(studio_store)]
    assert actions.count("publish") == 2
    assert "withdraw" in actions and "mashup.order" in actions


def test_api_audit_log_records_logins_and_failures(
    client: TestClient, login: Login, studio_store: Store
) -> None:
    client.post("/api/login", json={"username": "cai", "password": "wrong password!"})
    login(client, "cai")
    entries = client.get("/api/audit").json()["entries"]
    assert [(e["actor"], e["action"]) for e in entries][:2] == [
        ("cai", "login"),
        ("cai", "login.failed"),
    ]
    assert entries[0]["details"]["ip"] == "testclient"


def test_api_login_rate_limit_per_username_and_address(client: TestClient, login: Login) -> None:
    wrong = {"username": "cai", "password": "not the password"}
    answers = [client.post("/api/login", json=wrong) for _ in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[0].json() == {"detail": "wrong username or password"}
    limited = client.post("/api/login", json={"username": "cai", "password": corpus.PASSWORD})
    assert limited.status_code == 429  # even the right password waits for the window
    assert int(limited.headers["retry-after"]) > 0
    login(client, "vic")  # another username from the same address is not affected


def test_api_admin_manages_users_others_cannot(
    client: TestClient, login: Login, studio_store: Store
) -> None:
    token = login(client, "cai")
    new = {"username": "dee", "password": "a long enough password", "role": "viewer"}
    assert client.post("/api/users", json=new, headers={"X-CSRF-Token": token}).status_code == 403
    assert client.get("/api/users").status_code == 403
    token = login(client, "ada")
    headers = {"X-CSRF-Token": token}
    assert client.post("/api/users", json=new, headers=headers).status_code == 201
    short = client.post(
        "/api/users", json={**new, "username": "eve", "password": "short"}, headers=headers
    )
    assert short.status_code == 400
    changed = client.patch("/api/users/dee", json={"role": "curator"}, headers=headers)
    assert changed.json()["role"] == "curator"
    assert (
        client.patch("/api/users/ada", json={"role": "viewer"}, headers=headers).status_code == 400
    )
    client.patch("/api/users/dee", json={"active": False}, headers=headers)
    refused = client.post("/api/login", json={"username": "dee", "password": new["password"]})
    assert refused.status_code == 401  # deactivated
    assert ("ada", "user.add", "user:dee") in audit(studio_store)


def test_api_deactivated_user_loses_the_session_at_once(
    client: TestClient, login: Login, studio_settings: Settings, built: dict[str, int]
) -> None:
    login(client, "vic")
    assert client.get("/api/products").status_code == 200
    with TestClient(create_app(studio_settings)) as admin:
        token = login(admin, "ada")
        admin.patch("/api/users/vic", json={"active": False}, headers={"X-CSRF-Token": token})
    assert client.get("/api/products").status_code == 401


def test_api_logout_ends_the_session_for_every_copy_of_its_cookie(
    client: TestClient, login: Login
) -> None:
    token = login(client, "vic")
    copied = dict(client.cookies)  # e.g. taken from a shared machine before logging out
    assert client.post("/api/logout", headers={"X-CSRF-Token": token}).status_code == 200
    assert client.get("/api/products").status_code == 401
    client.cookies.update(copied)
    assert client.get("/api/products").status_code == 401  # the store says it has ended

    login(client, "vic")  # a new login is a new session
    assert client.get("/api/products").status_code == 200


def test_api_is_documented_by_openapi(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/api/login",
        "/api/queue/{slug}",
        "/api/candidates/{candidate_id}/decision",
        "/api/decisions",
        "/api/search",
        "/api/mashups/{slug}/order",
        "/api/publish",
        "/api/audit",
        "/api/users",
    } <= paths
    assert not any(p.startswith(("/queue", "/compose")) for p in paths)  # pages stay out
    assert {"200", "401", "429"} <= set(spec["paths"]["/api/login"]["post"]["responses"])


def test_api_candidate_explains_its_freshness(tmp_path: Path) -> None:
    settings = make_studio_settings(
        tmp_path, select={"min_score": 0.0, "require_any": [], "freshness_half_life_days": 365}
    )
    corpus.build(settings)  # the invented threads are from March 2024: over a year old
    with TestClient(create_app(settings)) as client:
        client.post("/api/login", json={"username": "vic", "password": corpus.PASSWORD})
        first = client.get("/api/queue/acme-sync").json()["candidates"][0]
        page = client.get("/queue/acme-sync").text
    assert first["parts"]["freshness"] < 0
    assert first["score"] == pytest.approx(sum(first["parts"].values()), abs=0.01)
    assert first["thread"]["last_activity_at"].startswith("2024-03-0")
    assert "last active 2024-03-0" in page
