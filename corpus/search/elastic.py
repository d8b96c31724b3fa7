"""The team's search index: Elasticsearch through the official client.

Layout: an index template ``<prefix>-posts`` (pattern ``<prefix>-posts-*``) holds the settings and
mappings; the alias ``<prefix>-posts`` points at one concrete index
``<prefix>-posts-<mapping version>-<stamp>``. A mapping change builds a new concrete index from
the corpus and swaps the alias atomically (readers never see an empty index), then drops the old.

Mappings: the redacted ``text`` with an English analyser (the ``english`` analyser where the
server has the analysis-common module; the standard analyser with English stop words where it
does not, as in the ``integ-test-zip`` distribution) and a ``raw`` keyword sub-field; facets as
keywords (venue, products, categories, role, author, signals) and booleans (admission, resolved,
staff involved); dates; the thread vector as ``dense_vector`` (384 dims, cosine, HNSW with int8
quantisation) on the thread's head post only.

Writes: ``helpers.streaming_bulk`` with stable ids (``venue/thread/post`` source ids) and
external versions (each sync's start time in ms), so re-indexing is idempotent and an older run
cannot overwrite a newer one. Deletions (tombstoned threads and posts) are bulk deletes of ids
found by a scan (the delete-by-query API lives in a module small distributions lack).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC
from typing import Any, TypeVar, cast

import numpy as np

from corpus.errors import SourceUnreachable
from corpus.search.base import (
    DIMS,
    GROUPS,
    NO_FILTERS,
    Filters,
    Hit,
    SearchIndex,
    SearchResult,
    ThreadDocs,
    WriteCounts,
    unit_vector,
)

MAPPING_VERSION = "m1"
BULK_CHUNK = 500
_T = TypeVar("_T")
_BOOL_FACETS = ("admission", "resolved", "staff_involved")
_LIST_FACETS = {"product": "products", "category": "categories", "signal": "signals"}
_GROUP_FIELDS = {
    "product": "products",
    "category": "categories",
    "venue": "venue",
    "role": "role",
    "author": "author",
}


def mappings(analyzer: str) -> dict[str, Any]:
    """The mappings of a posts index whose text uses ``analyzer`` (recorded in ``_meta``)."""
    keyword = {"type": "keyword"}
    return {
        "dynamic": "strict",
        "_meta": {"mapping_version": MAPPING_VERSION, "analyzer": analyzer},
        "properties": {
            "doc_id": keyword,
            "thread_key": keyword,
            "thread_id": {"type": "long"},
            "post_id": {"type": "long"},
            "post_number": {"type": "integer"},
            "venue": keyword,
            "url": {"type": "keyword", "index": False},
            "author": keyword,
            "role": keyword,
            "text": {
                "type": "text",
                "analyzer": "candor_text",
                "fields": {"raw": {"type": "keyword", "ignore_above": 256}},
            },
            "created_at": {"type": "date"},
            "thread_created_at": {"type": "date"},
            "is_head": {"type": "boolean"},
            "products": keyword,
            "categories": keyword,
            "signals": keyword,
            "admission": {"type": "boolean"},
            "resolved": {"type": "boolean"},
            "staff_involved": {"type": "boolean"},
            "thread_version": keyword,
            "vector": {
                "type": "dense_vector",
                "dims": DIMS,
                "index": True,
                "similarity": "cosine",
                "index_options": {"type": "int8_hnsw", "m": 16, "ef_construction": 100},
            },
        },
    }


def analysis(analyzer: str) -> dict[str, Any]:
    if analyzer == "english":
        return {"analyzer": {"candor_text": {"type": "english"}}}
    return {"analyzer": {"candor_text": {"type": "standard", "stopwords": "_english_"}}}


def _reachable(method: Callable[..., _T]) -> Callable[..., _T]:
    """``method`` with a lost connection reported as :class:`SourceUnreachable` (exit 1, a fix)
    rather than the client's ``ConnectionError`` (which the CLI would call a bug)."""

    @functools.wraps(method)
    def call(self: ElasticsearchIndex, *args: Any, **kwargs: Any) -> _T:
        from elasticsearch import ConnectionError as EsConnectionError

        try:
            return method(self, *args, **kwargs)
        except EsConnectionError as exc:
            raise self._unreachable() from exc

    return call


