"""The studio's JSON API (``/api/…``, OpenAPI at ``/api/docs``): the pages' actions for tools.

Authentication is the studio's session cookie (``POST /api/login``); every state-changing call
sends the session's CSRF token in the ``X-CSRF-Token`` header. ``/api/login`` itself takes JSON
only, which a cross-site form cannot send. Tools use an API token instead
(``Authorization: Bearer …``, :mod:`candor.studio.tokens`): no cookie, no CSRF token.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from candor.studio import curation
from candor.studio.app import Admin, Curator, Reader, context, viewer
from candor.studio.params import PageNumber, RowId
from candor.studio.searching import SearchParams
from candor.studio.security import (
    NotLoggedIn,
    Viewer,
    check_csrf,
    client_address,
    csrf_token,
    end_session,
    start_session,
)
from candor.studio.tokens import create_token, describe, list_tokens, revoke_token
from candor.studio.users import add_user, authenticate, update_user
from corpus import models as m
from corpus.errors import InputError

router = APIRouter(prefix="/api", tags=["studio"])
CSRF = [Depends(check_csrf)]


class Credentials(BaseModel):
    username: str
    password: str


class SessionInfo(BaseModel):
    username: str
    role: str
    csrf_token: str = Field(description="Send it as the X-CSRF-Token header of every change.")


class Decision(BaseModel):
    decision: str = Field(description="approved, rejected (needs a reason) or snoozed")
    reason: str | None = None
    excerpt_post_ids: list[RowId] | None = Field(
        default=None, description="Posts of the thread to show (default: the current excerpt)."
    )
    excerpt_sentences: dict[RowId, list[int]] | None = Field(
        default=None,
        description="Post id → indexes of the sentences kept; posts not named are shown whole.",
    )


class BulkDecision(BaseModel):
    candidate_ids: list[RowId]
    decision: str
    reason: str | None = None


class Order(BaseModel):
    candidate_ids: list[RowId] = Field(description="Approved candidates, first shown first.")


class Withdrawal(BaseModel):
    reason: str


class NewUser(BaseModel):
    username: str
    password: str
    role: str


class UserChange(BaseModel):
    role: str | None = None
    active: bool | None = None
    password: str | None = None


def _session_info(request: Request, user: Viewer) -> SessionInfo:
    return SessionInfo(username=user.username, role=user.role, csrf_token=csrf_token(request))


class Problem(BaseModel):
    detail: str


@router.post(
    "/login",
    response_model=SessionInfo,
    responses={
        401: {"model": Problem, "description": "Wrong username or password."},
        429: {"model": Problem, "description": "Too many failed attempts: wait and retry."},
    },
)
def login(request: Request, credentials: Credentials) -> SessionInfo:
    """Log in: sets the session cookie and returns the CSRF token. Rate limited (429)."""
    studio = context(request)
    address = client_address(request)
    studio.limiter.check(credentials.username, address)
    with studio.store.session() as session:
        user = authenticate(session, credentials.username, credentials.password)
        subject = f"user:{credentials.username}"
        if user is None:
            studio.limiter.failed(credentials.username, address)
            curation.audit(session, credentials.username, "login.failed", subject, ip=address)
        else:
            studio.limiter.succeeded(credentials.username, address)
            curation.audit(session, user.username, "login", subject, ip=address, api=True)
            start_session(request, session, user)
            info = Viewer(user.id, user.username, user.role)
    if user is None:
        raise NotLoggedIn("wrong username or password")
    return _session_info(request, info)


@router.post("/logout", dependencies=CSRF)
def logout(request: Request, user: Reader) -> dict[str, bool]:
    with context(request).store.session() as session:
        curation.audit(session, user.username, "logout", f"user:{user.username}")
        end_session(request, session)
    return {"ok": True}


@router.get("/session", response_model=SessionInfo)
def session_info(request: Request, user: Annotated[Viewer, Depends(viewer)]) -> SessionInfo:
    """Who is logged in, and the CSRF token for changes."""
    return _session_info(request, user)


@router.get("/products")
def list_products(request: Request, user: Reader) -> list[dict[str, Any]]:
    with context(request).store.session() as session:
        return [
            {"slug": p.slug, "name": p.name, "page": p.page} for p in curation.products(session)
        ]


@router.get("/queue/{slug}")
def queue(
    request: Request, slug: str, user: Reader, status: str = "pending", page: PageNumber = 1
) -> dict[str, Any]:
    """One page of a product's candidates: score parts, evidence sentences, excerpt, decision."""
    studio = context(request)
    with studio.store.session() as session:
        found = curation.queue(session, slug, status, page, studio.settings.studio.page_size)
    return {
        "product": found.product.slug,
        "status": found.status,
        "counts": found.counts,
        "page": found.page,
        "pages": found.pages,
        "candidates": [c.data() for c in found.candidates],
    }


