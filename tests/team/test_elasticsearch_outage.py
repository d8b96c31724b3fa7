"""Elasticsearch lost in the middle of ``candor index``: retries, a clear failure, a catch-up.

The real (shared) Elasticsearch is never stopped: the test reaches it through a TCP proxy of its
own (:mod:`tests.team.tcp_proxy`) and cuts that after a seeded random number of requests. A
short outage is ridden out by the retries with backoff (:mod:`corpus.search.retries`); a lasting
one ends the stage with "cannot reach Elasticsearch", leaves the store as it was, and the next
run, with the server back, indexes everything a run never cut off indexes.
"""

from __future__ import annotations

import logging
import os
import random
import threading
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from candor import stages
from corpus.errors import SourceUnreachable
from corpus.search.elastic import ElasticsearchIndex
from corpus.settings import Settings
from corpus.store import Store
from tests.studio import corpus as studio_corpus
from tests.team.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow


@pytest.fixture
def corpus(team_settings: Callable[..., Settings]) -> Settings:
    """The studio corpus in PostgreSQL (built with the local index; Elasticsearch comes next)."""
    settings = team_settings(
        products=studio_corpus.PRODUCTS,
        select={"min_score": 0.0, "require_any": []},
        search="local",
    )
    studio_corpus.build(settings)
    return settings


@pytest.fixture
def proxy(elasticsearch_url: str) -> Iterator[TcpProxy]:
    port = urlsplit(elasticsearch_url).port
    assert port is not None
    with TcpProxy(port) as proxy:
        yield proxy


def through(settings: Settings, proxy: TcpProxy, **values: object) -> Settings:
    return settings.model_copy(update={"search": proxy.url, **values})


def indexed(settings: Settings, prefix: str) -> int:
    """Threads in the index ``prefix`` of the real Elasticsearch (not through the proxy)."""
    index = ElasticsearchIndex(str(settings.search), prefix=prefix)
    try:
        return len(index.versions())
    finally:
        index.close()


def test_elasticsearch_outage_of_a_second_is_ridden_out(
    corpus: Settings, proxy: TcpProxy, elasticsearch_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = through(corpus, proxy, search_retries=3, search_backoff_seconds=0.5)
    proxy.cut_after(2)
    threading.Thread(target=lambda: proxy.cut.wait(60) and proxy.start(), daemon=True).start()

    with caplog.at_level(logging.WARNING, logger="corpus.search.retries"):
        report = stages.index(settings)

    assert proxy.cut.is_set(), "the outage never happened"
    assert any("retry 1 of 3" in r.getMessage() for r in caplog.records)
    live = indexed(settings.model_copy(update={"search": elasticsearch_url}), corpus.search_prefix)
    assert report.threads_indexed == live > 0


def test_elasticsearch_lost_mid_run_fails_clearly_and_the_next_run_catches_up(
    corpus: Settings, proxy: TcpProxy, elasticsearch_url: str
) -> None:
    direct = corpus.model_copy(update={"search": elasticsearch_url})
    # A run never cut off, under a prefix of its own: what there is to index, in how many requests.
    reference = through(corpus, proxy, search_prefix=f"{corpus.search_prefix}-ref")
    stages.index(reference)
    requests, expected = proxy.requests, indexed(direct, reference.search_prefix)
    ElasticsearchIndex(elasticsearch_url, prefix=reference.search_prefix).drop()
    before = Store(corpus.store).counts()

    cut = random.Random(os.environ.get("CANDOR_TEST_SEED", "12")).randint(1, requests - 1)
    proxy.requests = 0
    proxy.cut_after(cut)
    settings = through(corpus, proxy, search_retries=2, search_backoff_seconds=0.1)
    with pytest.raises(SourceUnreachable, match="cannot reach Elasticsearch at") as raised:
        stages.index(settings)
    assert "tried 3 times, with backoff; the next run catches up" in str(raised.value)
    assert Store(corpus.store).counts() == before

    proxy.start()
    stages.index(settings)
    print(f"cut after request {cut} of {requests}; {expected} threads indexed on the rerun")
    assert indexed(direct, corpus.search_prefix) == expected > 0
