"""Search, similarity and analytics over the corpus: one interface, two implementations.

``search: local`` (the default) keeps a SQLite FTS5 + numpy index beside the store
(:class:`LocalIndex`); ``search: http://host:9200`` uses Elasticsearch
(:class:`ElasticsearchIndex`).
:func:`open_index` picks by ``settings.search``; :func:`sync_index` brings an index up to date
with the corpus, incrementally. Only redacted text (``PostText``) is ever indexed.
"""

from __future__ import annotations

from pathlib import Path

from corpus.errors import ConfigError
from corpus.search.base import (
    DIMS,
    FACETS,
    GROUPS,
    NO_FILTERS,
    Filters,
    Hit,
    PostDoc,
    SearchIndex,
    SearchResult,
    ThreadDocs,
    WriteCounts,
    rrf,
)
from corpus.search.documents import IndexReport, sync_index, thread_docs
from corpus.search.local import LocalIndex
from corpus.settings import Settings

__all__ = [
    "DIMS",
    "FACETS",
    "GROUPS",
    "NO_FILTERS",
    "ElasticsearchIndex",
    "Filters",
    "Hit",
    "IndexReport",
    "LocalIndex",
    "PostDoc",
    "SearchIndex",
    "SearchResult",
    "ThreadDocs",
    "WriteCounts",
    "local_index_path",
    "open_index",
    "rrf",
    "sync_index",
    "thread_docs",
]


def __getattr__(name: str) -> object:
    # The Elasticsearch client is an optional extra: import it only when asked for.
    if name == "ElasticsearchIndex":
        from corpus.search.elastic import ElasticsearchIndex

        return ElasticsearchIndex
    raise AttributeError(name)


def local_index_path(settings: Settings) -> Path:
    """``<store>.search.db`` beside a SQLite store; ``<home>/candor-search.db`` otherwise."""
    prefix = "sqlite:///"
    if settings.store.startswith(prefix) and settings.store != "sqlite:///:memory:":
        store = Path(settings.store[len(prefix) :])
        return store.with_name(store.stem + ".search.db")
    return settings.home / "candor-search.db"


def open_index(settings: Settings, prefix: str | None = None) -> SearchIndex:
    """The configured index: ``settings.search`` is ``"local"`` or an Elasticsearch URL
    (its names start with ``prefix``, default ``settings.search_prefix``)."""
    if settings.search == "local":
        return LocalIndex(local_index_path(settings))
    if settings.search.startswith(("http://", "https://")):
        try:
            from corpus.search.elastic import ElasticsearchIndex
        except ImportError as exc:
            raise ConfigError(
                f"search: {settings.search} needs the Elasticsearch client: "
                "install Candor with the `search` extra (pip install 'candor[search]')"
            ) from exc
        return ElasticsearchIndex(
            settings.search,
            prefix=prefix or settings.search_prefix,
            retries=settings.search_retries,
            backoff=settings.search_backoff_seconds,
        )
    raise ConfigError(
        f"search: {settings.search!r} is neither 'local' nor an http(s) URL of Elasticsearch"
    )
