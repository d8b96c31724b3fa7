"""The local index's documents as numpy columns: filters, facets and grouping by thread in memory.

FTS5 answers which posts match a text and how well (BM25). Everything else a search asks — the
filters, how many threads match, the facet counts, the best post of each thread — is computed
here, over columns read from the ``docs`` table once per index generation (so again after every
write). Before, each facet re-ran the full-text match in a SQL ``GROUP BY``: eleven matches per
search page, over a second at 100k posts (``benchmarks/studio.py``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from corpus.search.base import Filters

SINGLE = ("venue", "role")
LISTS = {"product": "products", "category": "categories", "signal": "signals"}
FLAGS = ("admission", "resolved", "staff_involved")


@dataclass(frozen=True)
class Labelled:
    """A one-value-per-document column: ``codes[i]`` indexes ``labels``."""

    labels: list[str]
    codes: np.ndarray

    @classmethod
    def of(cls, values: list[str]) -> Labelled:
        labels, codes = np.unique(np.array(values, dtype=object), return_inverse=True)
        return cls([str(v) for v in labels], codes.astype(np.int32))

    def isin(self, wanted: tuple[str, ...]) -> np.ndarray:
        known = [self.labels.index(v) for v in wanted if v in self.labels]
        return np.isin(self.codes, known)

    def counts(self, positions: np.ndarray) -> dict[str, int]:
        found = np.bincount(self.codes[positions], minlength=len(self.labels))
        return {label: int(n) for label, n in zip(self.labels, found, strict=True) if n}


@dataclass(frozen=True)
class Columns:
    """Every indexed document (post) as one position in each array, in ``rowid`` order."""

    rowids: np.ndarray
    thread: Labelled
    created: np.ndarray
    single: dict[str, Labelled]
    lists: dict[str, dict[str, np.ndarray]]
    """facet → value → which documents list it (a document may list several products)."""
    flags: dict[str, np.ndarray]

    @classmethod
    def load(cls, db: sqlite3.Connection) -> Columns:
        rows = db.execute(
            "SELECT rowid, thread_key, created_at, venue, role, products, categories, signals, "
            "admission, resolved, staff_involved FROM docs ORDER BY rowid"
        ).fetchall()
        columns = list(zip(*rows, strict=True)) if rows else [()] * 11
        lists: dict[str, dict[str, np.ndarray]] = {}
        for n, facet in enumerate(LISTS, start=5):
            values = [json.loads(v) for v in columns[n]]
            lists[facet] = {
                label: np.fromiter((label in v for v in values), dtype=bool, count=len(values))
                for label in sorted({label for v in values for label in v})
            }
        return cls(
            rowids=np.array(columns[0], dtype=np.int64),
            thread=Labelled.of(list(columns[1])),
            created=np.array(columns[2], dtype="datetime64[us]"),
            single={facet: Labelled.of(list(columns[n])) for n, facet in enumerate(SINGLE, 3)},
            lists=lists,
            flags={f: np.array(columns[n], dtype=bool) for n, f in enumerate(FLAGS, start=8)},
        )

    def locate(self, rowids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where ``rowids`` are in the columns, and which of them are (not: written since)."""
        if not len(self.rowids):
            return np.zeros(0, dtype=np.int64), np.zeros(len(rowids), dtype=bool)
        found = np.searchsorted(self.rowids, rowids).clip(0, len(self.rowids) - 1)
        known = self.rowids[found] == rowids
        return found[known], known

    def allowed(self, filters: Filters) -> np.ndarray:
        """Which documents ``filters`` lets through, as a boolean column."""
        keep = np.ones(len(self.rowids), dtype=bool)
        for facet, wanted in (("venue", filters.venues), ("role", filters.roles)):
            if wanted:
                keep &= self.single[facet].isin(wanted)
        for facet, wanted in (("product", filters.products), ("category", filters.categories)):
            if wanted:
                listed = self.lists[facet]
                keep &= np.logical_or.reduce(
                    [listed[v] for v in wanted if v in listed] or [np.zeros_like(keep)]
                )
        for flag in FLAGS:
            value = getattr(filters, flag)
            if value is not None:
                keep &= self.flags[flag] == value
        if filters.since:
            keep &= self.created >= _moment(filters.since)
        if filters.until:
            keep &= self.created < _moment(filters.until)
        return keep

    def facets(self, positions: np.ndarray) -> dict[str, dict[str, int]]:
        """Matching documents counted per value of each facet (values with none are left out)."""
        result = {facet: self.single[facet].counts(positions) for facet in SINGLE}
        for facet, listed in self.lists.items():
            counted = {label: int(np.count_nonzero(c[positions])) for label, c in listed.items()}
            result[facet] = {label: n for label, n in counted.items() if n}
        for flag in FLAGS:
            true = int(np.count_nonzero(self.flags[flag][positions]))
            counted = {"true": true, "false": len(positions) - true}
            result[flag] = {value: n for value, n in counted.items() if n}
        return result

    def best_per_thread(self, positions: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """Indexes into ``positions`` of each thread's best post (lowest rank, then rowid), best
        first."""
        order = np.lexsort((self.rowids[positions], ranks))
        _, first = np.unique(self.thread.codes[positions[order]], return_index=True)
        return order[np.sort(first)]


def _moment(moment: datetime) -> np.datetime64:
    return np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "us")
