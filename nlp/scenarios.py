"""Scenarios: the recurring situations customers talk about, found per product.

A product's threads are clustered on their stored embeddings (enrichment embeds each thread's
title and opening post, subject ``thread`` in ``embeddings``) with k-means, the number of clusters
chosen by silhouette (cosine) among those whose every cluster holds at least
``plan.min_scenario_threads`` threads; ``plan.seed`` fixes the result. Each cluster is named by
its key phrases: class-based TF-IDF (c-TF-IDF) of one- and two-word phrases over the titles and
openers, computed over the clusters of every product at once, so words every product's threads
share (and the products' own names, and words any support thread uses) do not name a scenario.
Each scenario is mapped to the taxonomy category most of its threads carry, with that share as
the evidence.

Clustering reads vectors already stored; it loads no model. Settings: ``plan.seed``,
``plan.max_scenarios``, ``plan.min_scenario_threads``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from corpus.settings import slugify

PLACEHOLDER = re.compile(r"\[[a-z]+\]")
PHRASES_PER_LABEL = 2
KEY_PHRASES = 6
# scikit-learn's English list holds words that name situations in a messaging forum.
STOP_WORDS = ENGLISH_STOP_WORDS - {"call", "computer", "system", "empty", "full", "move", "fire"}
# Words any support thread uses, whatever it is about: they never name a situation.
FORUM_WORDS = frozenset(
    [
        "able",
        "add",
        "app",
        "apps",
        "application",
        "currently",
        "does",
        "doesn",
        "don",
        "fine",
        "gets",
        "good",
        "got",
        "great",
        "hello",
        "help",
        "hey",
        "hi",
        "issue",
        "issues",
        "know",
        "like",
        "love",
        "make",
        "maybe",
        "need",
        "new",
        "nice",
        "option",
        "people",
        "possible",
        "problem",
        "problems",
        "really",
        "thank",
        "thanks",
        "thing",
        "things",
        "think",
        "time",
        "tried",
        "trying",
        "use",
        "used",
        "user",
        "users",
        "using",
        "version",
        "want",
        "way",
        "work",
        "working",
        "works",
    ]
)


@dataclass(frozen=True)
class Cluster:
    """Threads of one product that talk about the same situation."""

    thread_ids: tuple[int, ...]
    representative: tuple[int, ...]
    """Thread ids nearest the cluster's centre, nearest first (at most three)."""


@dataclass(frozen=True)
class Scenario:
    """A named cluster: ``id`` is unique within its product and derives from the label."""

    product: str
    id: str
    label: str
    phrases: tuple[tuple[str, float], ...]
    thread_ids: tuple[int, ...]
    representative: tuple[int, ...]
    category: str | None
    category_share: float

    @property
    def key(self) -> str:
        """``product/id``: how commands and the renames file name a scenario."""
        return f"{self.product}/{self.id}"


