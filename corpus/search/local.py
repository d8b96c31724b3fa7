"""The laptop's search index: SQLite FTS5 in a file beside the store, vectors searched with numpy.

No server to install: ``search: local`` (the default) keeps ``<store>.search.db`` next to a SQLite
store (``<home>/candor-search.db`` for any other store). Text search is FTS5 with the Porter
stemmer and BM25; kNN is exact brute force over every thread vector (a float32 matrix held in
memory and re-read when the index changes). A search runs the full-text match once; its filters,
facet counts and best post per thread are numpy work over the documents' columns
(:mod:`corpus.search.columns`, also re-read when the index changes); the counts metrics need are
SQL ``GROUP BY`` queries.

Where it stops scaling (``benchmarks/search.py``, 2 cores, see ``benchmarks/report.md``): at 10k
posts every query takes tens of milliseconds; at 100k posts (12k threads) full text is ~140 ms
p50 / ~290 ms p95, because FTS5 ranks every match (BM25 of each matching post is what is left of
a studio search, ``benchmarks/studio.py``: facets in SQL made it 5× slower), and hybrid ~400 ms.
Brute-force kNN is exact and grows linearly (~20 ms for 12k thread vectors; a million vectors
would need 1.5 GB of RAM). SQLite also allows one writer at a time. Beyond ~100k posts, for
concurrent users or more than one machine, use Elasticsearch.
"""

from __future__ import annotations

import html
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import InputError
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
from corpus.search.columns import Columns

SCHEMA_VERSION = "local.v1"
_OPEN, _CLOSE = "\x02", "\x03"
_DROP_TEXT = "DELETE FROM docs_fts WHERE rowid IN (SELECT rowid FROM docs WHERE doc_id = ?)"
_WORD = re.compile(r"\w+", re.UNICODE)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    thread_key TEXT NOT NULL,
    thread_id INTEGER NOT NULL,
    post_id INTEGER NOT NULL,
    post_number INTEGER NOT NULL,
    venue TEXT NOT NULL,
    url TEXT NOT NULL,
    author TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    thread_created_at TEXT NOT NULL,
    is_head INTEGER NOT NULL,
    products TEXT NOT NULL,
    categories TEXT NOT NULL,
    signals TEXT NOT NULL,
    admission INTEGER NOT NULL,
    resolved INTEGER NOT NULL,
    staff_involved INTEGER NOT NULL,
    thread_version TEXT NOT NULL,
    stamp INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_thread ON docs (thread_key);
CREATE INDEX IF NOT EXISTS docs_head ON docs (is_head, thread_key);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    text, tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS vectors (
    thread_key TEXT PRIMARY KEY,
    rowid_head INTEGER NOT NULL,
    vector BLOB NOT NULL
);
"""


def _iso(moment: datetime) -> str:
    """UTC timestamps in one fixed format, so that strings compare like dates."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


class IndexNotBuilt(InputError):
    """A search before the first ``candor index``."""


