"""Fixtures of the team-shape tests: a real PostgreSQL store and a real Elasticsearch index.

- ``postgres_url``: ``CANDOR_TEST_POSTGRES``, checked to answer (from ``tests/corpus``).
- ``elasticsearch_url``: ``CANDOR_TEST_ELASTICSEARCH``, checked to answer (from ``tests/search``).
- ``new_database()``: a fresh, empty PostgreSQL database; returns its URL; dropped afterwards.
- ``es_prefix``: an Elasticsearch prefix of this test's own; its indices and template are dropped
  afterwards.
- ``team_settings(**values)``: settings for the team shape (a fresh PostgreSQL store, the
  Elasticsearch index under ``es_prefix``, publishing in ``tmp_path/site``), homed in ``tmp_path``.
- ``write_config(settings, path)``: a ``candor.yaml`` holding ``settings`` (for child processes).
- ``sample_topics``: the first 40 sample topics; ``forum_venue(name, forum)``: a venue reading a
  local :class:`~candor.sample_forum.SampleForum`.
- ``head_revision()``: the newest migration.
- ``run_main(*args)``: ``candor ARGS`` through :func:`candor.cli.main`, in process; returns
  ``(exit code, stdout, stderr)``.

Without the servers these tests fail, unless ``CANDOR_SKIP_SERVICES=1`` (see
``service_unavailable``).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
import yaml
from sqlalchemy import create_engine, make_url

from corpus.settings import Settings, load_settings
from tests.conftest import PRODUCTS, TAXONOMY
from tests.corpus.conftest import postgres_url  # noqa: F401 (a fixture)
from tests.search.conftest import elasticsearch_url  # noqa: F401 (a fixture)


@pytest.fixture
def new_database(postgres_url: str) -> Iterator[Callable[[], str]]:  # noqa: F811
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    names: list[str] = []

    def create() -> str:
        name = f"candor_team_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        names.append(name)
        return make_url(postgres_url).set(database=name).render_as_string(False)

    yield create
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def es_prefix(elasticsearch_url: str) -> Iterator[str]:  # noqa: F811
    from corpus.search.elastic import ElasticsearchIndex

    prefix = f"candor-team-{uuid.uuid4().hex[:10]}"
    yield prefix
    index = ElasticsearchIndex(elasticsearch_url, prefix=prefix)
    index.drop()
    index.close()


@pytest.fixture
def team_settings(
    tmp_path: Path,
    new_database: Callable[[], str],
    elasticsearch_url: str,  # noqa: F811
    es_prefix: str,
) -> Callable[..., Settings]:
    def build(**values: Any) -> Settings:
        values.setdefault("store", new_database())
        values.setdefault("search", elasticsearch_url)
        values.setdefault("search_prefix", es_prefix)
        values.setdefault("home", tmp_path)
        values.setdefault("taxonomy", TAXONOMY)
        values.setdefault("products", PRODUCTS)
        values.setdefault("publish", {"out": tmp_path / "site"})
        return load_settings(None, **values)

    return build


def write_config(settings: Settings, path: Path) -> Path:
    """``settings`` as a ``candor.yaml`` at ``path`` (what a scheduler or a service reads)."""
    data = settings.model_dump(mode="json", exclude_defaults=True)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def run_main(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[int, str, str]]:
    from candor import cli

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["candor", *args])
        try:
            cli.main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            # The CLI pointed the logs at this test's captured stderr, which closes with it.
            structlog.reset_defaults()
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture(scope="session")
def sample_topics(sample_data: Path) -> list[dict[str, Any]]:
    """The first 40 sample topics: the team tests replay slices of them."""
    from candor.sample_forum import load_topics

    return load_topics(sample_data, limit=40)


def forum_venue(name: str, forum: Any) -> dict[str, Any]:
    """A venue reading the local ``forum`` (a :class:`~candor.sample_forum.SampleForum`)."""
    return {
        "name": name,
        "url": forum.base_url,
        "public_url": "https://community.signalusers.org",
        "allow_private_address": True,
        "concurrency": 2,
        "staff": {"groups": ["signal_staff"], "username_suffix": "-signal"},
    }


def head_revision() -> str:
    """The newest migration of ``corpus/migrations``."""
    from alembic.script import ScriptDirectory

    from corpus.store import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head
