"""Dated metric snapshots: what the corpus shows per product at one moment, kept over time.

:func:`snapshot_products` counts, per configured product, from the enrichment's annotations:

    threads     live threads linked to the product (the thread's ``products`` annotation)
    resolved    of those, threads judged resolved (``resolved`` is true)
    admissions  staff admissions of a mistake in those threads (``admission`` post annotations)
    gratitude   expressions of thanks in those threads (``gratitude`` post annotations)

Each figure is stored as a :class:`~corpus.models.MetricSnapshot` (scope ``product``, key the
product's slug) dated ``taken_at``. Taking a snapshot again for the same ``taken_at`` replaces
it, so a retried or backfilled scheduler run writes the same rows once.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import delete, func, select

from corpus import models as m
from corpus.store import Store

PRODUCT_SCOPE = "product"


def snapshot_products(store: Store, taken_at: datetime) -> dict[str, dict[str, int]]:
    """Write one snapshot per product dated ``taken_at``; returns ``{slug: metrics}``.

    store (Store): the corpus, enriched (threads without annotations count for nothing).
    taken_at (datetime): the moment the figures describe, timezone-aware; a scheduler passes
        the end of its data interval.
    """
    with store.session() as session:
        live = set(session.scalars(select(m.Thread.id).where(m.Thread.deleted_at.is_(None))))

        def thread_values(kind: str) -> list[tuple[int, object]]:
            rows = session.execute(
                select(m.Annotation.thread_id, m.Annotation.value).where(
                    m.Annotation.subject == "thread", m.Annotation.kind == kind
                )
            )
            return [(t, v) for t, v in rows if t in live]

        def per_thread(kind: str) -> Counter[int]:
            rows = session.execute(
                select(m.Annotation.thread_id, func.count())
                .where(m.Annotation.subject == "post", m.Annotation.kind == kind)
                .group_by(m.Annotation.thread_id)
            )
            return Counter({t: n for t, n in rows if t in live})

        resolved = {t for t, v in thread_values("resolved") if v is True}
        admissions, gratitude = per_thread("admission"), per_thread("gratitude")
        threads_of: dict[str, set[int]] = {}
        for thread_id, links in thread_values("products"):
            for link in links if isinstance(links, list) else []:
                threads_of.setdefault(link["slug"], set()).add(thread_id)

        figures: dict[str, dict[str, int]] = {}
        for slug in session.scalars(select(m.Product.slug).order_by(m.Product.slug)):
            threads = threads_of.get(slug, set())
            figures[slug] = {
                "threads": len(threads),
                "resolved": len(threads & resolved),
                "admissions": sum(admissions[t] for t in threads),
                "gratitude": sum(gratitude[t] for t in threads),
            }
        session.execute(
            delete(m.MetricSnapshot).where(
                m.MetricSnapshot.scope == PRODUCT_SCOPE, m.MetricSnapshot.taken_at == taken_at
            )
        )
        session.add_all(
            m.MetricSnapshot(taken_at=taken_at, scope=PRODUCT_SCOPE, key=slug, metrics=metrics)
            for slug, metrics in figures.items()
        )
    return figures
