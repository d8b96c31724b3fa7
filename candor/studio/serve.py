"""What ``candor studio`` and ``candor user …`` call: serve the app, create users and tokens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from corpus.settings import Settings
from corpus.store import Store


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8700) -> None:
    """Serve the studio with uvicorn until interrupted (one process; the store is shared)."""
    import uvicorn

    from candor.studio.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    """A session on the configured store (checked to be at the newest schema), then closed."""
    store = Store(settings.store)
    store.check()
    try:
        with store.session() as session:
            yield session
    finally:
        store.dispose()


def create_user(settings: Settings, username: str, password: str, role: str) -> None:
    """Add a studio user to the configured store (and an audit entry naming the CLI)."""
    from candor.studio.curation import audit
    from candor.studio.users import add_user

    with _session(settings) as session:
        add_user(session, username, password, role)
        audit(session, "cli", "user.add", f"user:{username}", role=role)


def create_api_token(settings: Settings, username: str, name: str) -> tuple[int, str]:
    """A new API token for ``username``: its id and the token (shown once, stored hashed)."""
    from candor.studio.tokens import create_token

    with _session(settings) as session:
        row, token = create_token(session, "cli", username, name)
        return row.id, token


def api_tokens(settings: Settings, username: str | None = None) -> list[dict[str, Any]]:
    """Every API token (``username``'s only, when given) as rows to print; never the token."""
    from candor.studio.tokens import describe, list_tokens

    with _session(settings) as session:
        return [describe(row, user) for row, user in list_tokens(session, username)]


def revoke_api_token(settings: Settings, token_id: int) -> dict[str, Any]:
    """Refuse the token from now on; returns it as a row to print."""
    from candor.studio.tokens import describe, revoke_token

    with _session(settings) as session:
        row, user = revoke_token(session, "cli", token_id)
        return describe(row, user)
