"""The studio's HTML pages: server-rendered forms over :mod:`candor.studio.curation`.

Every form posts its CSRF token and redirects back (POST/redirect/GET), so reloading never
repeats an action. Each action writes an audit entry (see :func:`curation.audit`).
"""

from __future__ import annotations

import mimetypes
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from candor.studio import curation
from candor.studio.app import (
    Admin,
    Curator,
    Reader,
    context,
    flash,
    render,
)
from candor.studio.params import PageNumber, RowId
from candor.studio.searching import SearchParams
from candor.studio.security import (
    check_csrf,
    client_address,
    end_session,
    start_session,
)
from candor.studio.tokens import create_token, describe, list_tokens, revoke_token
from candor.studio.users import ROLES, add_user, authenticate, update_user
from corpus import models as m
from corpus.errors import InputError

router = APIRouter(include_in_schema=False)
CSRF = [Depends(check_csrf)]


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _safe_next(target: str) -> str:
    """Only paths of this site: never ``//host`` or a full URL."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


# -- login


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", None, next=_safe_next(next), error=None)


@router.post("/login", dependencies=CSRF)
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    studio = context(request)
    address = client_address(request)
    studio.limiter.check(username, address)
    with studio.store.session() as session:
        user = authenticate(session, username, password)
        if user is None:
            studio.limiter.failed(username, address)
            curation.audit(session, username, "login.failed", f"user:{username}", ip=address)
        else:
            studio.limiter.succeeded(username, address)
            curation.audit(session, user.username, "login", f"user:{username}", ip=address)
            start_session(request, session, user)
    if user is None:
        return render(
            request,
            "login.html",
            None,
            status_code=401,
            next=_safe_next(next),
            error="Wrong username or password.",
        )
    return _redirect(_safe_next(next))


@router.post("/logout", dependencies=CSRF)
def logout(request: Request, user: Reader) -> Response:
    with context(request).store.session() as session:
        curation.audit(session, user.username, "logout", f"user:{user.username}")
        end_session(request, session)
    return _redirect("/login")


# -- queue


@router.get("/")
def home(user: Reader) -> Response:
    return _redirect("/queue")


@router.get("/queue")
def first_queue(request: Request, user: Reader, product: str = "") -> Response:
    if product:
        return _redirect(f"/queue/{quote(product)}")
    with context(request).store.session() as session:
        products = curation.products(session)
    if not products:
        return render(request, "error.html", user, status=404, text="No products configured.")
    return _redirect(f"/queue/{products[0].slug}")


@router.get("/queue/{slug}", response_class=HTMLResponse)
def queue_page(
    request: Request, slug: str, user: Reader, status: str = "pending", page: PageNumber = 1
) -> HTMLResponse:
    studio = context(request)
    with studio.store.session() as session:
        found = curation.queue(session, slug, status, page, studio.settings.studio.page_size)
    return render(request, "queue.html", user, queue=found, statuses=curation.STATUSES)


def _sentences(values: list[str]) -> dict[int, list[int]]:
    """``["12:0", "12:2"]`` (post id : sentence index) → ``{12: [0, 2]}``."""
    chosen: dict[int, list[int]] = {}
    for value in values:
        post, _, index = value.partition(":")
        try:
            chosen.setdefault(int(post), []).append(int(index))
        except ValueError as exc:
            raise InputError(f"cannot read the sentence choice {value!r}") from exc
    return chosen


@router.post("/candidates/{candidate_id}/decision", dependencies=CSRF)
def decision(
    request: Request,
    candidate_id: RowId,
    user: Curator,
    decision: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    edit_excerpt: Annotated[bool, Form()] = False,
    post: Annotated[list[RowId] | None, Form()] = None,
    sentence: Annotated[list[str] | None, Form()] = None,
    next: Annotated[str, Form()] = "",
) -> Response:
    sentences = _sentences(sentence or []) if edit_excerpt else None
    posts = sorted(set(post or []) | set(sentences or {})) if edit_excerpt else None
    if edit_excerpt and not posts:
        raise InputError("an excerpt needs at least one post: tick a post or a sentence")
    with context(request).store.session() as session:
        curation.decide(session, user.username, [candidate_id], decision, reason, posts, sentences)
    flash(request, f"Candidate {candidate_id}: {decision}.")
    return _redirect(_safe_next(next) if next else "/queue")


@router.post("/queue/{slug}/bulk", dependencies=CSRF)
def bulk(
    request: Request,
    slug: str,
    user: Curator,
    decision: Annotated[str, Form()],
    candidate_id: Annotated[list[RowId] | None, Form()] = None,
    reason: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    ids = candidate_id or []
    with context(request).store.session() as session:
        curation.decide(session, user.username, ids, decision, reason)
    flash(request, f"{len(ids)} candidates: {decision}.")
    return _redirect(_safe_next(next) if next else f"/queue/{slug}")


# -- search


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, user: Reader, query: SearchParams) -> HTMLResponse:
    studio = context(request)
    if studio.searcher is None:
        return render(request, "search.html", user, query=query, results=None, unavailable=True)
    with studio.store.session() as session:
        results = studio.searcher.run(session, query)
    return render(request, "search.html", user, query=query, results=results, unavailable=False)


# -- composing


@router.get("/compose/{slug}", response_class=HTMLResponse)
def compose_page(request: Request, slug: str, user: Reader) -> HTMLResponse:
    studio = context(request)
    with studio.store.session() as session:
        found = curation.composition(session, slug, studio.settings)
    return render(request, "compose.html", user, composition=found)


@router.post("/compose/{slug}/move", dependencies=CSRF)
def compose_move(
    request: Request,
    slug: str,
    user: Curator,
    candidate_id: Annotated[int, Form()],
    step: Annotated[int, Form()],
) -> Response:
    with context(request).store.session() as session:
        curation.move(session, user.username, slug, candidate_id, 1 if step > 0 else -1)
    return _redirect(f"/compose/{slug}#order-{candidate_id}")


@router.post("/compose/{slug}/order", dependencies=CSRF)
def compose_order(
    request: Request,
    slug: str,
    user: Curator,
    candidate_id: Annotated[list[RowId], Form()],
) -> Response:
    with context(request).store.session() as session:
        curation.set_order(session, user.username, slug, candidate_id)
    flash(request, "Order saved.")
    return _redirect(f"/compose/{slug}")


@router.get("/compose/{slug}/preview/site/{path:path}")
def preview_file(request: Request, slug: str, path: str, user: Reader) -> Response:
    studio = context(request)
    with studio.store.session() as session:
        files = curation.preview_files(session, slug, studio.settings)
    if path not in files:
        return Response("not in the preview", status_code=404, media_type="text/plain")
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
        kind += "; charset=utf-8"
    return Response(files[path], media_type=kind)


@router.post("/compose/{slug}/publish", dependencies=CSRF)
def compose_publish(request: Request, slug: str, user: Curator) -> Response:
    from candor.studio.actions import publish

    report = publish(context(request), user.username)
    flash(
        request,
        f"Published release {report.release}."
        if report.changed
        else f"Nothing changed since release {report.release}; nothing published.",
    )
    return _redirect(f"/compose/{slug}")


@router.post("/compose/{slug}/withdraw", dependencies=CSRF)
def compose_withdraw(
    request: Request,
    slug: str,
    user: Curator,
    candidate_id: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    from candor.studio.actions import withdraw

    withdraw(context(request), user.username, candidate_id, reason)
    flash(request, f"Candidate {candidate_id} withdrawn and the pages published again.")
    return _redirect(f"/compose/{slug}")


# -- audit log and users


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: Reader,
    page: PageNumber = 1,
    actor: str = "",
    action: str = "",
) -> HTMLResponse:
    with context(request).store.session() as session:
        found = curation.audit_page(session, page, 50, actor or None, action or None)
    return render(request, "audit.html", user, audit=found, actor=actor, action=action)


def _users_page(request: Request, user: Admin, new_token: str | None = None) -> HTMLResponse:
    with context(request).store.session() as session:
        users = list(session.query(m.User).order_by(m.User.username))
        tokens = [describe(row, name) for row, name in list_tokens(session)]
    return render(
        request, "users.html", user, users=users, roles=ROLES, tokens=tokens, new_token=new_token
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin) -> HTMLResponse:
    return _users_page(request, user)


@router.post("/users/tokens", dependencies=CSRF, response_class=HTMLResponse)
def tokens_add(
    request: Request,
    user: Admin,
    name: Annotated[str, Form()],
    username: Annotated[str, Form()],
) -> HTMLResponse:
    """Make a token and show it in this answer only (no redirect: it is never stored in clear)."""
    with context(request).store.session() as session:
        _, token = create_token(session, user.username, username, name)
    return _users_page(request, user, new_token=token)


@router.post("/users/tokens/{token_id}/revoke", dependencies=CSRF)
def tokens_revoke(request: Request, token_id: RowId, user: Admin) -> Response:
    with context(request).store.session() as session:
        row, owner = revoke_token(session, user.username, token_id)
    flash(request, f"Token {token_id} ({row.name}, {owner}) revoked.")
    return _redirect("/users")


@router.post("/users", dependencies=CSRF)
def users_add(
    request: Request,
    user: Admin,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    role: Annotated[str, Form()],
) -> Response:
    with context(request).store.session() as session:
        add_user(session, username, password, role)
        curation.audit(session, user.username, "user.add", f"user:{username}", role=role)
    flash(request, f"User {username} added as {role}.")
    return _redirect("/users")


@router.post("/users/{username}", dependencies=CSRF)
def users_update(
    request: Request,
    username: str,
    user: Admin,
    role: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    change = {
        "role": role or None,
        "active": {"true": True, "false": False}.get(active),
    }
    if username == user.username and (
        change["active"] is False or change["role"] not in (None, "admin")
    ):
        raise InputError("you cannot demote or deactivate yourself; ask another admin")
    with context(request).store.session() as session:
        update_user(session, username, **change)
        curation.audit(
            session,
            user.username,
            "user.update",
            f"user:{username}",
            **{k: v for k, v in change.items() if v is not None},
        )
    flash(request, f"User {username} updated.")
    return _redirect("/users")
