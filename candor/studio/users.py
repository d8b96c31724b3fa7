"""Studio users: argon2 password hashes, roles, and who may do what.

Roles, each including the one before: ``viewer`` reads everything, ``curator`` decides
(approve, reject, snooze, order, publish, withdraw), ``admin`` also manages users.
``candor user add NAME --role admin`` creates the first admin.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.errors import InputError

ROLES = ("viewer", "curator", "admin")
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{1,200}$")

_hasher = PasswordHasher()
# Verifying against this when the user does not exist costs the same time as a real check,
# so response times do not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("candor-no-such-user")


def can(role: str, needed: str) -> bool:
    """Whether ``role`` includes ``needed`` (``can("admin", "curator")`` is true)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def add_user(session: Session, username: str, password: str, role: str) -> m.User:
    """Create a user; raises :class:`InputError` for a taken name, bad role or short password."""
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not USERNAME.match(username):
        raise InputError(
            f"username {username!r}: use letters, digits and _ . @ + - (up to 200 characters)"
        )
    if session.scalar(select(m.User).where(m.User.username == username)) is not None:
        raise InputError(f"user {username!r} exists already")
    user = m.User(username=username, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> m.User | None:
    """The active user with this name and password, else ``None`` (same cost either way)."""
    user = session.scalar(select(m.User).where(m.User.username == username))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def update_user(
    session: Session,
    username: str,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> m.User:
    user = session.scalar(select(m.User).where(m.User.username == username))
    if user is None:
        raise InputError(f"no user {username!r}")
    if role is not None:
        if role not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        user.role = role
    if active is not None:
        user.active = active
    if password is not None:
        user.password_hash = hash_password(password)
    return user
