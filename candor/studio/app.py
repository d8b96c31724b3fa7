"""The studio application: :func:`create_app` wires settings, store, index, sessions and routes.

Pages (:mod:`candor.studio.pages`) and the JSON API under ``/api`` (:mod:`candor.studio.api`,
documented at ``/api/docs``) call the same functions of :mod:`candor.studio.curation`. Every
route needs a login except ``/login``, ``/api/login`` and ``/static``.
"""

from __future__ import annotations

import gc
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from candor.studio.apidocs import mount_api_docs
from candor.studio.curation import NotFound
from candor.studio.searching import Searcher
from candor.studio.security import (
    SESSION,
    SESSION_COOKIE,
    Bearer,
    Forbidden,
    LoginLimiter,
    NotLoggedIn,
    TooManyAttempts,
    Viewer,
    api_token,
    csrf_token,
    session_user,
)
from candor.studio.tokens import authenticate_token
from corpus import models as m
from corpus.errors import InputError, SourceUnreachable
from corpus.settings import Settings
from corpus.store import Store

if TYPE_CHECKING:
    from nlp.scenarios import Scenario

HERE = Path(__file__).parent
log = logging.getLogger(__name__)

# Pages: scripts and styles from the studio only; the preview frame is same-origin.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
# The preview is a visitor's page: no script runs in it, and only the studio may frame it.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data: https:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


