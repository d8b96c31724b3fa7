"""Scenarios of every product, from the corpus: stored thread vectors in, named scenarios out.

Reads each live thread's embedding (subject ``thread``), title and opening post, groups them by
the products enrichment linked, and hands them to :mod:`nlp.scenarios`; then applies the
curators' renames and merges (:mod:`candor.plan.edits`). A thread linked to two products is in
a scenario of each.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from candor.plan.edits import apply_edits, load_edits
from candor.plan.threads import PlanThread, post_texts
from corpus import models as m
from corpus.settings import Settings
from nlp.classify import thread_text
from nlp.scenarios import Cluster, Scenario, cluster_threads, name_scenarios


def product_words(settings: Settings) -> frozenset[str]:
    """Words of the products' names and aliases: they name the product, not a situation."""
    names = [p.name for p in settings.products] + [a for p in settings.products for a in p.aliases]
    return frozenset(w for name in names for w in re.findall(r"[a-z]+", name.lower()))


def thread_vectors(session: Session, thread_ids: list[int]) -> dict[int, np.ndarray]:
    """Thread id → its stored embedding, for the threads that have one."""
    rows = session.execute(
        select(m.Embedding.subject_id, m.Embedding.vector).where(m.Embedding.subject == "thread")
    )
    wanted = set(thread_ids)
    return {i: np.frombuffer(raw, dtype=np.float32) for i, raw in rows if i in wanted}


def discover(
    session: Session, settings: Settings, threads: Mapping[int, PlanThread]
) -> tuple[list[Scenario], list[str]]:
    """Every product's scenarios (edits applied) and the edits that matched no scenario."""
    vectors = thread_vectors(session, list(threads))
    openers = post_texts(session, [t.opener.id for t in threads.values() if t.opener])
    texts = {
        t.id: thread_text(t.title, openers.get(t.opener.id, "") if t.opener else "")
        for t in threads.values()
    }
    config = settings.plan
    clusters: dict[str, list[Cluster]] = {}
    for product in settings.products:
        ids = [
            t.id for t in threads.values() if product.slug in t.facts.products and t.id in vectors
        ]
        if ids:
            clusters[product.slug] = cluster_threads(
                ids,
                np.stack([vectors[i] for i in ids]),
                seed=config.seed,
                max_clusters=config.max_scenarios,
                min_threads=config.min_scenario_threads,
            )
    categories = {t.id: t.category for t in threads.values()}
    scenarios = name_scenarios(clusters, texts, categories, product_words(settings))
    return apply_edits(scenarios, load_edits(config.scenarios_file), categories)
