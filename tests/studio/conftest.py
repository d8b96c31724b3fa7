"""Fixtures of the studio tests.

- ``studio_settings``: settings homed in ``tmp_path`` (store, local index, site), with a secret
  key and a login limit of 3 attempts per minute.
- ``built``: :mod:`tests.studio.corpus` built in that store; returns spec key → thread id.
- ``client``: a ``TestClient`` of :func:`candor.studio.create_app` (httpx, in process).
- ``login``: ``login(client, "cai")`` logs in through the API and returns the CSRF token.
- ``ids``: ``"product/spec key"`` → candidate id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from candor.studio import create_app
from corpus.settings import Settings, load_settings
from corpus.store import Store
from tests.conftest import TAXONOMY
from tests.studio import corpus


def make_studio_settings(home: Path, **values: object) -> Settings:
    values.setdefault("store", f"sqlite:///{home / 'corpus.db'}")
    values.setdefault("select", {"min_score": 0.0, "require_any": []})
    return load_settings(
        None,
        home=home,
        taxonomy=TAXONOMY,
        products=corpus.PRODUCTS,
        publish={"out": home / "site", "base_url": "https://acme.example/proof"},
        studio={"secret_key": "test-secret-" + "x" * 32, "login_attempts": 3},
        **values,
    )


@pytest.fixture
def studio_settings(tmp_path: Path) -> Settings:
    return make_studio_settings(tmp_path)


@pytest.fixture
def built(studio_settings: Settings) -> dict[str, int]:
    return corpus.build(studio_settings)


@pytest.fixture
def studio_store(studio_settings: Settings, built: dict[str, int]) -> Iterator[Store]:
    store = Store(studio_settings.store)
    yield store
    store.dispose()


@pytest.fixture
def ids(studio_store: Store) -> dict[str, int]:
    return corpus.candidate_ids(studio_store)


@pytest.fixture
def client(studio_settings: Settings, built: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(studio_settings), follow_redirects=False) as test_client:
        yield test_client


def _login(client: TestClient, username: str) -> str:
    response = client.post("/api/login", json={"username": username, "password": corpus.PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


@pytest.fixture
def login() -> Callable[[TestClient, str], str]:
    return _login