def cluster_threads(
    thread_ids: Sequence[int],
    vectors: np.ndarray,
    *,
    seed: int,
    max_clusters: int,
    min_threads: int,
) -> list[Cluster]:
    """Cluster one product's threads; largest cluster first.

    thread_ids (Sequence[int]): the threads, in the order of ``vectors``' rows.
    vectors (np.ndarray): their unit-length embeddings (rows).
    seed (int): k-means seed; the same seed and input give the same clusters.
    max_clusters (int): the most clusters tried.
    min_threads (int): every cluster of an accepted clustering holds at least this many.
    RETURNS (list[Cluster]): one cluster when no clustering into two or more qualifies.
    """
    ids = np.asarray(thread_ids)
    order = np.argsort(ids, kind="stable")  # input order must not change the result
    ids, data = ids[order], np.asarray(vectors, dtype=np.float64)[order]
    labels = np.zeros(len(ids), dtype=int)
    best = -1.0
    # One BLAS/OpenMP thread: on a busy 2-core machine, k-means' thread pool made it 30× slower
    # (17.8 s against 0.6 s for 383 threads, k = 2…8, measured side by side).
    with threadpool_limits(limits=1):
        # A silhouette is defined for 2 to n - 1 clusters: some cluster must hold two threads.
        most = min(max_clusters, len(ids) // max(min_threads, 1), len(ids) - 1)
        for k in range(2, most + 1):
            found = KMeans(n_clusters=k, random_state=seed, n_init=10).fit_predict(data)
            if np.bincount(found, minlength=k).min() < min_threads:
                continue
            quality = float(silhouette_score(data, found, metric="cosine"))
            if quality > best:
                best, labels = quality, found
    clusters = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        centre = data[members].mean(axis=0)
        nearest = members[np.argsort(-(data[members] @ centre), kind="stable")][:3]
        clusters.append(
            Cluster(tuple(int(i) for i in ids[members]), tuple(int(i) for i in ids[nearest]))
        )
    return sorted(clusters, key=lambda c: (-len(c.thread_ids), c.thread_ids[0]))


def key_phrases(
    clusters: Sequence[Sequence[str]], stop_words: frozenset[str] = frozenset()
) -> list[list[tuple[str, float]]]:
    """The key phrases of each cluster of texts (one text per thread), best first.

    Class-based TF-IDF on presence: a phrase's weight in a cluster is the share of the cluster's
    threads that use it times ``log(N / n)``, where ``N`` counts all threads and ``n`` those
    using the phrase anywhere. A phrase needs two threads of the cluster (one in a cluster of
    one); a phrase sharing a word (or its plural) with a better one is skipped.

    Example::

        key_phrases([["qr code scan", "qr code fails"], ["voice call echo", "call drops"]])
        # [[("qr code", 0.69), …], [("call", 0.69)]]
    """
    texts = [PLACEHOLDER.sub(" ", text) for cluster in clusters for text in cluster]
    owner = np.repeat(np.arange(len(clusters)), [len(c) for c in clusters])
    vectorizer = CountVectorizer(
        ngram_range=(1, 2),
        stop_words=sorted(STOP_WORDS | FORUM_WORDS | stop_words),
        token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b",
        binary=True,
    )
    try:
        present = vectorizer.fit_transform(texts).toarray()
    except ValueError:  # no phrase at all (empty, or stop words only)
        return [[] for _ in clusters]
    terms = vectorizer.get_feature_names_out()
    idf = np.log(len(texts) / present.sum(axis=0))
    lengths = np.array([len(t.split()) for t in terms])
    result = []
    for index, cluster in enumerate(clusters):
        users = present[owner == index].sum(axis=0)
        weights = np.where(users >= min(2, len(cluster)), users / max(len(cluster), 1), 0) * idf
        chosen: list[tuple[str, float]] = []
        for j in np.lexsort((-lengths, -weights)):  # ties: the longer phrase first
            phrase, weight = str(terms[j]), float(weights[j])
            if weight <= 0 or len(chosen) == KEY_PHRASES:
                break
            if not any(_overlaps(phrase, other) for other, _ in chosen):
                chosen.append((phrase, round(weight, 4)))
        result.append(chosen)
    return result


def _overlaps(phrase: str, other: str) -> bool:
    """The phrases share a word, or a word and its plural (``call``, ``calls``)."""
    return bool({w.rstrip("s") for w in phrase.split()} & {w.rstrip("s") for w in other.split()})


def label_of(phrases: Sequence[tuple[str, float]]) -> str:
    """A readable label: the best phrases joined, e.g. ``"qr code, link"``."""
    return ", ".join(p for p, _ in phrases[:PHRASES_PER_LABEL]) or "other"


def main_category(
    thread_ids: Sequence[int], categories: Mapping[int, str | None]
) -> tuple[str | None, float]:
    """The category most of the threads carry (their best one) and its share of the threads."""
    counts = Counter(c for t in thread_ids if (c := categories.get(t)))
    if not counts:
        return None, 0.0
    category, count = min(counts.items(), key=lambda item: (-item[1], item[0]))
    return category, round(count / len(thread_ids), 4)


def name_scenarios(
    clusters: Mapping[str, Sequence[Cluster]],
    texts: Mapping[int, str],
    categories: Mapping[int, str | None],
    stop_words: frozenset[str] = frozenset(),
) -> list[Scenario]:
    """Scenarios from each product's clusters: labels, ids and categories.

    clusters (Mapping[str, Sequence[Cluster]]): product slug → its clusters.
    texts (Mapping[int, str]): thread id → title and opening post.
    categories (Mapping[int, str | None]): thread id → its best taxonomy category.
    stop_words (frozenset[str]): words never used in labels (e.g. the products' names).
    """
    flat = [(product, c) for product, found in clusters.items() for c in found]
    documents = [[texts.get(t, "") for t in c.thread_ids] for _, c in flat]
    scenarios = []
    used: set[str] = set()
    for (product, cluster), phrases in zip(flat, key_phrases(documents, stop_words), strict=True):
        label = label_of(phrases)
        base = slugify(label) or "other"
        scenario_id, n = base, 1
        while f"{product}/{scenario_id}" in used:
            n += 1
            scenario_id = f"{base}-{n}"
        used.add(f"{product}/{scenario_id}")
        category, share = main_category(cluster.thread_ids, categories)
        scenarios.append(
            Scenario(
                product=product,
                id=scenario_id,
                label=label,
                phrases=tuple(phrases),
                thread_ids=cluster.thread_ids,
                representative=cluster.representative,
                category=category,
                category_share=share,
            )
        )
    return scenarios
