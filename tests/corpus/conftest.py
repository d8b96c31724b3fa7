"""The store's tests run twice: on SQLite (the laptop default) and on a real PostgreSQL.

``CANDOR_TEST_POSTGRES`` names a server ``make test`` starts (``.ci/services/postgresql.sh``);
each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

from corpus.store import Store
from tests.conftest import service_unavailable

HINT = (
    "run the tests with `make test`, or start a server with "
    "`eval $(bash .ci/services/postgresql.sh start)`"
)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("CANDOR_TEST_POSTGRES", "")
    if not url:
        service_unavailable("CANDOR_TEST_POSTGRES is not set", HINT)
    try:
        create_engine(url).connect().close()
    except Exception as exc:
        service_unavailable(f"PostgreSQL at {url} does not answer ({exc})", HINT)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'corpus.db'}"
        yield from _migrated(url)
        return
    server = request.getfixturevalue("postgres_url")
    name = f"candor_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield from _migrated(make_url(server).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _migrated(url: str) -> Iterator[Store]:
    store = Store(url)
    store.migrate()
    yield store
    store.dispose()