class LocalIndex(SearchIndex):
    """The index in one SQLite file at ``path``; see the module docstring.

    Example::

        index = LocalIndex(Path("candor.search.db"))
        index.init()
        index.search("linked device", Filters(products=("signal-desktop",)))
    """

    kind = "local"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db: sqlite3.Connection | None = None
        self._matrix: tuple[int, list[str], list[tuple[int, int, str]], np.ndarray] | None = None
        self._columns_cache: tuple[int, Columns] | None = None
        self._built = False

    # -- connection and schema

    def _connect(self, path: Path) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Rollback journal, not WAL: rebuild() swaps the file, and a WAL file would outlive it.
        db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def _require_built(self) -> None:
        """Reading an index nobody has built yet: say what to run, not "no such table"."""
        if not self._built:
            self._built = (
                self.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'docs_fts'").fetchone()
                is not None
            )
        if not self._built:
            raise IndexNotBuilt(
                f"{self.path}: the search index is not built yet: run `candor index`"
            )

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self._connect(self.path)
        return self._db

    def _reopen_if_swapped(self) -> None:
        """A rebuild by another process replaced the file: read the new one."""
        if self._db is not None and self.path.exists():
            inode = self.path.stat().st_ino
            if getattr(self, "_inode", inode) != inode:
                self._db.close()
                self._db, self._matrix, self._columns_cache = None, None, None
            self._inode = inode

    @staticmethod
    def _create(db: sqlite3.Connection) -> None:
        db.executescript(_SCHEMA)
        db.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema', ?), ('generation', '0')",
            (SCHEMA_VERSION,),
        )

    def init(self) -> dict[str, Any]:
        created = not self.path.exists()
        self._create(self.db)
        self._inode = self.path.stat().st_ino
        return {"kind": self.kind, "name": str(self.path), "created": created, "stemming": True}

    def needs_rebuild(self) -> bool:
        if not self.path.exists():
            return True
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        return row is None or row[0] != SCHEMA_VERSION

    def drop(self) -> None:
        self.close()
        for suffix in ("", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db, self._matrix, self._columns_cache = None, None, None

    # -- writes

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")

    def _write(
        self, db: sqlite3.Connection, threads: Iterable[ThreadDocs], stamp: int
    ) -> WriteCounts:
        indexed = deleted = conflicts = 0
        for thread in threads:
            newest = db.execute(
                "SELECT max(stamp) FROM docs WHERE thread_key = ?", (thread.thread_key,)
            ).fetchone()[0]
            if newest is not None and newest > stamp:
                conflicts += len(thread.docs)
                continue
            deleted += self._delete(db, thread.thread_key, keep={d.doc_id for d in thread.docs})
            for doc in thread.docs:
                db.execute(_DROP_TEXT, (doc.doc_id,))
                cursor = db.execute(
                    "INSERT INTO docs (doc_id, thread_key, thread_id, post_id, post_number, venue,"
                    " url, author, role, created_at, thread_created_at, is_head, products,"
                    " categories, signals, admission, resolved, staff_involved, thread_version,"
                    " stamp) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (doc_id) DO UPDATE SET thread_key = excluded.thread_key,"
                    " thread_id = excluded.thread_id, post_id = excluded.post_id,"
                    " post_number = excluded.post_number, venue = excluded.venue,"
                    " url = excluded.url, author = excluded.author, role = excluded.role,"
                    " created_at = excluded.created_at,"
                    " thread_created_at = excluded.thread_created_at, is_head = excluded.is_head,"
                    " products = excluded.products, categories = excluded.categories,"
                    " signals = excluded.signals, admission = excluded.admission,"
                    " resolved = excluded.resolved, staff_involved = excluded.staff_involved,"
                    " thread_version = excluded.thread_version, stamp = excluded.stamp"
                    " RETURNING rowid",
                    (
                        doc.doc_id, doc.thread_key, doc.thread_id, doc.post_id, doc.post_number,
                        doc.venue, doc.url, doc.author, doc.role, _iso(doc.created_at),
                        _iso(doc.thread_created_at), int(doc.is_head), json.dumps(doc.products),
                        json.dumps(doc.categories), json.dumps(doc.signals), int(doc.admission),
                        int(doc.resolved), int(doc.staff_involved), thread.version, stamp,
                    ),
                )  # fmt: skip
                rowid = cursor.fetchone()[0]
                db.execute("INSERT INTO docs_fts (rowid, text) VALUES (?, ?)", (rowid, doc.text))
                if doc.is_head and doc.vector is not None:
                    db.execute(
                        "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                        (doc.thread_key, rowid, unit_vector(doc.vector).tobytes()),
                    )
                elif doc.is_head:
                    db.execute("DELETE FROM vectors WHERE thread_key = ?", (doc.thread_key,))
                indexed += 1
        self._bump(db)
        return WriteCounts(indexed, deleted, conflicts)

    def _delete(self, db: sqlite3.Connection, thread_key: str, keep: set[str]) -> int:
        stale = [
            (rowid,)
            for rowid, doc_id in db.execute(
                "SELECT rowid, doc_id FROM docs WHERE thread_key = ?", (thread_key,)
            )
            if doc_id not in keep
        ]
        db.executemany("DELETE FROM docs_fts WHERE rowid = ?", stale)
        db.executemany("DELETE FROM docs WHERE rowid = ?", stale)
        if not keep:
            db.execute("DELETE FROM vectors WHERE thread_key = ?", (thread_key,))
        return len(stale)

    def replace_threads(self, threads: Sequence[ThreadDocs], stamp: int) -> WriteCounts:
        with _transaction(self.db) as db:
            return self._write(db, threads, stamp)

    def delete_threads(self, thread_keys: Sequence[str]) -> int:
        with _transaction(self.db) as db:
            deleted = sum(self._delete(db, key, keep=set()) for key in thread_keys)
            self._bump(db)
        return deleted

    def rebuild(self, threads: Iterable[ThreadDocs], stamp: int) -> WriteCounts:
        fresh = self.path.with_name(self.path.name + ".rebuild")
        fresh.unlink(missing_ok=True)
        db = self._connect(fresh)
        try:
            self._create(db)
            with _transaction(db):
                counts = self._write(db, threads, stamp)
        finally:
            db.close()
        self.close()
        os.replace(fresh, self.path)  # atomic: readers see the old file or the new one
        self.init()
        return counts

    def refresh(self) -> None:
        """Writes are visible once committed; nothing to do."""

    # -- reads

    def versions(self) -> dict[str, str]:
        self._reopen_if_swapped()
        return dict(
            self.db.execute("SELECT thread_key, thread_version FROM docs WHERE is_head = 1")
        )

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def search(
        self,
        text: str,
        filters: Filters = NO_FILTERS,
        size: int = 10,
        per_thread: bool = False,
        facets: bool = False,
    ) -> SearchResult:
        self._reopen_if_swapped()
        self._require_built()
        match = _fts_query(text)
        if not match:
            return SearchResult([], 0, {})
        # One full-text pass (BM25 of every match); filters, grouping and facets use columns.
        cursor = self.db.execute(
            "SELECT rowid, bm25(docs_fts) FROM docs_fts WHERE docs_fts MATCH ?", (match,)
        )
        found = np.fromiter(chain.from_iterable(cursor), dtype=np.float64).reshape(-1, 2)
        columns = self._columns()
        rowids = found[:, 0].astype(np.int64)
        positions, known = columns.locate(rowids)
        ranks = found[known, 1]
        allowed = columns.allowed(filters)[positions]
        positions, ranks = positions[allowed], ranks[allowed]
        if per_thread:
            best = columns.best_per_thread(positions, ranks)
            total = len(best)
        else:
            best = np.lexsort((columns.rowids[positions], ranks))
            total = len(positions)
        hits = []
        for i in best[:size]:
            doc_id, key, thread_id, post_id, url, snip = self.db.execute(
                "SELECT docs.doc_id, docs.thread_key, docs.thread_id, docs.post_id, docs.url, "
                f"snippet(docs_fts, 0, '{_OPEN}', '{_CLOSE}', '…', 24) FROM docs_fts "
                "JOIN docs ON docs.rowid = docs_fts.rowid "
                "WHERE docs_fts MATCH ? AND docs.rowid = ?",
                (match, int(columns.rowids[positions[i]])),
            ).fetchone()
            hits.append(Hit(doc_id, key, thread_id, post_id, -float(ranks[i]), url, (_safe(snip),)))
        counted = columns.facets(positions) if facets else {}
        return SearchResult(hits, total, counted)

    def _generation(self) -> int:
        """Bumped by every write: what the in-memory columns and vectors are cached by."""
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def _columns(self) -> Columns:
        generation = self._generation()
        if self._columns_cache is None or self._columns_cache[0] != generation:
            self._columns_cache = (generation, Columns.load(self.db))
        return self._columns_cache[1]

    def _vectors(self) -> tuple[list[str], list[tuple[int, int, str]], np.ndarray]:
        generation = self._generation()
        if self._matrix is None or self._matrix[0] != generation:
            rows = self.db.execute(
                "SELECT v.thread_key, d.thread_id, d.post_id, d.doc_id, d.url, v.vector "
                "FROM vectors v JOIN docs d ON d.rowid = v.rowid_head ORDER BY v.thread_key"
            ).fetchall()
            keys = [r[0] for r in rows]
            meta = [(r[1], r[2], f"{r[3]}\x00{r[4]}") for r in rows]
            matrix = (
                np.frombuffer(b"".join(r[5] for r in rows), dtype=np.float32).reshape(-1, DIMS)
                if rows
                else np.zeros((0, DIMS), dtype=np.float32)
            )
            self._matrix = (generation, keys, meta, matrix)
        return self._matrix[1], self._matrix[2], self._matrix[3]

    def knn(
        self,
        vector: Sequence[float] | np.ndarray,
        filters: Filters = NO_FILTERS,
        size: int = 10,
        exclude: Sequence[str] = (),
    ) -> list[Hit]:
        self._reopen_if_swapped()
        self._require_built()
        query = unit_vector(vector)
        keys, meta, matrix = self._vectors()
        if not keys:
            return []
        scores = matrix @ query
        allowed = np.ones(len(keys), dtype=bool)
        if filters != NO_FILTERS or exclude:
            where, params = _where(filters)
            ok = {
                key
                for (key,) in self.db.execute(
                    f"SELECT thread_key FROM docs WHERE is_head = 1 AND {where}", params
                )
            } - set(exclude)
            allowed = np.fromiter((k in ok for k in keys), dtype=bool, count=len(keys))
        candidates = np.flatnonzero(allowed)
        if candidates.size == 0:
            return []
        top = candidates[np.argsort(-scores[candidates], kind="stable")[:size]]
        hits = []
        for i in top:
            thread_id, post_id, packed = meta[i]
            doc_id, url = packed.split("\x00", 1)
            hits.append(Hit(doc_id, keys[i], thread_id, post_id, (1 + float(scores[i])) / 2, url))
        return hits

    def thread_vector(self, thread_key: str) -> np.ndarray | None:
        self._require_built()
        row = self.db.execute(
            "SELECT vector FROM vectors WHERE thread_key = ?", (thread_key,)
        ).fetchone()
        return np.frombuffer(row[0], dtype=np.float32).copy() if row else None

    def counts(
        self, group_by: Sequence[str], filters: Filters = NO_FILTERS, unit: str = "threads"
    ) -> dict[tuple[str, ...], int]:
        unknown = [g for g in group_by if g not in GROUPS]
        if unknown or unit not in ("threads", "posts"):
            raise ValueError(f"cannot group by {unknown} or count {unit!r}; groups: {GROUPS}")
        where, params = _where(filters)
        if unit == "threads":
            where += " AND d.is_head = 1"
        joins, columns = [], []
        for n, group in enumerate(group_by):
            if group in ("product", "category"):
                column = "products" if group == "product" else "categories"
                joins.append(f"json_each(d.{column}) j{n}")
                columns.append(f"j{n}.value")
            elif group == "week":
                day = "d.thread_created_at" if unit == "threads" else "d.created_at"
                columns.append(f"date(substr({day}, 1, 10), 'weekday 0', '-6 days')")
            else:
                columns.append(f"d.{group}")
        sql = (
            f"SELECT {''.join(c + ', ' for c in columns)}count(*) FROM docs d"
            + "".join(f", {j}" for j in joins)
            + f" WHERE {where.replace('docs.', 'd.')}"
            + (f" GROUP BY {', '.join(columns)}" if columns else "")
        )
        return {
            tuple(str(v) for v in row[:-1]): int(row[-1]) for row in self.db.execute(sql, params)
        }

    def top_contributors(
        self,
        filters: Filters = NO_FILTERS,
        size: int = 10,
        roles: Sequence[str] = ("community", "staff"),
    ) -> list[tuple[str, int, int]]:
        where, params = _where(filters)
        marks = ",".join("?" * len(roles))
        rows = self.db.execute(
            "SELECT author, count(*) AS posts, count(DISTINCT thread_key) FROM docs "
            f"WHERE {where} AND post_number > 1 AND role IN ({marks}) "
            "GROUP BY author ORDER BY posts DESC, author LIMIT ?",
            [*params, *roles, size],
        ).fetchall()
        return [(a, int(p), int(t)) for a, p, t in rows]


class _transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back if the block raises)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")


