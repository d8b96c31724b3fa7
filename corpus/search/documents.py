"""From the corpus to search documents, and the incremental sync of an index with the corpus.

:func:`thread_docs` reads threads in batches and builds each one's :class:`ThreadDocs` from
what enrichment stored: redacted ``PostText`` only (posts without one are not indexed yet),
``role`` and signal annotations per post, ``category``, ``products``, ``resolved`` and
``staff_involved`` per thread, and the thread's embedding. What a document holds changes only
when the thread changes at the source (``threads.changed_at``: posts added, edited or deleted,
the thread deleted, a person's words removed) or is enriched again (``threads.enriched_at``).

:func:`sync_index` therefore rebuilds the documents of a thread only when one of those is newer
than ``threads.indexed_at``, or when the index lacks the thread; it writes the ones whose
version differs from the index's and deletes what is gone. A run with nothing new reads one row
per thread and builds one thread's documents: a canary that catches documents now built
differently (a new :data:`~corpus.search.base.DOC_VERSION`), which re-checks every thread.
Run it twice and the second run writes nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select, update

from corpus import models as m
from corpus.search.base import PostDoc, SearchIndex, ThreadDocs, WriteCounts
from corpus.store import Store

BATCH_THREADS = 200
POST_SIGNALS = ("gratitude", "admission", "solved_confirmation", "referral")


@dataclass(frozen=True)
class IndexReport:
    threads_seen: int
    """Threads whose documents were built and compared with the index's."""
    threads_indexed: int
    posts_indexed: int
    threads_deleted: int
    posts_deleted: int
    conflicts: int
    rebuilt: bool
    seconds: float


def thread_docs(
    store: Store, batch: int = BATCH_THREADS, ids: list[int] | None = None
) -> Iterator[ThreadDocs]:
    """The documents of every live thread (or of the threads ``ids``), built from the store in
    batches of ``batch`` threads."""
    if ids is None:
        with store.session() as s:
            ids = list(
                s.scalars(
                    select(m.Thread.id).where(m.Thread.deleted_at.is_(None)).order_by(m.Thread.id)
                )
            )
    for start in range(0, len(ids), batch):
        with store.session() as s:
            yield from _build(s, ids[start : start + batch])


def _build(s: Any, thread_ids: list[int]) -> Iterator[ThreadDocs]:
    threads = s.execute(
        select(m.Thread, m.Venue.name)
        .join(m.Venue, m.Venue.id == m.Thread.venue_id)
        .where(m.Thread.id.in_(thread_ids))
        .order_by(m.Thread.id)
    ).all()
    posts: dict[int, list[tuple[m.Post, str, m.PostText]]] = defaultdict(list)
    for post, username, text in s.execute(
        select(m.Post, m.Author.username, m.PostText)
        .join(m.Author, m.Author.id == m.Post.author_id)
        .join(m.PostText, m.PostText.post_id == m.Post.id)  # redacted text only
        .where(m.Post.thread_id.in_(thread_ids), m.Post.deleted_at.is_(None))
        .order_by(m.Post.thread_id, m.Post.number)
    ):
        posts[post.thread_id].append((post, username, text))
    notes: dict[tuple[str, int], dict[str, Any]] = defaultdict(dict)
    for subject, subject_id, kind, value in s.execute(
        select(
            m.Annotation.subject, m.Annotation.subject_id, m.Annotation.kind, m.Annotation.value
        ).where(m.Annotation.thread_id.in_(thread_ids))
    ):
        notes[(subject, subject_id)][kind] = value
    vectors = {
        subject_id: vector
        for subject_id, vector in s.execute(
            select(m.Embedding.subject_id, m.Embedding.vector).where(
                m.Embedding.subject == "thread", m.Embedding.subject_id.in_(thread_ids)
            )
        )
    }
    for thread, venue in threads:
        key = f"{venue}/{thread.source_id}"
        rows = posts.get(thread.id, [])
        thread_notes = notes.get(("thread", thread.id), {})
        post_notes = [notes.get(("post", post.id), {}) for post, _, _ in rows]
        shared = {
            "products": _ids(thread_notes.get("products"), "slug"),
            "categories": _ids(thread_notes.get("category"), "id"),
            "admission": any(bool(n.get("admission")) for n in post_notes),
            "resolved": bool(thread_notes.get("resolved")),
            "staff_involved": bool(thread_notes.get("staff_involved")),
        }
        raw = vectors.get(thread.id)
        vector = tuple(float(x) for x in np.frombuffer(raw, dtype=np.float32)) if raw else None
        docs = [
            PostDoc(
                doc_id=f"{key}/{post.source_id}",
                thread_key=key,
                thread_id=thread.id,
                post_id=post.id,
                post_number=post.number,
                venue=venue,
                url=post.url,
                author=username,
                role=str(note.get("role") or "unknown"),
                text=text.text,
                created_at=post.created_at,
                thread_created_at=thread.created_at,
                is_head=index == 0,
                signals=tuple(k for k in POST_SIGNALS if note.get(k)),
                vector=vector if index == 0 else None,
                **shared,
            )
            for index, ((post, username, text), note) in enumerate(
                zip(rows, post_notes, strict=True)
            )
        ]
        yield ThreadDocs.of(key, thread.id, docs)


