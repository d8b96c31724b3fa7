"""Search benchmark: Elasticsearch and the local index side by side, on synthetic corpora.

    .venv/bin/python benchmarks/search.py --seed demo/candor.db [--es http://127.0.0.1:9250]
        [--sizes 10000 100000] [--queries 200]

The seed is an enriched store (``make demo`` writes ``demo/candor.db``). Corpora of each size (in
posts) are made by recombining its real posts deterministically (``--random-seed``): each
synthetic thread copies a real thread's shape and facets, each post joins sentences of random
real posts, and each thread vector mixes two real thread vectors plus a little noise. Measured:
bulk indexing docs/s (a full rebuild), p50/p95 latency of text, kNN and hybrid queries, index
size on disk, and recall@10 of kNN against exact brute force. Writes ``benchmarks/search.md``
and ``benchmarks/search.json``. It measures; it never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from corpus.search import LocalIndex, SearchIndex, ThreadDocs, thread_docs
from corpus.search.base import unit_vector
from corpus.store import Store

HERE = Path(__file__).parent


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


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 2),
    }


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


def run(index: SearchIndex, corpus: list[ThreadDocs], queries: int, rng: random.Random) -> dict:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=Path, default=Path("demo/candor.db"))
    parser.add_argument("--es", default="", help="Elasticsearch URL (default: local only).")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--random-seed", type=int, default=20240301)
    parser.add_argument("--work", type=Path, default=Path("/tmp/candor-search-bench"))
    args = parser.parse_args()

    seed = seed_threads(args.seed)
    report: dict[str, Any] = {
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "seed": {
            "store": str(args.seed),
            "threads": len(seed),
            "posts": sum(len(t.docs) for t in seed),
        },
        "results": [],
    }
    if args.es:
        from elasticsearch import Elasticsearch

        health = Elasticsearch(args.es).cluster.health()
        report["elasticsearch"] = {"url": args.es, "status": health["status"]}
    args.work.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        corpus = synthesise(seed, size, random.Random(args.random_seed))
        backends: list[SearchIndex] = [LocalIndex(args.work / f"bench-{size}.search.db")]
        if args.es:
            from corpus.search.elastic import ElasticsearchIndex

            backends.append(
                ElasticsearchIndex(
                    args.es, prefix=f"candor-bench-{uuid.uuid4().hex[:6]}", timeout=120
                )
            )
        for index in backends:
            print(f"{index.kind} at {size} posts…", flush=True)
            try:
                row = run(index, corpus, args.queries, random.Random(args.random_seed))
            finally:
                index.drop()
                index.close()
            row.update({"backend": index.kind, "size": size})
            report["results"].append(row)
            print(json.dumps(row), flush=True)
    (HERE / "search.json").write_text(json.dumps(report, indent=2) + "\n")
    (HERE / "search.md").write_text(markdown(report))
    print((HERE / "search.md").read_text())


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Search benchmark",
        "",
        f"Generated by `benchmarks/search.py` on {report['machine']['cpus']} CPUs; seed corpus "
        f"{report['seed']['threads']} real threads / {report['seed']['posts']} posts, recombined. "
        "Times vary by up to 50% between runs on shared machines.",
        "",
        "| backend | posts | threads (vectors) | bulk docs/s | size MB | text p50/p95 ms | "
        "kNN p50/p95 ms | hybrid p50/p95 ms | kNN recall@10 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report["results"]:
        lines.append(
            f"| {r['backend']} | {r['docs']:,} | {r['threads']:,} | {r['bulk_docs_per_s']:,} | "
            f"{r['size_bytes'] / 1e6:.1f} | {r['text']['p50_ms']} / {r['text']['p95_ms']} | "
            f"{r['knn']['p50_ms']} / {r['knn']['p95_ms']} | "
            f"{r['hybrid']['p50_ms']} / {r['hybrid']['p95_ms']} | {r['knn_recall_at_10']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