class ElasticsearchIndex(SearchIndex):
    """Candor's posts in Elasticsearch at ``url``; see the module docstring.

    ``prefix`` names the template, alias and indices (tests use one prefix each). Example::

        index = ElasticsearchIndex("http://127.0.0.1:9200")
        index.init()
        index.search("linked device", Filters(products=("signal-desktop",)), facets=True)
    """

    kind = "elasticsearch"

    def __init__(
        self,
        url: str,
        prefix: str = "candor",
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        from elasticsearch import Elasticsearch

        from corpus.search.retries import BackoffTransport

        self.url = url
        self.alias = f"{prefix}-posts"
        self.template = f"{prefix}-posts"
        # The transport retries failed connections with backoff (corpus.search.retries).
        self.es = Elasticsearch(
            url, request_timeout=timeout, max_retries=0, transport_class=BackoffTransport
        )
        cast(BackoffTransport, self.es.transport).configure(retries, backoff)
        self.retries = retries
        self._analyzer: str | None = None

    # -- set-up

    def _check(self) -> None:
        from elasticsearch import ConnectionError as EsConnectionError

        try:
            self.es.cluster.health()
        except EsConnectionError as exc:
            raise self._unreachable() from exc

    def _unreachable(self) -> SourceUnreachable:
        return SourceUnreachable(
            f"cannot reach Elasticsearch at {self.url}: is it running? "
            f"(tried {self.retries + 1} times, with backoff; the next run catches up; "
            "set `search: local` in candor.yaml to use the local index)"
        )

    def analyzer(self) -> str:
        """``english`` if the server has it, else ``standard`` (see the module docstring)."""
        if self._analyzer is None:
            from elasticsearch import BadRequestError

            try:
                self.es.indices.analyze(analyzer="english", text="probe")
                self._analyzer = "english"
            except BadRequestError:
                self._analyzer = "standard"
        return self._analyzer

    def init(self) -> dict[str, Any]:
        self._check()
        analyzer = self.analyzer()
        self.es.indices.put_index_template(
            name=self.template,
            index_patterns=[f"{self.alias}-*"],
            template={
                "settings": {
                    "number_of_shards": 1,
                    "auto_expand_replicas": "0-1",
                    "refresh_interval": "1s",
                    "analysis": analysis(analyzer),
                },
                "mappings": mappings(analyzer),
            },
            meta={"owner": "candor", "mapping_version": MAPPING_VERSION},
        )
        created = False
        if not self.es.indices.exists_alias(name=self.alias):
            self.es.indices.create(index=self._new_name(), aliases={self.alias: {}})
            created = True
        return {
            "kind": self.kind,
            "name": self.alias,
            "indices": self._concrete(),
            "created": created,
            "analyzer": analyzer,
            "stemming": analyzer == "english",
        }

    def _new_name(self) -> str:
        return f"{self.alias}-{MAPPING_VERSION}-{time.time_ns() // 1000}"

    def _concrete(self) -> list[str]:
        if not self.es.indices.exists_alias(name=self.alias):
            return []
        return sorted(self.es.indices.get_alias(name=self.alias))

    @_reachable
    def needs_rebuild(self) -> bool:
        indices = self._concrete()
        if len(indices) != 1:
            return True
        meta = self.es.indices.get_mapping(index=indices[0])[indices[0]]["mappings"].get("_meta")
        return (meta or {}).get("mapping_version") != MAPPING_VERSION or meta.get(
            "analyzer"
        ) != self.analyzer()

    def drop(self) -> None:
        # Deletes need names (wildcards are refused by default): list them first.
        names = list(self.es.indices.get(index=f"{self.alias}-*", expand_wildcards="all"))
        if names:
            self.es.indices.delete(index=",".join(names), ignore_unavailable=True)
        if self.es.indices.exists_index_template(name=self.template):
            self.es.indices.delete_index_template(name=self.template)

    def close(self) -> None:
        self.es.close()

    # -- writes

    def _bulk(self, actions: Iterable[dict[str, Any]]) -> WriteCounts:
        from elasticsearch.helpers import streaming_bulk

        indexed = deleted = conflicts = 0
        for ok, item in streaming_bulk(
            self.es,
            actions,
            chunk_size=BULK_CHUNK,
            raise_on_error=False,
            raise_on_exception=True,
            max_retries=3,
        ):
            operation, result = next(iter(item.items()))
            if ok and operation == "delete":
                deleted += result.get("result") == "deleted"
            elif ok:
                indexed += 1
            elif result.get("status") == 409:
                conflicts += 1  # a newer version is already there
            elif operation == "delete" and result.get("status") == 404:
                pass
            else:
                raise RuntimeError(f"Elasticsearch refused a {operation}: {result.get('error')}")
        return WriteCounts(indexed, deleted, conflicts)

    @staticmethod
    def _index_actions(
        threads: Iterable[ThreadDocs], index: str, stamp: int
    ) -> Iterator[dict[str, Any]]:
        for thread in threads:
            for doc in thread.docs:
                source = doc.source()
                source["thread_version"] = thread.version
                if doc.vector is not None:
                    source["vector"] = unit_vector(doc.vector).tolist()
                yield {
                    "_op_type": "index",
                    "_index": index,
                    "_id": doc.doc_id,
                    "version": stamp,
                    "version_type": "external_gte",
                    "_source": source,
                }

    def _ids_of(self, thread_keys: Sequence[str]) -> Iterator[tuple[str, str]]:
        """``(_id, thread_key)`` of every document of these threads."""
        from elasticsearch.helpers import scan

        for start in range(0, len(thread_keys), 1000):
            for hit in scan(
                self.es,
                index=self.alias,
                query={"query": {"terms": {"thread_key": list(thread_keys[start : start + 1000])}}},
                _source=["thread_key"],
                size=1000,
            ):
                yield hit["_id"], hit["_source"]["thread_key"]

    @_reachable
    def replace_threads(self, threads: Sequence[ThreadDocs], stamp: int) -> WriteCounts:
        keep = {doc.doc_id for thread in threads for doc in thread.docs}
        stale = [i for i, _ in self._ids_of([t.thread_key for t in threads]) if i not in keep]
        deletes = (
            {
                "_op_type": "delete",
                "_index": self.alias,
                "_id": i,
                "version": stamp,
                "version_type": "external_gte",
            }
            for i in stale
        )
        written = self._bulk(self._index_actions(threads, self.alias, stamp))
        removed = self._bulk(deletes)
        return WriteCounts(written.indexed, removed.deleted, written.conflicts + removed.conflicts)

    @_reachable
    def delete_threads(self, thread_keys: Sequence[str]) -> int:
        ids = [i for i, _ in self._ids_of(thread_keys)]
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids)
        return self._bulk(actions).deleted

    @_reachable
    def rebuild(self, threads: Iterable[ThreadDocs], stamp: int) -> WriteCounts:
        self.init()
        old = self._concrete()
        new = self._new_name()
        # Bulk loading: no refreshes until the end (the index is not yet visible anyway).
        self.es.indices.create(index=new, settings={"refresh_interval": "-1"})
        counts = self._bulk(self._index_actions(threads, new, stamp))
        self.es.indices.put_settings(index=new, settings={"refresh_interval": "1s"})
        self.es.indices.refresh(index=new)
        actions: list[dict[str, Any]] = [{"add": {"index": new, "alias": self.alias}}]
        actions += [{"remove": {"index": index, "alias": self.alias}} for index in old]
        self.es.indices.update_aliases(actions=actions)  # atomic: one index at every moment
        for index in old:
            self.es.indices.delete(index=index, ignore_unavailable=True)
        return counts

    @_reachable
    def refresh(self) -> None:
        self.es.indices.refresh(index=self.alias)

    # -- reads

    @_reachable
    def versions(self) -> dict[str, str]:
        found: dict[str, str] = {}
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {
                "size": 5000,
                "sources": [
                    {"thread": {"terms": {"field": "thread_key"}}},
                    {"version": {"terms": {"field": "thread_version"}}},
                ],
            }
            if after:
                composite["after"] = after
            response = self.es.search(
                index=self.alias,
                size=0,
                query={"term": {"is_head": True}},
                aggs={"threads": {"composite": composite}},
            )
            agg = response["aggregations"]["threads"]
            for bucket in agg["buckets"]:
                found[bucket["key"]["thread"]] = bucket["key"]["version"]
            after = agg.get("after_key")
            if not agg["buckets"] or after is None:
                return found

    @_reachable
    def count(self) -> int:
        return int(self.es.count(index=self.alias)["count"])

    @_reachable
    def search(
        self,
        text: str,
        filters: Filters = NO_FILTERS,
        size: int = 10,
        per_thread: bool = False,
        facets: bool = False,
    ) -> SearchResult:
        body: dict[str, Any] = {
            "query": {
                "bool": {
                    "must": [{"match": {"text": {"query": text}}}],
                    "filter": _filter(filters),
                }
            },
            "highlight": {
                "encoder": "html",
                "pre_tags": ["<em>"],
                "post_tags": ["</em>"],
                "fields": {"text": {"fragment_size": 160, "number_of_fragments": 2}},
            },
            "sort": ["_score", {"doc_id": "asc"}],
            "track_total_hits": True,
            "_source": ["thread_key", "thread_id", "post_id", "url"],
        }
        if per_thread:
            body["collapse"] = {"field": "thread_key"}
            body["aggs"] = {"threads": {"cardinality": {"field": "thread_key"}}}
        if facets:
            body.setdefault("aggs", {}).update(_facet_aggs())
        response = self.es.search(index=self.alias, size=size, **body)
        hits = [_hit(h) for h in response["hits"]["hits"]]
        aggs = response.get("aggregations", {})
        total = aggs["threads"]["value"] if per_thread else response["hits"]["total"]["value"]
        return SearchResult(hits, int(total), _read_facets(aggs) if facets else {})

    @_reachable
    def knn(
        self,
        vector: Sequence[float] | np.ndarray,
        filters: Filters = NO_FILTERS,
        size: int = 10,
        exclude: Sequence[str] = (),
    ) -> list[Hit]:
        clauses = [*_filter(filters), {"term": {"is_head": True}}]
        if exclude:
            clauses.append({"bool": {"must_not": {"terms": {"thread_key": list(exclude)}}}})
        response = self.es.search(
            index=self.alias,
            knn={
                "field": "vector",
                "query_vector": unit_vector(vector).tolist(),
                "k": size,
                "num_candidates": max(100, 4 * size),
                "filter": clauses,
            },
            size=size,
            _source=["thread_key", "thread_id", "post_id", "url"],
        )
        return [_hit(h) for h in response["hits"]["hits"]]

    @_reachable
    def thread_vector(self, thread_key: str) -> np.ndarray | None:
        response = self.es.search(
            index=self.alias,
            query={
                "bool": {
                    "filter": [{"term": {"thread_key": thread_key}}, {"term": {"is_head": True}}]
                }
            },
            size=1,
            _source=["vector"],
        )
        hits = response["hits"]["hits"]
        if not hits or "vector" not in hits[0]["_source"]:
            return None
        return np.asarray(hits[0]["_source"]["vector"], dtype=np.float32)

    @_reachable
    def counts(
        self, group_by: Sequence[str], filters: Filters = NO_FILTERS, unit: str = "threads"
    ) -> dict[tuple[str, ...], int]:
        unknown = [g for g in group_by if g not in GROUPS]
        if unknown or unit not in ("threads", "posts"):
            raise ValueError(f"cannot group by {unknown} or count {unit!r}; groups: {GROUPS}")
        clauses = _filter(filters)
        if unit == "threads":
            clauses.append({"term": {"is_head": True}})
        if not group_by:
            return {(): self._count(clauses)}
        sources = []
        for group in group_by:
            if group == "week":
                day = "thread_created_at" if unit == "threads" else "created_at"
                sources.append(
                    {
                        group: {
                            "date_histogram": {
                                "field": day,
                                "calendar_interval": "week",
                                "format": "yyyy-MM-dd",
                                "time_zone": "UTC",
                            }
                        }
                    }
                )
            else:
                sources.append({group: {"terms": {"field": _GROUP_FIELDS[group]}}})
        result: dict[tuple[str, ...], int] = {}
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": 1000, "sources": sources}
            if after:
                composite["after"] = after
            response = self.es.search(
                index=self.alias,
                size=0,
                query={"bool": {"filter": clauses}},
                aggs={"groups": {"composite": composite}},
            )
            agg = response["aggregations"]["groups"]
            for bucket in agg["buckets"]:
                key = tuple(_key(bucket["key"], group) for group in group_by)
                result[key] = int(bucket["doc_count"])
            after = agg.get("after_key")
            if not agg["buckets"] or after is None:
                return result

    def _count(self, clauses: list[dict[str, Any]]) -> int:
        return int(self.es.count(index=self.alias, query={"bool": {"filter": clauses}})["count"])

    @_reachable
    def top_contributors(
        self,
        filters: Filters = NO_FILTERS,
        size: int = 10,
        roles: Sequence[str] = ("community", "staff"),
    ) -> list[tuple[str, int, int]]:
        clauses = [
            *_filter(filters),
            {"range": {"post_number": {"gt": 1}}},
            {"terms": {"role": list(roles)}},
        ]
        response = self.es.search(
            index=self.alias,
            size=0,
            query={"bool": {"filter": clauses}},
            aggs={
                "authors": {
                    "terms": {
                        "field": "author",
                        "size": size,
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    },
                    "aggs": {
                        "threads": {
                            "cardinality": {"field": "thread_key", "precision_threshold": 40000}
                        }
                    },
                }
            },
        )
        return [
            (b["key"], int(b["doc_count"]), int(b["threads"]["value"]))
            for b in response["aggregations"]["authors"]["buckets"]
        ]


