"""Search benchmark: Elasticsearch and the local index side by side, on synthetic corpora.

    python -m benchmarks.search [--seed demo/candor.db] [--es http://127.0.0.1:9250]
        [--sizes 10000 100000] [--queries 200] [--quick]

The seed is an enriched store (``make demo`` writes ``demo/candor.db``; else the scale
curve's). Corpora of each size (in posts) are made by recombining its real posts
deterministically (``--random-seed``): each synthetic thread copies a real thread's shape and
facets, each post joins sentences of random real posts, and each thread vector mixes two real
thread vectors plus a little noise. Measured:
bulk indexing docs/s (a full rebuild), p50/p95 latency of text, kNN and hybrid queries, index
size on disk, and recall@10 of kNN against exact brute force. With Elasticsearch, the client's
``helpers.bulk`` indexing the same posts as plain documents is the baseline. Part of
``benchmarks/report.md`` (``make bench``); it measures, it never asserts a time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import ROOT, percentiles
from corpus.search import LocalIndex, SearchIndex, ThreadDocs, thread_docs
from corpus.search.base import unit_vector
from corpus.store import Store


def seed_threads(path: Path) -> list[ThreadDocs]:
    store = Store(f"sqlite:///{path}")
    threads = [t for t in thread_docs(store) if t.docs and t.docs[0].vector is not None]
    store.dispose()
    if not threads:
        raise SystemExit(f"{path}: no enriched threads with vectors; run `make demo` first")
    return threads


def synthesise(seed: list[ThreadDocs], posts: int, rng: random.Random) -> list[ThreadDocs]:
    """Threads totalling about ``posts`` posts, recombined from ``seed`` (see the docstring)."""
    sentences = [
        s.strip() + "."
        for t in seed
        for d in t.docs
        for s in d.text.replace("\n", " ").split(".")
        if len(s.strip()) > 15
    ]
    vectors = [np.asarray(t.docs[0].vector, dtype=np.float32) for t in seed]
    noise = np.random.default_rng(rng.randrange(2**32))
    start = datetime(2023, 1, 2, tzinfo=UTC)
    out: list[ThreadDocs] = []
    made = 0
    while made < posts:
        n = len(out)
        base = rng.choice(seed)
        key = f"bench/{n}"
        created = start + timedelta(hours=rng.randrange(2 * 365 * 24))
        a, b = rng.randrange(len(vectors)), rng.randrange(len(vectors))
        mixed = 0.75 * vectors[a] + 0.25 * vectors[b] + noise.normal(0, 0.02, 384)
        vector = tuple(float(x) for x in unit_vector(mixed))
        docs = []
        for i, doc in enumerate(base.docs[: max(1, posts - made)]):
            text = " ".join(rng.choice(sentences) for _ in range(rng.randint(1, 4)))
            docs.append(
                replace(
                    doc,
                    doc_id=f"{key}/{i}",
                    thread_key=key,
                    thread_id=n + 1,
                    post_id=made + i + 1,
                    text=text,
                    created_at=created + timedelta(hours=i),
                    thread_created_at=created,
                    vector=vector if i == 0 else None,
                )
            )
        made += len(docs)
        out.append(ThreadDocs.of(key, n + 1, docs))
    return out


def timed(fn: Any, inputs: list[Any], warmup: int = 10) -> dict[str, float]:
    for item in inputs[:warmup]:
        fn(item)
    samples = []
    for item in inputs:
        t0 = time.perf_counter()
        fn(item)
        samples.append(time.perf_counter() - t0)
    return percentiles(samples)


def size_on_disk(index: SearchIndex) -> int:
    if isinstance(index, LocalIndex):
        return index.path.stat().st_size
    es = index.es  # type: ignore[attr-defined]
    es.indices.flush(index=index.alias)  # type: ignore[attr-defined]
    stats = es.indices.stats(index=index.alias, metric="store")  # type: ignore[attr-defined]
    return int(stats["_all"]["primaries"]["store"]["size_in_bytes"])


def measure_backend(
    index: SearchIndex, corpus: list[ThreadDocs], queries: int, rng: random.Random
) -> dict:
    docs = sum(len(t.docs) for t in corpus)
    index.init()
    t0 = time.perf_counter()
    index.rebuild(iter(corpus), stamp=time.time_ns() // 1_000_000)
    seconds = time.perf_counter() - t0
    assert index.count() == docs, (index.count(), docs)
    words = [w for t in corpus[:500] for d in t.docs for w in d.text.split() if w.isalpha()]
    texts = [" ".join(rng.sample(words, 2)) for _ in range(queries)]
    matrix = np.asarray([t.docs[0].vector for t in corpus], dtype=np.float32)
    keys = [t.thread_key for t in corpus]
    picks = [rng.randrange(len(corpus)) for _ in range(queries)]
    probes = [
        unit_vector(matrix[i] + np.float32(0.05) * matrix[(i + 1) % len(matrix)]) for i in picks
    ]
    result = {
        "docs": docs,
        "threads": len(corpus),
        "vectors": len(corpus),
        "bulk_seconds": round(seconds, 2),
        "bulk_docs_per_s": round(docs / seconds),
        "size_bytes": size_on_disk(index),
        "text": timed(lambda q: index.search(q, size=10), texts),
        "knn": timed(lambda v: index.knn(v, size=10), probes),
        "hybrid": timed(
            lambda p: index.hybrid(p[0], p[1], size=10), list(zip(texts, probes, strict=True))
        ),
    }
    recalls = []
    for probe in probes[:100]:
        exact = {keys[i] for i in np.argsort(-(matrix @ probe), kind="stable")[:10]}
        found = {h.thread_key for h in index.knn(probe, size=10)}
        recalls.append(len(exact & found) / 10)
    result["knn_recall_at_10"] = round(statistics.mean(recalls), 4)
    return result


def bulk_baseline(url: str, corpus: list[ThreadDocs]) -> dict[str, Any]:
    """The client's ``helpers.bulk`` alone: the same posts as plain documents (text, ids, one
    vector per thread) into a fresh index with dynamic mappings, no processing of ours."""
    from elasticsearch import Elasticsearch, helpers

    es = Elasticsearch(url, request_timeout=120)
    name = f"candor-bench-bulk-{uuid.uuid4().hex[:6]}"
    actions = (
        {
            "_index": name,
            "_id": d.doc_id,
            "_source": {"text": d.text, "thread_key": d.thread_key, "post_id": d.post_id},
        }
        for t in corpus
        for d in t.docs
    )
    try:
        t0 = time.perf_counter()
        ok, _ = helpers.bulk(es, actions, chunk_size=500, refresh="wait_for")
        seconds = time.perf_counter() - t0
    finally:
        es.indices.delete(index=name, ignore_unavailable=True)
        es.close()
    return {"docs": ok, "bulk_seconds": round(seconds, 2), "bulk_docs_per_s": round(ok / seconds)}


def default_seed(work: Path) -> Path:
    """``demo/candor.db`` after ``make demo``, else the smallest (first finished) enriched store
    of the scale curve in ``work``: the seed only has to hold real enriched threads."""
    demo = ROOT / "demo" / "candor.db"
    if demo.exists():
        return demo
    stores = sorted(work.glob("posts-*/candor.db"), key=lambda p: int(p.parent.name[6:]))
    if not stores:
        raise SystemExit("no seed store: run `make demo` or the scale benchmark first")
    return stores[0]


def reachable(url: str) -> bool:
    """Whether anything answers at ``url`` (an HTTP error status is an answer)."""
    try:
        with urllib.request.urlopen(url, timeout=3):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def run(
    quick: bool = False,
    seed: Path | None = None,
    es: str | None = None,
    sizes: list[int] | None = None,
    queries: int = 0,
    random_seed: int = 20240301,
    work: Path = Path("/tmp/candor-scale"),
) -> dict[str, Any]:
    """Each backend at each size; with Elasticsearch, the bare bulk helper as the baseline.

    es (str | None): Elasticsearch URL; ``None`` reads ``CANDOR_BENCH_ES`` (default
    http://127.0.0.1:9250, skipped when it does not answer); "" for the local index only.
    """
    seed = seed or default_seed(work)
    sizes = sizes or ([1_000] if quick else [10_000, 100_000])
    queries = queries or (20 if quick else 200)
    if es is None:
        es = os.environ.get("CANDOR_BENCH_ES", "http://127.0.0.1:9250")
        es = es if reachable(es) else ""
    threads = seed_threads(seed)
    report: dict[str, Any] = {
        "seed": {
            "store": str(seed),
            "threads": len(threads),
            "posts": sum(len(t.docs) for t in threads),
        },
        "results": [],
    }
    if es:
        from elasticsearch import Elasticsearch

        health = Elasticsearch(es).cluster.health()
        report["elasticsearch"] = {"url": es, "status": health["status"]}
    for size in sizes:
        corpus = synthesise(threads, size, random.Random(random_seed))
        backends: list[SearchIndex] = [LocalIndex(work / f"search-bench-{size}.search.db")]
        if es:
            from corpus.search.elastic import ElasticsearchIndex

            backends.append(
                ElasticsearchIndex(es, prefix=f"candor-bench-{uuid.uuid4().hex[:6]}", timeout=120)
            )
        for index in backends:
            print(f"{index.kind} at {size} posts…", file=sys.stderr, flush=True)
            try:
                row = measure_backend(index, corpus, queries, random.Random(random_seed))
            finally:
                index.drop()
                index.close()
            row.update({"backend": index.kind, "size": size})
            report["results"].append(row)
        if es:
            baseline = bulk_baseline(es, corpus)
            baseline.update({"backend": "bulk helper (baseline)", "size": size})
            report["results"].append(baseline)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=Path)
    parser.add_argument("--es", default=None, help="Elasticsearch URL; '' for local only.")
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--queries", type=int, default=0)
    parser.add_argument("--random-seed", type=int, default=20240301)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    report = run(args.quick, args.seed, args.es, args.sizes, args.queries, args.random_seed)
    print(markdown(report))


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Seed: {report['seed']['threads']} enriched threads / {report['seed']['posts']} posts "
        f"({report['seed']['store']}), recombined.",
        "",
        "| backend | posts | threads (vectors) | bulk docs/s | vs bare bulk helper | size MB | "
        "text p50/p95 ms | kNN p50/p95 ms | hybrid p50/p95 ms | kNN recall@10 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    baselines = {r["size"]: r["bulk_docs_per_s"] for r in report["results"] if "text" not in r}
    for r in report["results"]:
        base = baselines.get(r["size"])
        ratio = f"{r['bulk_docs_per_s'] / base:.2f}" if base else "–"
        if "text" not in r:
            lines.append(
                f"| {r['backend']} | {r['docs']:,} | – | {r['bulk_docs_per_s']:,} | 1.00 | – | "
                "– | – | – | – |"
            )
            continue
        lines.append(
            f"| {r['backend']} | {r['docs']:,} | {r['threads']:,} | {r['bulk_docs_per_s']:,} | "
            f"{ratio} | {r['size_bytes'] / 1e6:.1f} | "
            f"{r['text']['p50_ms']} / {r['text']['p95_ms']} | "
            f"{r['knn']['p50_ms']} / {r['knn']['p95_ms']} | "
            f"{r['hybrid']['p50_ms']} / {r['hybrid']['p95_ms']} | {r['knn_recall_at_10']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