def _ids(value: Any, key: str) -> tuple[str, ...]:
    """Ids from an annotation value: a list of ``{key: id, …}`` or of plain ids."""
    if not value:
        return ()
    items = value if isinstance(value, list) else [value]
    found = [str(item.get(key)) if isinstance(item, dict) else str(item) for item in items]
    return tuple(sorted({f for f in found if f and f != "None"}))


@dataclass(frozen=True)
class _Live:
    """A live thread's key and the newest change its documents reflect once built."""

    id: int
    key: str
    indexed_at: datetime | None
    changed: datetime
    enriched: bool

    @property
    def behind(self) -> bool:
        return self.indexed_at is None or self.changed > self.indexed_at

    def due(self, indexed: dict[str, str]) -> bool:
        """Behind, or enriched (so it has documents) yet missing from ``indexed``: a wiped or
        another index."""
        return self.behind or (self.enriched and self.key not in indexed)


def _live_threads(store: Store) -> dict[str, _Live]:
    """Every live thread by key: one row each, no document built."""
    with store.session() as s:
        rows = s.execute(
            select(
                m.Thread.id,
                m.Venue.name,
                m.Thread.source_id,
                m.Thread.indexed_at,
                m.Thread.changed_at,
                m.Thread.enriched_at,
            )
            .join(m.Venue, m.Venue.id == m.Thread.venue_id)
            .where(m.Thread.deleted_at.is_(None))
            .order_by(m.Thread.id)
        ).all()
    return {
        f"{venue}/{source}": _Live(
            i, f"{venue}/{source}", at, max(changed, enriched or changed), enriched is not None
        )
        for i, venue, source, at, changed, enriched in rows
    }


def _mark_indexed(store: Store, threads: list[_Live]) -> None:
    """Record on each thread the newest change its indexed documents reflect.

    The change read *before* its documents were built, not the time now: a thread enriched while
    the documents were built stays behind, and the next run indexes it again.
    """
    for start in range(0, len(threads), BATCH_THREADS):
        with store.session() as s:
            s.execute(
                update(m.Thread),
                [
                    {"id": t.id, "indexed_at": t.changed}
                    for t in threads[start : start + BATCH_THREADS]
                ],
            )


def _documents_built_alike(store: Store, indexed: dict[str, str], live: dict[str, _Live]) -> bool:
    """Whether one thread the markers call up to date still builds the version the index holds
    (False when documents are built differently now, e.g. a new ``DOC_VERSION``)."""
    canary = next((t for t in live.values() if not t.behind and t.key in indexed), None)
    if canary is None:
        return True
    built = next(thread_docs(store, ids=[canary.id]), None)
    return built is not None and built.version == indexed[canary.key]


def sync_index(
    store: Store, index: SearchIndex, rebuild: bool = False, batch: int = BATCH_THREADS
) -> IndexReport:
    """Bring ``index`` up to date with the corpus; see the module docstring.

    ``rebuild`` (or an index built with another mapping) builds a new index from every thread
    and swaps it in atomically.
    """
    started = time.perf_counter()
    stamp = time.time_ns() // 1_000_000  # orders concurrent runs: the later one wins
    index.init()
    live = _live_threads(store)
    if rebuild or index.needs_rebuild():
        seen = [0]

        def every() -> Iterator[ThreadDocs]:
            for item in thread_docs(store, batch, [t.id for t in live.values()]):
                seen[0] += 1
                if item.docs:
                    yield item

        counts = index.rebuild(every(), stamp)
        _mark_indexed(store, list(live.values()))
        threads = len(index.versions())
        return IndexReport(
            seen[0], threads, counts.indexed, 0, 0, counts.conflicts, True,
            time.perf_counter() - started,
        )  # fmt: skip
    indexed = index.versions()
    due = [t for t in live.values() if t.due(indexed)]
    if not _documents_built_alike(store, indexed, live):
        due = list(live.values())
    pending: list[ThreadDocs] = []
    emptied: list[str] = []
    total = WriteCounts()
    changed = 0

    def flush() -> WriteCounts:
        written = index.replace_threads(pending, stamp) if pending else WriteCounts()
        pending.clear()
        return written

    for item in thread_docs(store, batch, [t.id for t in due]):
        if not item.docs:
            if item.thread_key in indexed:
                emptied.append(item.thread_key)
            continue
        if indexed.get(item.thread_key) != item.version:
            pending.append(item)
            changed += 1
            if len(pending) >= batch:
                total = _add(total, flush())
    total = _add(total, flush())
    gone = sorted(set(indexed) - set(live))
    deleted = index.delete_threads(gone + emptied) if gone or emptied else 0
    index.refresh()
    _mark_indexed(store, due)
    return IndexReport(
        len(due),
        changed,
        total.indexed,
        len(gone) + len(emptied),
        total.deleted + deleted,
        total.conflicts,
        False,
        time.perf_counter() - started,
    )


def _add(a: WriteCounts, b: WriteCounts) -> WriteCounts:
    return WriteCounts(a.indexed + b.indexed, a.deleted + b.deleted, a.conflicts + b.conflicts)