@dataclass
class Studio:
    """What every request needs: settings, the store, the index, the login limiter."""

    settings: Settings
    store: Store
    searcher: Searcher | None
    limiter: LoginLimiter
    templates: Jinja2Templates
    plan_scenarios: dict[str, Scenario] = field(default_factory=dict)
    """The scenarios the Plan page showed last: its rename and merge forms name one of them."""


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    """The studio as an ASGI app (serve it with uvicorn: ``candor studio``).

    Example::

        app = create_app(load_settings())
        uvicorn.run(app, host="127.0.0.1", port=8700)

    ``store`` defaults to ``settings.store``, checked to be at the newest schema.
    """
    from candor.studio import api, dashboard, pages, planning

    if store is None:
        store = Store(settings.store)
        store.check()
    config = settings.studio
    secret = config.secret_key
    if not secret:
        log.warning("studio.secret_key is empty: using a random key, sessions end on restart")
        secret = secrets.token_urlsafe(32)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["csrf_field"] = "csrf_token"
    templates.env.filters["qs"] = lambda values: urlencode(values, doseq=True)
    templates.env.filters["tuple_"] = tuple
    templates.env.filters["when"] = lambda d: d.strftime("%Y-%m-%d %H:%M UTC") if d else ""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What is loaded by now (modules, models' tables, templates) lives as long as the
        # process. Frozen out of the collector's sight, a full collection scans only what
        # requests allocate: at 100k posts it took ~100 ms, one queue request in 12 paid it
        # (p95 128 ms → 40 ms, benchmarks/studio.py).
        gc.freeze()
        yield
        if app.state.studio.searcher:
            app.state.studio.searcher.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Candor studio",
        summary="Curate which forum conversations appear on product pages.",
        description=(
            "The studio's JSON API. Log in with `POST /api/login` (or the login page): the "
            "session cookie authenticates, and every state-changing call sends the session's "
            "CSRF token in the `X-CSRF-Token` header (`GET /api/session` returns it). Other "
            "tools send an API token instead, `Authorization: Bearer cnd_…` (made by "
            "`candor user token NAME --user U` or an admin): it acts as its user, with the "
            "user's role, and needs no CSRF token. Roles: viewer reads, curator decides and "
            "publishes, admin also manages users and tokens."
        ),
        docs_url=None,  # candor.studio.apidocs serves it, without a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.studio = Studio(
        settings=settings,
        store=store,
        searcher=_searcher(settings),
        limiter=LoginLimiter(config.login_attempts, config.login_window_seconds),
        templates=templates,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=int(config.session_hours * 3600),
        same_site="lax",
        https_only=config.secure_cookies,
    )
    app.middleware("http")(_headers)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    mount_api_docs(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(dashboard.router)
    app.include_router(planning.router)
    _handlers(app)

    return app


def _searcher(settings: Settings) -> Searcher | None:
    from corpus.search import open_index

    try:
        return Searcher(open_index(settings))
    except Exception as exc:  # search is optional for curating: say so on the search page
        log.warning("search index unavailable: %s", exc)
        return None


async def _headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
    response: Response = await call_next(request)
    preview = "/preview/site/" in request.url.path
    response.headers.setdefault(
        "Content-Security-Policy", PREVIEW_POLICY if preview else PAGE_POLICY
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not preview:
        response.headers.setdefault("X-Frame-Options", "DENY")
    if not request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(NotLoggedIn)
    async def _login(request: Request, exc: NotLoggedIn) -> Response:
        if is_api(request):
            return JSONResponse(
                {"detail": str(exc) or "log in first"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"}
                if "authorization" in request.headers
                else None,
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        if is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=403)
        return error_page(request, 403, str(exc))

    @app.exception_handler(TooManyAttempts)
    async def _too_many(request: Request, exc: TooManyAttempts) -> Response:
        headers = {"Retry-After": str(exc.retry_after)}
        if is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)
        return error_page(request, 429, str(exc), headers)

    @app.exception_handler(SourceUnreachable)
    async def _unreachable(request: Request, exc: SourceUnreachable) -> Response:
        # Elasticsearch is down: the studio's other pages work; searches say why they cannot.
        if is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=503)
        return error_page(request, 503, str(exc))

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 400
        if is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        if request.method == "POST":
            flash(request, str(exc), "error")
            return RedirectResponse(back(request), status_code=303)
        return error_page(request, status, str(exc))


def back(request: Request, default: str = "/") -> str:
    """Where a form came from (same site only), to return to after a POST."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return default
    path = referer.path or default
    return path + (f"?{referer.query}" if referer.query else "")


def flash(request: Request, text: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append([kind, text])
    request.session["flash"] = request.session["flash"]  # mark modified


def context(request: Request) -> Studio:
    return request.app.state.studio


def viewer(
    request: Request,
    credentials: Bearer = None,
    _cookie: Annotated[str | None, Depends(SESSION)] = None,  # documents the session in OpenAPI
) -> Viewer:
    """The logged-in user (a dependency): by API token, else by session; or :class:`NotLoggedIn`."""
    token = api_token(request, credentials)
    if token is not None:
        with context(request).store.session() as session:
            user = authenticate_token(session, token)
            if user is None:
                raise NotLoggedIn("unknown or revoked API token")
            return Viewer(user.id, user.username, user.role)
    if not request.session.get("uid"):
        raise NotLoggedIn()
    with context(request).store.session() as session:
        user = session_user(request, session)
        if user is None:
            request.session.clear()
            raise NotLoggedIn()
        return Viewer(user.id, user.username, user.role)


def role(needed: str) -> Callable[[Viewer], Viewer]:
    def check(user: Annotated[Viewer, Depends(viewer)]) -> Viewer:
        if not user.can(needed):
            raise Forbidden(f"{user.username} is a {user.role}; this needs a {needed}")
        return user

    return check


Reader = Annotated[Viewer, Depends(role("viewer"))]
Curator = Annotated[Viewer, Depends(role("curator"))]
Admin = Annotated[Viewer, Depends(role("admin"))]


def render(
    request: Request,
    name: str,
    user: Viewer | None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """A page, with what every page shows: the user, the CSRF token, flashed messages."""
    studio = context(request)
    products: list[tuple[str, str]] = []
    if user is not None:
        with studio.store.session() as session:
            products = [(p.slug, p.name) for p in session.query(m.Product).order_by(m.Product.name)]
    messages = request.session.pop("flash", []) if "flash" in request.session else []
    return studio.templates.TemplateResponse(
        request,
        name,
        {
            "user": user,
            "csrf": csrf_token(request),
            "messages": messages,
            "nav_products": products,
            **values,
        },
        status_code=status_code,
        headers=headers,
    )


def error_page(
    request: Request, status: int, text: str, headers: dict[str, str] | None = None
) -> HTMLResponse:
    user = None
    if request.session.get("uid"):
        try:
            user = viewer(request)
        except NotLoggedIn:
            user = None
    return render(
        request, "error.html", user, status_code=status, headers=headers, status=status, text=text
    )
