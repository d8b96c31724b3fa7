"""Fixtures of the search tests (``store`` comes from ``tests/conftest.py``).

- ``elasticsearch_url``: ``CANDOR_TEST_ELASTICSEARCH``, checked to answer. Unset or unreachable
  is a failure (``make test`` starts the server with ``.ci/with-services.sh``), unless
  ``CANDOR_SKIP_SERVICES=1`` asks to skip for a quick local run.
- ``index``: an empty, initialised index; parametrised ``local`` and ``elasticsearch``, so each
  contract test runs against both. The Elasticsearch one has a prefix of its own, dropped after.
- ``ids``: the corpus of :mod:`tests.search.corpus` built in ``store`` (spec key → thread id).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus.search import LocalIndex, SearchIndex
from corpus.store import Store
from tests.conftest import service_unavailable
from tests.search import corpus

SERVICE_HINT = (
    "run the tests with `make test` (it starts Elasticsearch via .ci/with-services.sh), or "
    "start one with `eval $(bash .ci/services/elasticsearch.sh start)`; set "
    "CANDOR_SKIP_SERVICES=1 to skip the server tests for a quick local run"
)


@pytest.fixture(scope="session")
def elasticsearch_url() -> str:
    url = os.environ.get("CANDOR_TEST_ELASTICSEARCH", "")
    if not url:
        service_unavailable("CANDOR_TEST_ELASTICSEARCH is not set", SERVICE_HINT)
    from elasticsearch import Elasticsearch

    client = Elasticsearch(url, request_timeout=10)
    try:
        client.cluster.health(wait_for_status="yellow", timeout="10s")
    except Exception as exc:
        service_unavailable(
            f"Elasticsearch at {url} does not answer ({type(exc).__name__}: {exc})", SERVICE_HINT
        )
    finally:
        client.close()
    return url


@pytest.fixture(params=["local", "elasticsearch"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    built: SearchIndex
    if request.param == "local":
        built = LocalIndex(tmp_path / "corpus.search.db")
    else:
        from corpus.search.elastic import ElasticsearchIndex

        url = request.getfixturevalue("elasticsearch_url")
        built = ElasticsearchIndex(url, prefix=f"candor-test-{uuid.uuid4().hex[:10]}")
    built.init()
    yield built
    built.drop()
    built.close()


@pytest.fixture
def ids(store: Store) -> dict[str, int]:
    return corpus.build(store)
