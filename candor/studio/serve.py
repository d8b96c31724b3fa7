"""What ``candor studio`` and ``candor user add`` call: serve the app, create a user."""

from __future__ import annotations

from corpus.settings import Settings
from corpus.store import Store


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8700) -> None:
    """Serve the studio with uvicorn until interrupted (one process; the store is shared)."""
    import uvicorn

    from candor.studio.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)


def create_user(settings: Settings, username: str, password: str, role: str) -> None:
    """Add a studio user to the configured store (and an audit entry naming the CLI)."""
    from candor.studio.curation import audit
    from candor.studio.users import add_user

    store = Store(settings.store)
    store.check()
    try:
        with store.session() as session:
            add_user(session, username, password, role)
            audit(session, "cli", "user.add", f"user:{username}", role=role)
    finally:
        store.dispose()
