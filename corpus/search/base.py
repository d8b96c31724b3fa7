"""What every search index speaks: documents, filters, hits, and the :class:`SearchIndex` contract.

One document per post, carrying its thread's fields (venue, products, categories, signals, dates),
so one query filters and counts by any of them. The thread's vector rides on its *head* document
(the first live, enriched post), so a kNN query returns each thread once. Only redacted text from
:class:`~corpus.models.PostText` is indexed; thread titles are not (enrichment does not redact
them), so callers look titles up in the store by ``thread_id``.

Implementations: :class:`~corpus.search.elastic.ElasticsearchIndex` (a team's server) and
:class:`~corpus.search.local.LocalIndex` (a file beside the store). Both pass
``tests/search/test_contract.py``.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

DIMS = 384
"""MiniLM's dimension: every thread vector has it."""
DOC_VERSION = "search-doc.v1"
"""Bump when what a document holds changes: every thread is then re-indexed."""
RRF_RANK_CONSTANT = 60
GROUPS = ("product", "category", "venue", "role", "author", "week")
"""What :meth:`SearchIndex.counts` can group by."""
FACETS = (
    "product",
    "category",
    "venue",
    "role",
    "signal",
    "admission",
    "resolved",
    "staff_involved",
)


@dataclass(frozen=True)
class PostDoc:
    """One post as indexed, with its thread's fields."""

    doc_id: str
    thread_key: str
    thread_id: int
    post_id: int
    post_number: int
    venue: str
    url: str
    author: str
    role: str
    text: str
    created_at: datetime
    thread_created_at: datetime
    is_head: bool
    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    admission: bool = False
    resolved: bool = False
    staff_involved: bool = False
    vector: tuple[float, ...] | None = None

    def source(self) -> dict[str, Any]:
        """The document as JSON-ready fields (dates in ISO 8601, lists for tuples)."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["thread_created_at"] = self.thread_created_at.isoformat()
        for key in ("products", "categories", "signals"):
            data[key] = list(data[key])
        if self.vector is None:
            del data["vector"]
        else:
            data["vector"] = list(self.vector)
        return data


@dataclass(frozen=True)
class ThreadDocs:
    """All documents of one thread and the version they make: equal versions, nothing to do."""

    thread_key: str
    thread_id: int
    docs: tuple[PostDoc, ...]
    version: str = ""

    @classmethod
    def of(cls, thread_key: str, thread_id: int, docs: Sequence[PostDoc]) -> ThreadDocs:
        digest = hashlib.sha256(DOC_VERSION.encode())
        for doc in docs:
            digest.update(json.dumps(doc.source(), sort_keys=True).encode())
        return cls(thread_key, thread_id, tuple(docs), digest.hexdigest()[:32])


@dataclass(frozen=True)
class Filters:
    """Facet and date filters; every field left empty matches everything.

    Lists match any of their values (``products=("a", "b")``: about a or b). ``since`` and
    ``until`` bound the post's date (``since <= created_at < until``).
    """

    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    venues: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    admission: bool | None = None
    resolved: bool | None = None
    staff_involved: bool | None = None
    since: datetime | None = None
    until: datetime | None = None


NO_FILTERS = Filters()


@dataclass(frozen=True)
class Hit:
    """One result: a post (text search) or a thread's head post (kNN, hybrid, per-thread search).

    ``highlights`` are HTML-safe fragments of the redacted text, matches inside ``<em>``.
    """

    doc_id: str
    thread_key: str
    thread_id: int
    post_id: int
    score: float
    url: str = ""
    highlights: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    """Posts matching the query, counted per value of each facet in :data:`FACETS`."""


@dataclass(frozen=True)
class WriteCounts:
    indexed: int = 0
    deleted: int = 0
    conflicts: int = 0
    """Writes refused because a newer write (a later run) already landed."""


class SearchIndex(ABC):
    """A search index of the corpus. Writes come from :func:`corpus.search.sync_index`."""

    kind: str = ""
    """``"local"`` or ``"elasticsearch"``."""

    @abstractmethod
    def init(self) -> dict[str, Any]:
        """Create what the index needs (templates, tables) if missing; idempotent. Returns a
        description: its name, whether it was created, the analyser in use."""

    @abstractmethod
    def needs_rebuild(self) -> bool:
        """True when the index is missing or was built with another mapping/schema."""

    @abstractmethod
    def rebuild(self, threads: Iterable[ThreadDocs], stamp: int) -> WriteCounts:
        """Build a fresh index from ``threads`` and swap it in atomically (readers never see an
        empty or half-built index)."""

    @abstractmethod
    def versions(self) -> dict[str, str]:
        """``thread_key`` → version of every indexed thread."""

    @abstractmethod
    def replace_threads(self, threads: Sequence[ThreadDocs], stamp: int) -> WriteCounts:
        """Make each thread's documents exactly ``docs``: upsert them, delete its others.

        ``stamp`` orders writers: a write older than what the index holds is refused.
        """

    @abstractmethod
    def delete_threads(self, thread_keys: Sequence[str]) -> int:
        """Delete every document of these threads; returns how many were deleted."""

    @abstractmethod
    def refresh(self) -> None:
        """Make every write visible to searches."""

    @abstractmethod
    def count(self) -> int:
        """Documents (posts) in the index."""

    @abstractmethod
    def search(
        self,
        text: str,
        filters: Filters = NO_FILTERS,
        size: int = 10,
        per_thread: bool = False,
        facets: bool = False,
    ) -> SearchResult:
        """Full-text search over posts, best first, with highlights.

        ``per_thread`` keeps each thread's best post only; ``facets`` counts matching posts per
        facet value.
        """

    @abstractmethod
    def knn(
        self,
        vector: Sequence[float] | np.ndarray,
        filters: Filters = NO_FILTERS,
        size: int = 10,
        exclude: Sequence[str] = (),
    ) -> list[Hit]:
        """Threads nearest to ``vector`` by cosine similarity (score ``(1 + cos) / 2``)."""

    @abstractmethod
    def thread_vector(self, thread_key: str) -> np.ndarray | None:
        """The indexed vector of a thread, if it has one."""

    @abstractmethod
    def counts(
        self, group_by: Sequence[str], filters: Filters = NO_FILTERS, unit: str = "threads"
    ) -> dict[tuple[str, ...], int]:
        """How many ``unit`` (``"threads"`` or ``"posts"``) fall in each group.

        ``group_by`` names fields of :data:`GROUPS`; ``week`` is the Monday (``YYYY-MM-DD``,
        UTC) of the post's date, or of the thread's for ``unit="threads"``. A thread about two
        products counts once in each.
        """

    @abstractmethod
    def top_contributors(
        self,
        filters: Filters = NO_FILTERS,
        size: int = 10,
        roles: Sequence[str] = ("community", "staff"),
    ) -> list[tuple[str, int, int]]:
        """``(author, posts, threads)`` of the authors of the most replies (post number > 1) in
        ``roles``; ties broken by author name."""

    @abstractmethod
    def drop(self) -> None:
        """Delete the index and everything ``init`` created."""

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Release connections."""

    # Built on the methods above: the same in every implementation.

    def similar(self, thread_key: str, filters: Filters = NO_FILTERS, size: int = 10) -> list[Hit]:
        """More like this thread: its nearest neighbours by vector, itself excluded."""
        vector = self.thread_vector(thread_key)
        if vector is None:
            return []
        return self.knn(vector, filters, size, exclude=(thread_key,))

    def hybrid(
        self,
        text: str,
        vector: Sequence[float] | np.ndarray | None,
        filters: Filters = NO_FILTERS,
        size: int = 10,
        window: int = 50,
        exclude: Sequence[str] = (),
    ) -> list[Hit]:
        """Threads ranked by text and by vector, fused with reciprocal rank fusion.

        Each side ranks up to ``window`` threads; fusion happens here in the client, because
        the server-side ``rrf`` retriever is missing from the distributions Candor tests with.
        """
        textual = [
            h
            for h in self.search(text, filters, window, per_thread=True).hits
            if h.thread_key not in exclude
        ]
        vectorial = self.knn(vector, filters, window, exclude) if vector is not None else []
        return rrf([textual, vectorial], size)