@router.get("/candidates/{candidate_id}")
def candidate(request: Request, candidate_id: RowId, user: Reader) -> dict[str, Any]:
    with context(request).store.session() as session:
        views = curation.candidate_views(session, [candidate_id])
    if not views:
        raise curation.NotFound(f"no candidate {candidate_id}")
    return views[0].data()


def _reviews(reviews: list[m.Review]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "candidate_id": r.candidate_id,
            "decision": r.decision,
            "reason": r.reason,
            "excerpt_post_ids": r.excerpt_post_ids,
            "excerpt_sentences": r.excerpt_sentences,
            "reviewer": r.reviewer,
        }
        for r in reviews
    ]


@router.post("/candidates/{candidate_id}/decision", dependencies=CSRF)
def decide(
    request: Request, candidate_id: RowId, body: Decision, user: Curator
) -> list[dict[str, Any]]:
    """Approve, reject (with a reason) or snooze one candidate, optionally with its excerpt."""
    with context(request).store.session() as session:
        reviews = curation.decide(
            session,
            user.username,
            [candidate_id],
            body.decision,
            body.reason,
            body.excerpt_post_ids,
            body.excerpt_sentences,
        )
        return _reviews(reviews)


@router.post("/decisions", dependencies=CSRF)
def decide_many(request: Request, body: BulkDecision, user: Curator) -> list[dict[str, Any]]:
    """The same decision for many candidates at once (bulk action)."""
    with context(request).store.session() as session:
        reviews = curation.decide(
            session, user.username, body.candidate_ids, body.decision, body.reason
        )
        return _reviews(reviews)


@router.get("/search")
def search(request: Request, user: Reader, query: SearchParams) -> dict[str, Any]:
    """Full text (``q``), threads like a thread (``like``), or both (hybrid), with facets."""
    studio = context(request)
    if studio.searcher is None:
        raise InputError("the search index is not available; run `candor index`")
    with studio.store.session() as session:
        found = studio.searcher.run(session, query)
    return {
        "mode": found.mode,
        "total": found.total,
        "facets": found.facets,
        "results": [r.data() for r in found.results],
    }


@router.get("/mashups/{slug}")
def mashup(request: Request, slug: str, user: Reader) -> dict[str, Any]:
    """The product page's approved candidates in page order; ``shown`` marks those on the page."""
    studio = context(request)
    with studio.store.session() as session:
        found = curation.composition(session, slug, studio.settings)
    return {
        "product": found.product.slug,
        "per_page": found.per_page,
        "live_thread_ids": found.live,
        "candidates": [
            {**c.data(), "shown": n < found.per_page} for n, c in enumerate(found.approved)
        ],
    }


@router.put("/mashups/{slug}/order", dependencies=CSRF)
def order(request: Request, slug: str, body: Order, user: Curator) -> dict[str, Any]:
    """Set the page order of the product's approved candidates."""
    with context(request).store.session() as session:
        ids = curation.set_order(session, user.username, slug, body.candidate_ids)
    return {"product": slug, "candidate_ids": ids}


@router.get("/mashups/{slug}/preview")
def preview(request: Request, slug: str, user: Reader) -> dict[str, Any]:
    """The page as the next release would publish it: its fragment HTML and data."""
    studio = context(request)
    with studio.store.session() as session:
        files = curation.preview_files(session, slug, studio.settings)
    return {
        "fragment_html": files[f"fragments/{slug}.html"].decode("utf-8"),
        "data": json.loads(files[f"fragments/{slug}.json"]),
        "page_url": f"/compose/{slug}/preview/site/products/{slug}.html",
    }