def _fts_query(text: str) -> str:
    """User text → an FTS5 query matching any of its words (like Elasticsearch's ``match``)."""
    return " OR ".join(f'"{word}"' for word in _WORD.findall(text.lower()))


def _safe(snippet: str) -> str:
    """A snippet as HTML-safe text with the matches in ``<em>``."""
    return html.escape(snippet).replace(_OPEN, "<em>").replace(_CLOSE, "</em>")


def _where(filters: Filters) -> tuple[str, list[Any]]:
    """``filters`` as an SQL condition on the ``docs`` table and its parameters."""
    clauses, params = ["1 = 1"], []
    for column, values in (("venue", filters.venues), ("role", filters.roles)):
        if values:
            clauses.append(f"docs.{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    for column, values in (("products", filters.products), ("categories", filters.categories)):
        if values:
            clauses.append(
                f"EXISTS (SELECT 1 FROM json_each(docs.{column}) "
                f"WHERE value IN ({','.join('?' * len(values))}))"
            )
            params.extend(values)
    for column in ("admission", "resolved", "staff_involved"):
        value = getattr(filters, column)
        if value is not None:
            clauses.append(f"docs.{column} = ?")
            params.append(int(value))
    if filters.since:
        clauses.append("docs.created_at >= ?")
        params.append(_iso(filters.since))
    if filters.until:
        clauses.append("docs.created_at < ?")
        params.append(_iso(filters.until))
    return " AND ".join(clauses), params
