"""Faults of the team shape, met by the stages themselves: a wrong database URL, a store behind
the code's migrations, a down Elasticsearch. Each is a clear message (exit 1, never an internal
error) from the command that hit it, and nothing is written half-way."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from candor import stages
from corpus.settings import Settings
from corpus.store import Store
from tests.dags.conftest import closed_port
from tests.studio import corpus as studio_corpus
from tests.team.conftest import head_revision, write_config

Run = Callable[..., tuple[int, str, str]]
STAGES = [("enrich",), ("index",), ("select",), ("publish",), ("status",)]


def words(text: str) -> str:
    return " ".join(text.split())  # rich wraps long lines on a narrow console


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s[0])
def test_faults_wrong_database_url(
    run_main: Run, team_settings: Callable[..., Settings], tmp_path: Path, stage: tuple[str, ...]
) -> None:
    settings = team_settings()
    missing = f"candor_missing_{uuid.uuid4().hex[:8]}"
    wrong = make_url(settings.store).set(database=missing).render_as_string(False)
    config = write_config(settings.model_copy(update={"store": wrong}), tmp_path / "c.yaml")
    code, out, err = run_main("--config", str(config), *stage)
    assert code == 1, err
    assert f"error: cannot open the store {wrong}" in words(err)
    assert f'database "{missing}" does not exist' in words(err)
    assert "internal error" not in err and out == ""
    assert not settings.publish.out.exists()


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s[0])
def test_faults_store_behind_the_migrations(
    run_main: Run, team_settings: Callable[..., Settings], tmp_path: Path, stage: tuple[str, ...]
) -> None:
    settings = team_settings()
    store = Store(settings.store)
    config = store._alembic()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    code, _, err = run_main("--config", str(write_config(settings, tmp_path / "c.yaml")), *stage)
    assert code == 1, err
    assert f"is at schema revision 0001, this Candor needs {head_revision()}" in words(err)
    assert "run `candor init` to migrate it" in words(err)
    assert store.revision() == "0001"  # not migrated behind the user's back
    assert not settings.publish.out.exists()
    store.dispose()


@pytest.fixture
def down(team_settings: Callable[..., Settings]) -> Settings:
    """A migrated PostgreSQL store holding a corpus, and Elasticsearch on a closed port."""
    settings = team_settings(
        products=studio_corpus.PRODUCTS,
        select={"min_score": 0.0, "require_any": []},
        search="local",  # the studio corpus builds its local index; then Elasticsearch "fails"
        studio={"secret_key": "faults-" + "x" * 32},
    )
    studio_corpus.build(settings)
    return settings.model_copy(update={"search": f"http://127.0.0.1:{closed_port()}"})


@pytest.mark.parametrize(
    "stage", [("index",), ("index", "--rebuild"), ("search", "init"), ("search", "query", "sync")]
)
def test_faults_down_elasticsearch(
    run_main: Run, down: Settings, tmp_path: Path, stage: tuple[str, ...]
) -> None:
    before = Store(down.store).counts()
    code, out, err = run_main("--config", str(write_config(down, tmp_path / "c.yaml")), *stage)
    assert code == 1, err
    assert f"error: cannot reach Elasticsearch at {down.search}: is it running?" in words(err)
    assert "internal error" not in err and out == ""
    assert Store(down.store).counts() == before


def test_faults_down_elasticsearch_studio_search_says_why(down: Settings) -> None:
    from candor.studio import create_app

    with TestClient(create_app(down), follow_redirects=False) as client:
        login = client.post(
            "/api/login", json={"username": "cai", "password": studio_corpus.PASSWORD}
        )
        assert login.status_code == 200, login.text
        assert client.get("/api/queue/acme-sync").status_code == 200  # the rest still works
        response = client.get("/api/search", params={"q": "sync"})
    assert response.status_code == 503
    assert "cannot reach Elasticsearch" in response.json()["detail"]


def test_faults_publish_nothing_when_the_store_is_unreachable(
    team_settings: Callable[..., Settings],
) -> None:
    settings = team_settings(store=f"postgresql+psycopg://candor@127.0.0.1:{closed_port()}/x")
    with pytest.raises(Exception, match="cannot open the store") as raised:
        stages.publish(settings)
    assert type(raised.value).__name__ == "StoreError"
    assert not settings.publish.out.exists()