def _key(key: dict[str, Any], group: str) -> str:
    value = key[group]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _hit(hit: dict[str, Any]) -> Hit:
    source = hit["_source"]
    return Hit(
        hit["_id"],
        source["thread_key"],
        int(source["thread_id"]),
        int(source["post_id"]),
        float(hit.get("_score") or 0.0),
        source.get("url", ""),
        tuple(hit.get("highlight", {}).get("text", ())),
    )


def _filter(filters: Filters) -> list[dict[str, Any]]:
    """``filters`` as Elasticsearch filter clauses."""
    clauses: list[dict[str, Any]] = []
    for field, values in (
        ("products", filters.products),
        ("categories", filters.categories),
        ("venue", filters.venues),
        ("role", filters.roles),
    ):
        if values:
            clauses.append({"terms": {field: list(values)}})
    for field in _BOOL_FACETS:
        value = getattr(filters, field)
        if value is not None:
            clauses.append({"term": {field: value}})
    bounds: dict[str, str] = {}
    if filters.since:
        bounds["gte"] = filters.since.astimezone(UTC).isoformat()
    if filters.until:
        bounds["lt"] = filters.until.astimezone(UTC).isoformat()
    if bounds:
        clauses.append({"range": {"created_at": bounds}})
    return clauses


def _facet_aggs() -> dict[str, Any]:
    aggs = {name: {"terms": {"field": field, "size": 100}} for name, field in _LIST_FACETS.items()}
    aggs |= {name: {"terms": {"field": name, "size": 100}} for name in ("venue", "role")}
    aggs |= {name: {"terms": {"field": name, "size": 2}} for name in _BOOL_FACETS}
    return aggs


def _read_facets(aggs: dict[str, Any]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for name in [*_LIST_FACETS, "venue", "role", *_BOOL_FACETS]:
        result[name] = {
            str(b.get("key_as_string", b["key"])): int(b["doc_count"])
            for b in aggs[name]["buckets"]
        }
    return result