@router.post("/publish", dependencies=CSRF)
def publish(request: Request, user: Curator) -> dict[str, Any]:
    """Run the publish stage now."""
    from candor.studio.actions import publish as run

    report = run(context(request), user.username)
    return {
        "release": report.release,
        "changed": report.changed,
        "pages": report.pages,
        "threads": report.threads,
    }


@router.post("/candidates/{candidate_id}/withdraw", dependencies=CSRF)
def withdraw(
    request: Request, candidate_id: RowId, body: Withdrawal, user: Curator
) -> dict[str, Any]:
    """Reject the candidate with a reason and publish at once."""
    from candor.studio.actions import withdraw as run

    report = run(context(request), user.username, candidate_id, body.reason)
    return {"rejected": report.rejected, "release": report.publish.release}


@router.get("/audit")
def audit(
    request: Request,
    user: Reader,
    page: PageNumber = 1,
    actor: str = "",
    action: str = "",
) -> dict[str, Any]:
    """The audit log, newest first: who did what to which object, when."""
    with context(request).store.session() as session:
        found = curation.audit_page(session, page, 50, actor or None, action or None)
        return {
            "page": found.page,
            "pages": found.pages,
            "entries": [
                {
                    "id": e.id,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "action": e.action,
                    "subject": e.subject,
                    "details": e.details,
                }
                for e in found.entries
            ],
        }


@router.get("/users")
def users(request: Request, user: Admin) -> list[dict[str, Any]]:
    with context(request).store.session() as session:
        return [
            {"username": u.username, "role": u.role, "active": u.active}
            for u in session.query(m.User).order_by(m.User.username)
        ]


@router.post("/users", dependencies=CSRF, status_code=201)
def create_user(request: Request, body: NewUser, user: Admin) -> dict[str, Any]:
    with context(request).store.session() as session:
        added = add_user(session, body.username, body.password, body.role)
        curation.audit(
            session, user.username, "user.add", f"user:{added.username}", role=added.role
        )
        return {"username": added.username, "role": added.role, "active": added.active}


@router.patch("/users/{username}", dependencies=CSRF)
def change_user(request: Request, username: str, body: UserChange, user: Admin) -> dict[str, Any]:
    if username == user.username and (body.active is False or body.role not in (None, "admin")):
        raise InputError("you cannot demote or deactivate yourself; ask another admin")
    with context(request).store.session() as session:
        changed = update_user(session, username, body.role, body.active, body.password)
        details = {k: v for k, v in body.model_dump().items() if v is not None and k != "password"}
        if body.password:
            details["password"] = "changed"
        curation.audit(session, user.username, "user.update", f"user:{username}", **details)
        return {"username": changed.username, "role": changed.role, "active": changed.active}


class NewToken(BaseModel):
    name: str = Field(description="What will use the token, e.g. 'CRM sync'.")
    username: str = Field(description="The user the token acts as, with that user's role.")


@router.get("/tokens")
def tokens(request: Request, user: Admin) -> list[dict[str, Any]]:
    """Every API token, newest first (never the token itself: only its hash is stored)."""
    with context(request).store.session() as session:
        return [describe(row, name) for row, name in list_tokens(session)]


@router.post("/tokens", dependencies=CSRF, status_code=201)
def create_api_token(request: Request, body: NewToken, user: Admin) -> dict[str, Any]:
    """Make a token for a user; ``token`` is in this response only: store it now."""
    with context(request).store.session() as session:
        row, token = create_token(session, user.username, body.username, body.name)
        return {**describe(row, body.username), "token": token}


@router.delete("/tokens/{token_id}", dependencies=CSRF)
def revoke_api_token(request: Request, token_id: RowId, user: Admin) -> dict[str, Any]:
    """Revoke a token: requests with it get 401 from now on."""
    with context(request).store.session() as session:
        row, owner = revoke_token(session, user.username, token_id)
        return describe(row, owner)
