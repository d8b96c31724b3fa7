"""Selection: rank each product's threads by what makes them honest proof, with the reasons.

A thread's score is the sum of named parts, each from an annotation whose evidence travels with
it: a staff admission of a mistake counts most (authenticity over happy talk), then a resolution,
gratitude, community helpers and staff involvement. Three settings shape the ranking: threads whose
parts sum below ``select.min_score`` (the quality bar), or that show none of the parts
``select.require_any`` names (a mistake owned or a problem solved), are never proposed, and with
``select.freshness_half_life_days`` set, a ``freshness`` part takes away half of a thread's quality
for every half-life since its last activity, so an equally good newer thread ranks first. The top
threads per product become
``Candidate`` rows; a thread that drops out, or was deleted at the source, is deactivated rather
than removed, because a curator's review of it must stay in the audit log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.errors import InputError
from corpus.settings import SelectConfig
from corpus.store import Store
from nlp.diversify import Choice, diversify

# v2: diversified (MMR, near-duplicates, quota, happy-talk cap); v3: category cap;
# v4: helpers weigh half, quality bar 2.5 (both chosen on the dev set's showcase labels);
# v5: select.require_any (an admission or a resolution)
SELECTOR = "candor.select.v5"
MAX_EXCERPT_POSTS = 4

# Weight of each part: (per occurrence, cap). Negative parts lower the score, down to their cap.
WEIGHTS: dict[str, tuple[float, float]] = {
    "admission": (3.0, 3.0),
    "resolved": (2.0, 2.0),
    "gratitude": (0.5, 1.5),
    # Halved (was 0.5, up to 1.5): on the dev set's showcase labels, threads worth showing had
    # hardly more distinct repliers than the rest (0.92 vs 0.88 points): +1s count too.
    "helpers": (0.25, 0.75),
    "staff_involved": (0.5, 0.5),
    "specificity": (0.25, 0.75),
    "happy_talk": (-1.0, -2.0),
    "toxicity": (-1.5, -3.0),  # per insulting, swearing, spam or political post (nlp.toxicity)
}
COUNTED = {"helpers", "specificity"}  # thread annotations whose value is a count
NOT_EXCERPTED = {"happy_talk", "specificity", "toxicity"}  # shown to curators, not to visitors


@dataclass
class ThreadEvidence:
    """What selection knows about one thread, gathered from its annotations."""

    thread_id: int
    products: list[str] = field(default_factory=list)
    counts: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    evidence: list[dict[str, Any]] = field(default_factory=list)
    last_activity: datetime | None = None
    category: str | None = None

    def score(
        self, today: date | None = None, half_life_days: float = 0.0
    ) -> tuple[float, dict[str, float]]:
        """The total and its named parts; ``freshness`` only with a half-life and ``today``."""
        parts = {
            name: round(_capped(per * self.counts.get(name, 0.0), cap), 3)
            for name, (per, cap) in WEIGHTS.items()
        }
        if today is not None and self.last_activity is not None:
            age = self.age_days(today)
            parts["freshness"] = freshness(sum(parts.values()), age, half_life_days)
        parts = {name: value for name, value in parts.items() if value}
        return round(sum(parts.values()), 3), parts

    def age_days(self, today: date) -> int:
        """Whole days since the last activity: the score changes once a day, not every run."""
        return max(0, (today - self.last_activity.date()).days) if self.last_activity else 0

    def freshness_evidence(self, today: date, half_life_days: float) -> dict[str, Any]:
        """What the ``freshness`` part rests on, for the candidate's explanation."""
        last = self.last_activity.date().isoformat() if self.last_activity else None
        return {
            "part": "freshness",
            "last_activity_at": last,
            "age_days": self.age_days(today),
            "half_life_days": half_life_days,
        }

    def excerpt_post_ids(self, opener_post_id: int | None) -> list[int]:
        """The opening post, then the posts that carry the score's evidence."""
        ids = [opener_post_id] if opener_post_id else []
        for item in self.evidence:
            if item["part"] in NOT_EXCERPTED:
                continue
            post_id = item.get("post_id")
            if post_id and post_id not in ids:
                ids.append(post_id)
        return ids[:MAX_EXCERPT_POSTS]


def _capped(value: float, cap: float) -> float:
    return max(cap, value) if cap < 0 else min(cap, value)


def freshness(quality: float, age_days: float, half_life_days: float) -> float:
    """The (negative) part that halves ``quality`` every ``half_life_days`` of age.

    Example: ``freshness(4.0, 365, 365) == -2.0``; a half-life of 0 turns decay off (0.0), and
    a score at or below zero is not decayed (it would rise towards zero).
    """
    if half_life_days <= 0 or quality <= 0 or age_days <= 0:
        return 0.0
    return round(quality * (0.5 ** (age_days / half_life_days) - 1), 3)


@dataclass(frozen=True)
class SelectReport:
    products: int
    candidates: int
    changed: int


def gather(session: Session) -> dict[int, ThreadEvidence]:
    """Every live thread's selection evidence."""
    # Columns, not ORM objects: an Annotation object per row cost most of a selection.
    rows = session.execute(
        select(m.Annotation.thread_id, m.Annotation.kind, m.Annotation.value, m.Annotation.evidence)
        .join(m.Thread, m.Thread.id == m.Annotation.thread_id)
        .where(
            m.Thread.deleted_at.is_(None),
            m.Annotation.kind.in_(["products", "category", *WEIGHTS]),
        )
    )
    threads: dict[int, ThreadEvidence] = {}
    for thread_id, kind, value, evidence in rows:
        t = threads.setdefault(thread_id, ThreadEvidence(thread_id))
        if kind == "products":
            t.products = [p["slug"] for p in value]
        elif kind == "category":
            t.category = value[0]["id"] if value else None
        elif kind == "helpers":
            t.counts["helpers"] = value["count"]
        elif kind in COUNTED:
            t.counts[kind] = float(value)
            t.evidence.extend({**e, "part": kind} for e in evidence if e.get("post_id"))
        elif value:
            t.counts[kind] += 1.0
            if kind != "staff_involved":
                t.evidence.extend({**e, "part": kind} for e in evidence if e.get("post_id"))
    return threads


