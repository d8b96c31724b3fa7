"""``candor doctor`` on the team shape: all well, then one fault at a time, each named with its
fix, a non-zero exit, and nothing written (no schema created, no index, no publish folder)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine, make_url, text

from candor import stages
from candor.sample_forum import SampleForum
from corpus.settings import Settings
from corpus.store import Store
from tests.dags.conftest import closed_port
from tests.team.conftest import forum_venue, head_revision, write_config

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def forum(sample_topics: list[dict[str, Any]]) -> Iterator[SampleForum]:
    with SampleForum(sample_topics[:3]) as forum:
        yield forum


@pytest.fixture
def healthy(team_settings: Callable[..., Settings], forum: SampleForum) -> Settings:
    """A team installation ready to run: store migrated, index initialised, nothing published."""
    settings = team_settings(venues=[forum_venue("signal-community", forum)])
    stages.init(settings)
    stages.search_init(settings)
    return settings


def doctor(run_main: Run, settings: Settings, tmp_path: Path) -> tuple[int, dict[str, str], str]:
    """``candor doctor`` with ``settings``: exit code, check name → its line, stderr."""
    config = write_config(settings, tmp_path / f"candor-{uuid.uuid4().hex[:6]}.yaml")
    code, out, err = run_main("--config", str(config), "doctor")
    lines = {}
    for line in out.splitlines():
        _verdict, rest = line.split(None, 1)
        name = rest.split(":", 1)[0]
        lines[name] = line
    return code, lines, " ".join(err.split())


def problems(lines: dict[str, str]) -> set[str]:
    return {name for name, line in lines.items() if line.startswith("problem")}


def test_doctor_healthy_team_installation_is_all_ok(
    run_main: Run, healthy: Settings, tmp_path: Path
) -> None:
    code, lines, err = doctor(run_main, healthy, tmp_path)
    assert code == 0, (lines, err)
    assert set(lines) == {
        "store",
        "search",
        "publish",
        "model embedding",
        "model spacy",
        "venue signal-community",
    }
    assert problems(lines) == set()
    assert f"at schema revision {head_revision()} (newest)" in lines["store"]
    assert f"{healthy.search_prefix}-posts: 0 documents" in lines["search"]
    assert "robots.txt answered 200" in lines["venue signal-community"]


def test_doctor_wrong_database_url(
    run_main: Run, healthy: Settings, tmp_path: Path, postgres_url: str
) -> None:
    missing = f"candor_missing_{uuid.uuid4().hex[:8]}"
    wrong = make_url(postgres_url).set(database=missing).render_as_string(False)
    code, lines, err = doctor(run_main, healthy.model_copy(update={"store": wrong}), tmp_path)
    assert code == 1 and "1 of 6 checks found a problem" in err
    assert problems(lines) == {"store"}
    assert f'database "{missing}" does not exist' in lines["store"]
    assert "(fix: check `store:` in candor.yaml" in lines["store"]
    admin = create_engine(postgres_url)
    with admin.connect() as connection:  # nothing created
        found = connection.execute(
            text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": missing}
        )
        assert found.scalar() == 0
    admin.dispose()


def test_doctor_missing_sqlite_file_is_not_created(
    run_main: Run, healthy: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "nowhere.db"
    settings = healthy.model_copy(update={"store": f"sqlite:///{path}"})
    code, lines, _ = doctor(run_main, settings, tmp_path)
    assert code == 1 and problems(lines) == {"store"}
    assert "(fix: run `candor init` to create it)" in lines["store"]
    assert not path.exists()


def test_doctor_down_elasticsearch(run_main: Run, healthy: Settings, tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{closed_port()}"
    code, lines, _ = doctor(run_main, healthy.model_copy(update={"search": down}), tmp_path)
    assert code == 1 and problems(lines) == {"search"}
    assert f"cannot reach Elasticsearch at {down}: is it running?" in lines["search"]


def test_doctor_uninitialised_index_names_the_command(
    run_main: Run, healthy: Settings, tmp_path: Path, elasticsearch_url: str
) -> None:
    from corpus.search.elastic import ElasticsearchIndex

    prefix = f"candor-team-none-{uuid.uuid4().hex[:6]}"
    code, lines, _ = doctor(
        run_main, healthy.model_copy(update={"search_prefix": prefix}), tmp_path
    )
    assert code == 1 and problems(lines) == {"search"}
    assert "(fix: run `candor search init` then `candor index`)" in lines["search"]
    index = ElasticsearchIndex(elasticsearch_url, prefix=prefix)
    assert not index.es.indices.exists_alias(name=index.alias)  # nothing created
    index.close()


def test_doctor_missing_migration(
    run_main: Run, team_settings: Callable[..., Settings], forum: SampleForum, tmp_path: Path
) -> None:
    settings = team_settings(venues=[forum_venue("signal-community", forum)])
    stages.search_init(settings)
    store = Store(settings.store)
    config = store._alembic()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    code, lines, _ = doctor(run_main, settings, tmp_path)
    assert code == 1 and problems(lines) == {"store"}
    assert f"is at schema revision 0001, this Candor needs {head_revision()}" in lines["store"]
    assert "(fix: run `candor init` to migrate it" in lines["store"]
    assert store.revision() == "0001"  # doctor did not migrate
    store.dispose()


def test_doctor_unwritable_publish_folder(run_main: Run, healthy: Settings, tmp_path: Path) -> None:
    # A path through a file: unwritable even for root, which passes every permission check.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    out = blocker / "site"
    publish = healthy.publish.model_copy(update={"out": out})
    settings = healthy.model_copy(update={"publish": publish})
    code, lines, _ = doctor(run_main, settings, tmp_path)
    assert code == 1 and problems(lines) == {"publish"}
    assert f"cannot write in {blocker}: not a folder" in lines["publish"]
    assert "set `publish.out:` to a folder that is" in lines["publish"]
    assert blocker.read_text() == "x"


def test_doctor_broken_current_release(run_main: Run, healthy: Settings, tmp_path: Path) -> None:
    release = healthy.publish.out / "releases" / "20250101-broken"
    release.mkdir(parents=True)
    (healthy.publish.out / "current").symlink_to(Path("releases") / release.name)
    code, lines, _ = doctor(run_main, healthy, tmp_path)
    assert code == 1 and problems(lines) == {"publish"}
    assert "release 20250101-broken failed validation" in lines["publish"]
    assert "candor publish --rollback" in lines["publish"]


def test_doctor_unreachable_forum(run_main: Run, healthy: Settings, tmp_path: Path) -> None:
    gone = {"name": "gone-forum", "url": f"http://127.0.0.1:{closed_port()}"}
    gone["allow_private_address"] = True  # type: ignore[assignment]
    settings = healthy.model_copy(
        update={"venues": [*healthy.venues, type(healthy.venues[0])(**gone)]}
    )
    code, lines, _ = doctor(run_main, settings, tmp_path)
    assert code == 1 and problems(lines) == {"venue gone-forum"}
    assert "Connection refused" in lines["venue gone-forum"]