def rrf(rankings: Sequence[Sequence[Hit]], size: int, k: int = RRF_RANK_CONSTANT) -> list[Hit]:
    """Reciprocal rank fusion: a thread scores ``sum(1 / (k + rank))`` over the rankings.

    The fused hit keeps the first ranking's highlights. Ties are broken by thread key, so the
    order is deterministic.
    """
    scores: dict[str, float] = {}
    first: dict[str, Hit] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.thread_key] = scores.get(hit.thread_key, 0.0) + 1.0 / (k + rank)
            first.setdefault(hit.thread_key, hit)
    order = sorted(scores, key=lambda key: (-scores[key], key))[:size]
    return [
        Hit(
            first[key].doc_id,
            key,
            first[key].thread_id,
            first[key].post_id,
            scores[key],
            first[key].url,
            first[key].highlights,
        )
        for key in order
    ]


def monday(moment: datetime) -> str:
    """The ISO week's Monday of ``moment`` (UTC) as ``YYYY-MM-DD``: a ``week`` group's key."""
    from datetime import UTC, timedelta

    day = moment.astimezone(UTC).date()
    return (day - timedelta(days=day.weekday())).isoformat()


def unit_vector(vector: Sequence[float] | np.ndarray) -> np.ndarray:
    """``vector`` as float32 with unit length (cosine similarity is then a dot product)."""
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    if array.shape[0] != DIMS:
        raise ValueError(f"a vector must have {DIMS} dimensions, this one has {array.shape[0]}")
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else array
