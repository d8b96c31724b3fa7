"""The store: where every stage reads and writes the corpus.

SQLite by default (one file, WAL so a reader never blocks the crawler), PostgreSQL by URL.
The schema is owned by Alembic migrations in ``corpus/migrations``; :meth:`Store.migrate`
brings a database to the newest revision and :meth:`Store.check` refuses one that is behind.
Every write happens in a :meth:`Store.session` transaction: all of it lands or none of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from corpus import models as m
from corpus.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL, NORMAL never corrupts the database; a power cut may lose the last commits, which
    # the next incremental run fetches again. FULL would sync every thread the crawler saves.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@dataclass(frozen=True)
class StageCounts:
    """What ``candor status`` prints: how far each stage got."""

    venues: int
    threads: int
    posts: int
    authors: int
    staff_posts: int
    posts_enriched: int
    annotations: int
    candidates: int
    approved: int
    releases: int
    current_release: str | None


class Store:
    """A database holding the corpus. Build with ``Store(url)``; call :meth:`migrate` once."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine: Engine = create_engine(url)
        except (ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot use store URL {url!r}: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _alembic(self) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest migration."""
        config = self._alembic()
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise StoreError(f"cannot open or migrate the store {self.url}: {exc.orig}") from exc

    def revision(self) -> str | None:
        """The schema revision the database is at (``None`` for an empty database)."""
        try:
            with self.engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()
        except OperationalError as exc:
            raise StoreError(f"cannot open the store {self.url}: {exc.orig}") from exc

    def check(self) -> None:
        """Raise :class:`StoreError` unless the schema is at the newest migration."""
        head = ScriptDirectory.from_config(self._alembic()).get_current_head()
        current = self.revision()
        if current != head:
            raise StoreError(
                f"the store {self.url} is at schema revision {current or 'none'}, this Candor "
                f"needs {head}: run `candor init` to migrate it"
            )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    def counts(self) -> StageCounts:
        with self._sessions() as s:

            def count(model: Any, *where: Any) -> int:
                return s.scalar(select(func.count()).select_from(model).where(*where)) or 0

            current = s.scalar(select(m.Release.label).where(m.Release.status == "current"))
            return StageCounts(
                venues=count(m.Venue),
                threads=count(m.Thread, m.Thread.deleted_at.is_(None)),
                posts=count(m.Post, m.Post.deleted_at.is_(None)),
                authors=count(m.Author),
                # staff_involved's score counts the thread's staff posts (see nlp.enrich)
                staff_posts=int(
                    s.scalar(
                        select(func.sum(m.Annotation.score)).where(
                            m.Annotation.kind == "staff_involved"
                        )
                    )
                    or 0
                ),
                posts_enriched=count(m.PostText),
                annotations=count(m.Annotation),
                candidates=count(m.Candidate, m.Candidate.active),
                approved=count(m.Review, m.Review.decision == "approved"),
                releases=count(m.Release),
                current_release=current,
            )

    def dispose(self) -> None:
        self.engine.dispose()
