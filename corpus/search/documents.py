"""From the corpus to search documents, and the incremental sync of an index with the corpus.

:func:`thread_docs` reads threads in batches and builds each one's :class:`ThreadDocs` from
what enrichment stored: redacted ``PostText`` only (posts without one are not indexed yet),
``role`` and signal annotations per post, ``category``, ``products``, ``resolved`` and
``staff_involved`` per thread, and the thread's embedding. :func:`sync_index` compares each
thread's version with the index's and writes only what changed; tombstoned threads and posts
are deleted. Run it twice and the second run writes nothing.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select

from corpus import models as m
from corpus.search.base import PostDoc, SearchIndex, ThreadDocs, WriteCounts
from corpus.store import Store

BATCH_THREADS = 200
POST_SIGNALS = ("gratitude", "admission", "solved_confirmation", "referral")


@dataclass(frozen=True)
class IndexReport:
    threads_seen: int
    threads_indexed: int
    posts_indexed: int
    threads_deleted: int
    posts_deleted: int
    conflicts: int
    rebuilt: bool
    seconds: float


def thread_docs(store: Store, batch: int = BATCH_THREADS) -> Iterator[ThreadDocs]:
    """Every live thread's documents, built from the store in batches of ``batch`` threads."""
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
    if rebuild or index.needs_rebuild():
        seen = [0]

        def every() -> Iterator[ThreadDocs]:
            for item in thread_docs(store, batch):
                seen[0] += 1
                if item.docs:
                    yield item

        counts = index.rebuild(every(), stamp)
        threads = len(index.versions())
        return IndexReport(
            seen[0], threads, counts.indexed, 0, 0, counts.conflicts, True,
            time.perf_counter() - started,
        )  # fmt: skip
    indexed = index.versions()
    live: set[str] = set()
    pending: list[ThreadDocs] = []
    total = WriteCounts()
    seen = changed = 0

    def flush() -> WriteCounts:
        written = index.replace_threads(pending, stamp) if pending else WriteCounts()
        pending.clear()
        return written

    for item in thread_docs(store, batch):
        seen += 1
        if not item.docs:
            continue
        live.add(item.thread_key)
        if indexed.get(item.thread_key) != item.version:
            pending.append(item)
            changed += 1
            if len(pending) >= batch:
                total = _add(total, flush())
    total = _add(total, flush())
    gone = sorted(set(indexed) - live)
    deleted = index.delete_threads(gone) if gone else 0
    index.refresh()
    return IndexReport(
        seen,
        changed,
        total.indexed,
        len(gone),
        total.deleted + deleted,
        total.conflicts,
        False,
        time.perf_counter() - started,
    )


def _add(a: WriteCounts, b: WriteCounts) -> WriteCounts:
    return WriteCounts(a.indexed + b.indexed, a.deleted + b.deleted, a.conflicts + b.conflicts)
