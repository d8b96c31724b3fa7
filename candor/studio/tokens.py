"""API tokens: how another tool calls the studio's JSON API as one user, without a password.

A token is made for a user (``candor user token NAME --user U``, or an admin on the Users page)
and shown once; only its SHA-256 is stored (:class:`corpus.models.ApiToken`), so a stolen
database yields no usable token. A request sends it as ``Authorization: Bearer <token>`` and
then acts as that user, with the user's current role: deactivating the user or revoking the
token stops it at once. ``last_used_at`` is kept to the minute (not written on every request).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.studio.curation import audit
from corpus import models as m
from corpus.errors import InputError

PREFIX = "cnd_"
"""Every token starts with this, so secret scanners and people recognise one."""
USE_RESOLUTION = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, actor: str, username: str, name: str) -> tuple[m.ApiToken, str]:
    """A new token for ``username`` named ``name`` (what it is for); returns the row and the token.

    ``actor`` (an admin, or ``cli``) is who the audit log names. Example::

        row, token = create_token(session, "ada", "cai", "CRM sync")
        print(token)  # cnd_…, shown this once
    """
    user = session.scalar(select(m.User).where(m.User.username == username))
    if user is None:
        raise InputError(f"no user {username!r}; create it with `candor user add`")
    if not name.strip():
        raise InputError("a token needs a name saying what uses it, e.g. 'CRM sync'")
    token = PREFIX + secrets.token_urlsafe(32)
    row = m.ApiToken(user_id=user.id, name=name.strip(), token_hash=token_hash(token))
    session.add(row)
    session.flush()
    audit(session, actor, "token.add", f"token:{row.id}", user=username, name=row.name)
    return row, token


def list_tokens(session: Session, username: str | None = None) -> list[tuple[m.ApiToken, str]]:
    """Tokens (with their user's name), newest first; only ``username``'s when given."""
    query = (
        select(m.ApiToken, m.User.username)
        .join(m.User, m.User.id == m.ApiToken.user_id)
        .order_by(m.ApiToken.id.desc())
    )
    if username is not None:
        query = query.where(m.User.username == username)
    return [(row, name) for row, name in session.execute(query)]


def revoke_token(session: Session, actor: str, token_id: int) -> tuple[m.ApiToken, str]:
    """Refuse the token from now on (the row stays, for the audit log); returns it and its user."""
    found = session.execute(
        select(m.ApiToken, m.User.username)
        .join(m.User, m.User.id == m.ApiToken.user_id)
        .where(m.ApiToken.id == token_id)
    ).first()
    if found is None:
        raise InputError(f"no API token {token_id}; `candor user tokens` lists them")
    row, username = found
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        audit(session, actor, "token.revoke", f"token:{row.id}", user=username, name=row.name)
    return row, username


def authenticate_token(session: Session, token: str) -> m.User | None:
    """The active user a live token belongs to, else ``None``; notes when it was used."""
    found = session.execute(
        select(m.ApiToken, m.User)
        .join(m.User, m.User.id == m.ApiToken.user_id)
        .where(m.ApiToken.token_hash == token_hash(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or not user.active:
        return None
    now = datetime.now(UTC)
    if row.last_used_at is None or now - _utc(row.last_used_at) >= USE_RESOLUTION:
        row.last_used_at = now
    return user


def describe(row: m.ApiToken, username: str) -> dict[str, Any]:
    """What the CLI, the API and the Users page show of a token."""
    return {
        "id": row.id,
        "name": row.name,
        "user": username,
        "created_at": row.created_at.isoformat(),
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
        "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
    }


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
