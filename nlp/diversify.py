"""Diversified selection: the best threads for a page, not ten copies of the best one.

:func:`diversify` picks threads greedily by maximal marginal relevance (MMR) over thread
embeddings: at each step the thread maximising ``λ·relevance − (1−λ)·max cosine to those already
picked`` (relevance is the score divided by the best score). Around it:

- **near-duplicates** (cosine to an already picked thread ≥ ``duplicate_similarity``) are
  suppressed: the same question asked ten times shows once;
- the **admission quota**: among the first ``k`` picks at least ``round(quota·k)`` show staff
  owning a mistake, while such threads remain;
- the **happy-talk cap**: among the first ``k`` picks at most ``floor(cap·k)`` carry promotional
  language; others are skipped rather than let in;
- the **category cap**: among the first ``k`` picks at most ``max(1, floor(cap·k))`` share a
  taxonomy category, while threads of another category remain. Unlike happy talk this is a
  preference, not a bar: a forum whose best threads are all beta feedback still fills the page.

Threads without a vector are never duplicates and add no similarity. Settings:
``select.mmr_lambda``, ``select.duplicate_similarity``, ``select.admission_quota``,
``select.happy_talk_cap``, ``select.category_cap``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Choice:
    """What diversification needs to know of one thread."""

    thread_id: int
    score: float
    admission: bool = False
    happy_talk: bool = False
    category: str | None = None


def diversify(
    items: Sequence[Choice],
    vectors: dict[int, np.ndarray],
    size: int,
    mmr_lambda: float = 0.7,
    duplicate_similarity: float = 0.92,
    admission_quota: float = 0.0,
    happy_talk_cap: float = 1.0,
    category_cap: float = 1.0,
) -> list[Choice]:
    """Up to ``size`` of ``items`` (best score first), in page order; see the module docstring.

    Example: two near-identical threads and a third about something else, ``size=2``: the best
    one and the different one are chosen, the copy is suppressed.
    """
    if not items or size <= 0:
        return []
    best = max(item.score for item in items) or 1.0
    units = {tid: v / (np.linalg.norm(v) or 1.0) for tid, v in vectors.items()}
    remaining = list(items)
    picked: list[Choice] = []
    closest = {item.thread_id: 0.0 for item in items}  # max cosine to anything picked
    while remaining and len(picked) < size:
        k = len(picked) + 1
        admissions = sum(p.admission for p in picked)
        happy = sum(p.happy_talk for p in picked)
        pool = [
            r for r in remaining if not r.happy_talk or happy + 1 <= math.floor(happy_talk_cap * k)
        ]
        if admissions < round(admission_quota * k) and any(r.admission for r in pool):
            pool = [r for r in pool if r.admission]
        pool = _under_category_cap(pool, picked, max(1, math.floor(category_cap * k)))
        if not pool:
            break
        choice = max(
            pool,
            key=lambda r: (
                mmr_lambda * r.score / best - (1 - mmr_lambda) * closest[r.thread_id],
                r.score,
                -r.thread_id,
            ),
        )
        picked.append(choice)
        remaining.remove(choice)
        vector = units.get(choice.thread_id)
        if vector is None:
            continue
        kept = []
        for r in remaining:
            other = units.get(r.thread_id)
            if other is None:
                kept.append(r)
                continue
            similarity = float(other @ vector)
            if similarity >= duplicate_similarity:
                continue  # a near-duplicate of a picked thread
            closest[r.thread_id] = max(closest[r.thread_id], similarity)
            kept.append(r)
        remaining = kept
    return picked


def _under_category_cap(pool: list[Choice], picked: list[Choice], limit: int) -> list[Choice]:
    """The pool without threads whose category already has ``limit`` picks — unless that
    would leave nothing, for the cap is a preference."""
    counts = Counter(p.category for p in picked if p.category is not None)
    under = [r for r in pool if r.category is None or counts[r.category] < limit]
    return under or pool
