"""Sessions, CSRF tokens, roles and login rate limiting for the studio.

- The session is a cookie signed with ``studio.secret_key`` (Starlette's ``SessionMiddleware``,
  itsdangerous): HttpOnly, SameSite=Lax, ``Secure`` when ``studio.secure_cookies`` is on (behind
  an https proxy), valid ``studio.session_hours``. It holds the user id and a CSRF token; the
  user row is read on every request, so a deactivated user or a changed role counts at once.
- Every state-changing request carries the session's CSRF token: the ``csrf_token`` field of a
  form, or the ``X-CSRF-Token`` header of an API call. Missing or wrong: 403.
- Other tools call the JSON API with ``Authorization: Bearer <token>`` (:mod:`.tokens`) instead.
  Such a request is authenticated by its token alone (the session cookie is ignored, and a
  wrong token is a 401), so it needs no CSRF token: a cross-site page cannot set that header.
- Failed logins are counted per (username, client IP) in memory: after
  ``studio.login_attempts`` failures within ``studio.login_window_seconds`` that pair gets 429
  until the window passes. Counts live in the process: a restart clears them, and each studio
  replica counts its own (put the rate limit in the reverse proxy for a fleet).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from candor.studio.tokens import token_hash
from candor.studio.users import can
from corpus import models as m

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "candor_studio"


class NotLoggedIn(Exception):
    """No valid session: pages redirect to /login, the API answers 401."""


class Forbidden(Exception):
    """Logged in, but the role (or the CSRF token) does not allow this: 403."""


class TooManyAttempts(Exception):
    """Too many failed logins for this username and address: 429."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


class LoginLimiter:
    """Failed logins per key within a sliding window (thread-safe, in memory)."""

    def __init__(self, attempts: int, window_seconds: float) -> None:
        self.attempts = attempts
        self.window = window_seconds
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def check(self, username: str, address: str) -> None:
        """Raise :class:`TooManyAttempts` while this pair is locked out."""
        now = time.monotonic()
        with self._lock:
            times = self._recent((username.lower(), address), now)
            if len(times) >= self.attempts:
                raise TooManyAttempts(int(times[0] + self.window - now) + 1)

    def failed(self, username: str, address: str) -> None:
        with self._lock:
            self._recent((username.lower(), address), time.monotonic()).append(time.monotonic())

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username.lower(), address), None)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="An API token (`candor user token NAME --user U`): acts as that user, no CSRF "
    "token needed.",
)
SESSION = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    scheme_name="session",
    description="The session cookie `POST /api/login` sets; changes also need `X-CSRF-Token`.",
)
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def api_token(request: Request, credentials: HTTPAuthorizationCredentials | None) -> str | None:
    """The bearer token of an API call, else ``None`` (pages take none: they use the session)."""
    if credentials is None or not request.url.path.startswith("/api/"):
        return None
    return credentials.credentials


async def check_csrf(request: Request, credentials: Bearer) -> None:
    """A dependency of every state-changing route: the token must match the session's.

    Bearer requests are exempt: they carry no cookie a forged request could ride on.
    """
    if api_token(request, credentials) is not None:
        return
    expected = request.session.get("csrf", "")
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        given = str((await request.form()).get(CSRF_FIELD, ""))
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden("missing or wrong CSRF token: reload the page and try again")


def _open(session_id: str) -> tuple[Any, ...]:
    """Where-clauses for the store's row of the cookie's session, while it has not ended."""
    return (
        m.StudioSession.id_hash == token_hash(session_id),
        m.StudioSession.ended_at.is_(None),
    )


def start_session(request: Request, db: Session, user: m.User) -> None:
    """A fresh session for ``user`` (new CSRF token: nothing carries over from before login),
    recorded in the store so that logging out ends it for every copy of the cookie."""
    end_session(request, db)
    session_id = secrets.token_urlsafe(32)
    db.add(m.StudioSession(user_id=user.id, id_hash=token_hash(session_id)))
    request.session["uid"] = user.id
    request.session["sid"] = session_id
    request.session["csrf"] = secrets.token_urlsafe(32)


def end_session(request: Request, db: Session) -> None:
    """End the cookie's session in the store and forget it in the cookie."""
    session_id = request.session.get("sid")
    if session_id:
        db.execute(update(m.StudioSession).where(*_open(session_id)).values(ended_at=m.utcnow()))
    request.session.clear()


def session_user(request: Request, db: Session) -> m.User | None:
    """The active user whose session the cookie names, while that session has not ended."""
    uid, session_id = request.session.get("uid"), request.session.get("sid")
    if not uid or not session_id:
        return None
    open_session = db.scalar(select(m.StudioSession).where(*_open(session_id)))
    if open_session is None or open_session.user_id != uid:
        return None
    user = db.get(m.User, uid)
    return user if user is not None and user.active else None


@dataclass(frozen=True)
class Viewer:
    """The logged-in user, as the routes see them."""

    id: int
    username: str
    role: str

    def can(self, needed: str) -> bool:
        return can(self.role, needed)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