def select_candidates(
    store: Store, config: SelectConfig, today: date | None = None
) -> SelectReport:
    """Propose the top threads of each product; idempotent (same corpus and day, same candidates).

    ``today`` (default: the current UTC date) is what thread ages are counted to.
    """
    check_required_parts(config)
    today = today or datetime.now(UTC).date()
    half_life = config.freshness_half_life_days
    with store.session() as session:
        threads = gather(session)
        for thread_id, created, active in session.execute(
            select(m.Thread.id, m.Thread.created_at, m.Thread.last_activity_at).where(
                m.Thread.deleted_at.is_(None)
            )
        ):
            if thread_id in threads:
                threads[thread_id].last_activity = active or created
        openers = dict(
            session.execute(
                select(m.Post.thread_id, m.Post.id).where(
                    m.Post.number == 1, m.Post.deleted_at.is_(None)
                )
            ).all()
        )
        products = session.scalars(select(m.Product)).all()
        changed = total = 0
        for product in products:
            ranked = sorted(
                (
                    (t.score(today, half_life), t)
                    for t in threads.values()
                    if product.slug in t.products
                ),
                key=lambda item: (-item[0][0], item[1].thread_id),
            )
            eligible = [(s, t) for s, t in ranked if clears_the_bar(*s, config)]
            chosen = _diversified(session, eligible, config)
            changed += _store_candidates(
                session, product, chosen, openers, lambda t: t.freshness_evidence(today, half_life)
            )
            total += len(chosen)
    return SelectReport(len(products), total, changed)


def check_required_parts(config: SelectConfig) -> None:
    """Refuse a ``select.require_any`` part no score has: a misspelt part would silently
    leave every product page empty."""
    unknown = [part for part in config.require_any if part not in WEIGHTS]
    if unknown:
        raise InputError(
            f"select.require_any: {', '.join(map(repr, unknown))} is not a score part "
            f"(choose from {', '.join(sorted(WEIGHTS))})"
        )


def clears_the_bar(total: float, parts: dict[str, float], config: SelectConfig) -> bool:
    """Whether a thread may be proposed: its parts sum to the quality bar before its age is
    counted, and it shows one of the parts ``select.require_any`` names."""
    quality = total - parts.get("freshness", 0.0)
    required = not config.require_any or any(parts.get(p, 0.0) > 0 for p in config.require_any)
    return quality >= config.min_score and required


POOL_FACTOR = 5
"""Diversification looks at this many times ``per_product`` of the best threads."""


def _diversified(
    session: Session,
    eligible: list[tuple[tuple[float, dict[str, float]], ThreadEvidence]],
    config: SelectConfig,
) -> list[tuple[tuple[float, dict[str, float]], ThreadEvidence]]:
    """The eligible threads diversified (:mod:`nlp.diversify`), in page order."""
    pool = eligible[: config.per_product * POOL_FACTOR]
    ids = [t.thread_id for _, t in pool]
    vectors = {
        subject_id: np.frombuffer(raw, dtype=np.float32)
        for subject_id, raw in session.execute(
            select(m.Embedding.subject_id, m.Embedding.vector).where(
                m.Embedding.subject == "thread", m.Embedding.subject_id.in_(ids)
            )
        )
    }
    by_id = {t.thread_id: (s, t) for s, t in pool}
    picked = diversify(
        [
            Choice(
                t.thread_id,
                s[0],
                t.counts.get("admission", 0) > 0,
                "happy_talk" in s[1],
                t.category,
            )
            for s, t in pool
        ],
        vectors,
        config.per_product,
        config.mmr_lambda,
        config.duplicate_similarity,
        config.admission_quota,
        config.happy_talk_cap,
        config.category_cap,
    )
    return [by_id[c.thread_id] for c in picked]


def _store_candidates(
    session: Session,
    product: m.Product,
    chosen: list[tuple[tuple[float, dict[str, float]], ThreadEvidence]],
    openers: dict[int, int],
    aged: Callable[[ThreadEvidence], dict[str, Any]],
) -> int:
    """Upsert the product's candidates; deactivate those no longer chosen. Returns changes.

    ``aged`` gives the evidence of a thread's ``freshness`` part, stored when the part is.
    """
    existing = {
        c.thread_id: c
        for c in session.scalars(select(m.Candidate).where(m.Candidate.product_id == product.id))
    }
    changed = 0
    for rank, ((score, parts), t) in enumerate(chosen, start=1):
        row = existing.pop(t.thread_id, None)
        values = {
            "rank": rank,
            "score": score,
            "parts": parts,
            "evidence": t.evidence + ([aged(t)] if "freshness" in parts else []),
            "excerpt_post_ids": t.excerpt_post_ids(openers.get(t.thread_id)),
            "selector": SELECTOR,
            "active": True,
        }
        if row is None:
            session.add(m.Candidate(product_id=product.id, thread_id=t.thread_id, **values))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed += 1
    for row in existing.values():
        if row.active:
            row.active = False
            changed += 1
    return changed
