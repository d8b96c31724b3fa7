"""The studio's search: full text, "more like this thread", or both, with facets.

Reads the configured :class:`corpus.search.SearchIndex` (``search: local`` or Elasticsearch);
titles and candidate links come from the store, because the index holds redacted post text only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends
from fastapi import Query as Param
from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.studio.params import RowId
from corpus import models as m
from corpus.errors import InputError
from corpus.search import Filters, Hit, SearchIndex

FACET_NAMES = ("product", "category", "venue", "staff_involved", "admission", "resolved")


@dataclass(frozen=True)
class Query:
    """What the search page and ``GET /api/search`` take."""

    text: str = ""
    like: int | None = None
    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    venues: tuple[str, ...] = ()
    staff_involved: bool | None = None
    admission: bool | None = None
    resolved: bool | None = None
    since: str = ""
    until: str = ""
    size: int = 20

    @property
    def empty(self) -> bool:
        return not self.text.strip() and self.like is None

    def filters(self) -> Filters:
        return Filters(
            products=self.products,
            categories=self.categories,
            venues=self.venues,
            staff_involved=self.staff_involved,
            admission=self.admission,
            resolved=self.resolved,
            since=_day(self.since, "since"),
            until=_day(self.until, "until"),
        )

    def params(self, **changes: Any) -> dict[str, Any]:
        """Query-string values of this query with ``changes`` (for facet links)."""
        q = replace(self, **changes)
        values: dict[str, Any] = {
            "q": q.text,
            "like": q.like,
            "product": list(q.products),
            "category": list(q.categories),
            "venue": list(q.venues),
            "staff_involved": q.staff_involved,
            "admission": q.admission,
            "resolved": q.resolved,
            "since": q.since,
            "until": q.until,
        }
        return {
            k: ("true" if v is True else "false" if v is False else v)
            for k, v in values.items()
            if v not in (None, "", [])
        }


def search_params(
    q: str = "",
    like: RowId | None = None,
    product: Annotated[list[str] | None, Param()] = None,
    category: Annotated[list[str] | None, Param()] = None,
    venue: Annotated[list[str] | None, Param()] = None,
    staff_involved: bool | None = None,
    admission: bool | None = None,
    resolved: bool | None = None,
    since: Annotated[str, Param(description="First day, YYYY-MM-DD.")] = "",
    until: Annotated[str, Param(description="Day after the last, YYYY-MM-DD.")] = "",
    size: Annotated[int, Param(ge=1, le=100)] = 20,
) -> Query:
    """The query string of the search page and ``GET /api/search`` (a FastAPI dependency).

    ``q`` is full text, ``like`` a thread id for "more like this" (both: hybrid); the others
    filter, and their names are those :meth:`Query.params` writes into facet links.
    """
    return Query(
        q, like, tuple(product or ()), tuple(category or ()), tuple(venue or ()),
        staff_involved, admission, resolved, since, until, size,
    )  # fmt: skip


SearchParams = Annotated[Query, Depends(search_params)]


def _day(text: str, name: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError as exc:
        raise InputError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from exc


@dataclass(frozen=True)
class Result:
    thread_id: int
    post_id: int
    title: str
    url: str
    score: float
    highlights: tuple[str, ...]
    candidates: tuple[tuple[str, int], ...]
    """(product slug, candidate id) of every active candidate for the thread."""

    def data(self) -> dict[str, Any]:
        return {
            "thread_id": self.thread_id,
            "post_id": self.post_id,
            "title": self.title,
            "url": self.url,
            "score": round(self.score, 4),
            "highlights": list(self.highlights),
            "candidates": [{"product": p, "candidate_id": c} for p, c in self.candidates],
        }


@dataclass(frozen=True)
class Results:
    query: Query
    results: list[Result]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    like_title: str | None = None
    mode: str = "text"


class Searcher:
    """One index shared by the studio's request threads (a lock keeps the SQLite file safe)."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index
        self._lock = threading.Lock()

    def close(self) -> None:
        self.index.close()

    def run(self, session: Session, query: Query) -> Results:
        if query.empty:
            return Results(query, [], 0)
        filters = query.filters()
        key, like_title = (None, None)
        if query.like is not None:
            row = session.execute(
                select(m.Venue.name, m.Thread.source_id, m.Thread.title)
                .join(m.Venue, m.Venue.id == m.Thread.venue_id)
                .where(m.Thread.id == query.like)
            ).first()
            if row is None:
                raise InputError(f"no thread {query.like} to find threads like")
            key, like_title = f"{row[0]}/{row[1]}", row[2]
        facets: dict[str, dict[str, int]] = {}
        with self._lock:
            if key and query.text.strip():
                vector = self.index.thread_vector(key)
                hits = self.index.hybrid(query.text, vector, filters, query.size, exclude=[key])
                total, mode = len(hits), "hybrid"
            elif key:
                hits = self.index.similar(key, filters, query.size)
                total, mode = len(hits), "like"
            else:
                found = self.index.search(
                    query.text, filters, query.size, per_thread=True, facets=True
                )
                hits, total, facets, mode = found.hits, found.total, found.facets, "text"
        return Results(
            query,
            _results(session, hits),
            total,
            {k: v for k, v in facets.items() if k in FACET_NAMES},
            like_title,
            mode,
        )


def _results(session: Session, hits: list[Hit]) -> list[Result]:
    ids = {h.thread_id for h in hits}
    threads = {t.id: t for t in session.scalars(select(m.Thread).where(m.Thread.id.in_(ids)))}
    candidates: dict[int, list[tuple[str, int]]] = {}
    for thread_id, slug, cid in session.execute(
        select(m.Candidate.thread_id, m.Product.slug, m.Candidate.id)
        .join(m.Product, m.Product.id == m.Candidate.product_id)
        .where(m.Candidate.thread_id.in_(ids), m.Candidate.active)
        .order_by(m.Product.slug)
    ):
        candidates.setdefault(thread_id, []).append((slug, cid))
    return [
        Result(
            thread_id=h.thread_id,
            post_id=h.post_id,
            title=threads[h.thread_id].title if h.thread_id in threads else "",
            url=h.url or (threads[h.thread_id].url if h.thread_id in threads else ""),
            score=h.score,
            highlights=h.highlights,
            candidates=tuple(candidates.get(h.thread_id, [])),
        )
        for h in hits
        if h.thread_id in threads and threads[h.thread_id].deleted_at is None
    ]
