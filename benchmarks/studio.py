"""Studio benchmark: queue and search page latency (p50/p95) on a synthetic corpus.

    python -m benchmarks.studio [--sizes 10000 100000] [--requests 200] [--es URL] [--quick]
                                [--json]

For each size (in posts) it writes a synthetic corpus straight into a fresh SQLite store (threads
of 2–14 posts, sentences drawn from a support-forum vocabulary, roles, signals, products and a
random thread vector per thread), runs selection (``per_product`` 500, so the queue has pages)
and builds the local search index, then times in-process requests (FastAPI's TestClient: the
app, templates, store and index; no network) for: the queue page and its JSON, search pages
(text with facets, a filtered search, "more like this"). With Elasticsearch answering at
``--es`` (default ``CANDOR_BENCH_ES``, else http://127.0.0.1:9250; ``--es ''`` skips it), the same
corpus is indexed there too and every page is timed again: queue pages do not touch the index,
so their two timings show how the machine's load moved between the runs. Part of
``benchmarks/report.md`` (``make bench``). It measures; it never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

from benchmarks.common import TAXONOMY, percentiles
from benchmarks.search import reachable

PRODUCTS = [
    {"name": "Acme Sync", "slug": "acme-sync", "aliases": ["sync"]},
    {"name": "Acme Notes", "slug": "acme-notes", "aliases": ["notes"]},
    {"name": "Acme Mail", "slug": "acme-mail", "aliases": ["mail"]},
]
WORDS = [
    "sync",
    "notes",
    "laptop",
    "phone",
    "update",
    "crash",
    "backup",
    "export",
    "import",
    "login",
    "password",
    "reminder",
    "calendar",
    "attachment",
    "folder",
    "offline",
    "battery",
    "notification",
    "widget",
    "theme",
    "search",
    "tag",
    "share",
    "printer",
    "keyboard",
    "shortcut",
    "desktop",
    "android",
    "iphone",
    "settings",
    "account",
    "storage",
    "upload",
    "download",
]
OPENERS = ["After the update", "Since yesterday", "Every time I open it", "On my new phone"]
STAFF = [
    "That one is on us, sorry.",
    "You're right, that was our bug.",
    "Fixed in the next release.",
]
THANKS = ["Thanks, that worked!", "Thank you so much, solved.", "Works now, thanks."]
QUERIES = ["sync crash", "export notes", "battery", "login password", "reminder late", "offline"]


def sentence(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(4, 9))
    return f"{rng.choice(OPENERS)} the {' '.join(words)} stops working."


def build(home: Path, posts: int, rng: random.Random) -> dict[str, Any]:
    """A synthetic corpus of about ``posts`` posts in ``home/corpus.db``; returns counts, times."""
    from candor import stages
    from corpus import models as m
    from corpus.search import open_index, sync_index
    from corpus.settings import load_settings
    from corpus.store import Store
    from nlp.select import select_candidates

    settings = load_settings(
        None,
        home=home,
        taxonomy=TAXONOMY,
        products=PRODUCTS,
        select={"per_product": 500},
        studio={"secret_key": "benchmark-" + "x" * 32},
    )
    started = time.perf_counter()
    stages.init(settings)
    store = Store(settings.store)
    vectors = np.random.default_rng(rng.randrange(2**32))
    start = datetime(2023, 1, 2, tzinfo=UTC)
    with store.session() as s:
        venue = m.Venue(
            name="acme",
            platform="discourse",
            url="https://f.example",
            public_url="https://f.example",
        )
        s.add(venue)
        s.flush()
        s.execute(
            insert(m.Author),
            [
                {
                    "id": i,
                    "venue_id": venue.id,
                    "source_id": str(i),
                    "username": f"user{i}",
                    "groups": [],
                }
                for i in range(1, 2001)
            ],
        )
        s.execute(
            insert(m.Author),
            [
                {
                    "id": 3000,
                    "venue_id": venue.id,
                    "source_id": "staff",
                    "username": "bob-acme",
                    "groups": ["staff"],
                }
            ],
        )
        thread_rows, post_rows, text_rows, notes, embeddings = [], [], [], [], []
        made, tid, pid = 0, 0, 0
        while made < posts:
            tid += 1
            size = rng.randint(2, 14)
            created = start + timedelta(hours=tid)
            product = rng.choice(PRODUCTS)["slug"]
            admitted, resolved = rng.random() < 0.25, rng.random() < 0.5
            thread_rows.append(
                {
                    "id": tid,
                    "venue_id": venue.id,
                    "source_id": str(tid),
                    "title": f"{sentence(rng)[:60]} ({tid})",
                    "url": f"https://f.example/t/{tid}",
                    "tags": [],
                    "created_at": created,
                    "last_activity_at": created,
                    "highest_post_number": size,
                    "fingerprint": str(tid),
                }
            )
            staff_number = rng.randint(2, size) if admitted else 0
            for number in range(1, size + 1):
                pid += 1
                if number == staff_number:
                    text = f"{rng.choice(STAFF)} {sentence(rng)}"
                elif number == size and resolved:
                    text = f"{rng.choice(THANKS)} {sentence(rng)}"
                else:
                    text = " ".join(sentence(rng) for _ in range(rng.randint(1, 4)))
                cut = text.index(".") + 1
                post_rows.append(
                    {
                        "id": pid,
                        "thread_id": tid,
                        "source_id": str(pid),
                        "number": number,
                        "author_id": 3000 if number == staff_number else rng.randint(1, 2000),
                        "html": f"<p>{text}</p>",
                        "content_hash": str(pid),
                        "created_at": created + timedelta(minutes=number),
                        "url": f"https://f.example/t/{tid}/{number}",
                    }
                )
                text_rows.append(
                    {
                        "post_id": pid,
                        "content_hash": str(pid),
                        "version": "bench",
                        "text": text,
                        "sentences": [[0, cut], [cut + 1, len(text)]],
                        "language": "en",
                    }
                )
                role = (
                    "staff"
                    if number == staff_number
                    else ("opener" if number == 1 else "community")
                )
                notes.append(_note("post", pid, tid, "role", role))
                if number == staff_number:
                    notes.append(_note("post", pid, tid, "admission", True, pid, cut, text))
                if number == size and resolved:
                    notes.append(_note("post", pid, tid, "gratitude", True, pid, cut, text))
            notes += [
                _note("thread", tid, tid, "products", [{"slug": product, "mentions": 1}]),
                _note("thread", tid, tid, "category", [{"id": "sync", "score": 0.5}]),
                _note("thread", tid, tid, "resolved", resolved),
                _note("thread", tid, tid, "staff_involved", admitted),
            ]
            vector = vectors.normal(size=384).astype(np.float32)
            embeddings.append(
                {
                    "subject": "thread",
                    "subject_id": tid,
                    "model": "bench",
                    "input_hash": "0",
                    "vector": (vector / np.linalg.norm(vector)).tobytes(),
                }
            )
            made += size
        s.execute(insert(m.Thread), thread_rows)
        s.execute(insert(m.Post), post_rows)
        s.execute(insert(m.PostText), text_rows)
        s.execute(insert(m.Annotation), notes)
        s.execute(insert(m.Embedding), embeddings)
    written = time.perf_counter() - started
    select_candidates(store, settings.select)
    selected = time.perf_counter() - started - written
    index = open_index(settings)
    sync_index(store, index, rebuild=True)
    index.close()
    indexed = time.perf_counter() - started - written - selected
    from candor.studio.users import add_user

    with store.session() as s:
        add_user(s, "bench", "benchmark password", "curator")
    store.dispose()
    return {
        "settings": settings,
        "threads": tid,
        "posts": made,
        "build_seconds": {"write": written, "select": selected, "index": indexed},
    }


def _note(
    subject: str,
    sid: int,
    tid: int,
    kind: str,
    value: Any,
    post: int = 0,
    cut: int = 0,
    text: str = "",
) -> dict[str, Any]:
    evidence = [{"post_id": post, "start": 0, "end": cut, "text": text[:cut]}] if post else []
    return {
        "subject": subject,
        "subject_id": sid,
        "thread_id": tid,
        "kind": kind,
        "value": value,
        "score": 1.0,
        "component": "bench",
        "input_hash": "0",
        "evidence": evidence,
    }


def measure(settings: Any, requests: int, rng: random.Random, threads: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from candor.studio import create_app

    # As a context manager the client runs the app's startup and shutdown, as uvicorn does.
    with TestClient(create_app(settings)) as client:
        assert (
            client.post(
                "/api/login", json={"username": "bench", "password": "benchmark password"}
            ).status_code
            == 200
        )
        slugs = [p["slug"] for p in PRODUCTS]
        cases = {
            "queue page (HTML, 25 candidates)": lambda: (
                f"/queue/{rng.choice(slugs)}?page={rng.randint(1, 5)}"
            ),
            "queue (JSON API)": lambda: f"/api/queue/{rng.choice(slugs)}?page={rng.randint(1, 5)}",
            "search page: text + facets": lambda: f"/search?q={rng.choice(QUERIES)}",
            "search page: text, filtered": lambda: (
                f"/search?q={rng.choice(QUERIES)}&product={rng.choice(slugs)}&admission=true"
            ),
            "search page: more like this": lambda: f"/search?like={rng.randint(1, threads)}",
        }
        results = {}
        for name, url in cases.items():
            for _ in range(5):  # warm-up: templates compiled, vectors loaded
                client.get(url())
            samples = []
            for _ in range(requests):
                target = url()
                t0 = time.perf_counter()
                response = client.get(target)
                samples.append(time.perf_counter() - t0)
                assert response.status_code == 200, (target, response.status_code)
            results[name] = percentiles(samples, digits=1)
    return results


def measure_elasticsearch(
    settings: Any, es: str, requests: int, rng: random.Random, threads: int
) -> dict[str, Any]:
    """Index the built corpus into a fresh Elasticsearch index, time the pages, drop the index."""
    from corpus.search import open_index, sync_index
    from corpus.store import Store

    settings = settings.model_copy(
        update={"search": es, "search_prefix": f"candor-bench-studio-{uuid.uuid4().hex[:6]}"}
    )
    store, index = Store(settings.store), open_index(settings)
    try:
        started = time.perf_counter()
        sync_index(store, index, rebuild=True)
        print(f"indexed in Elasticsearch in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        return measure(settings, requests, rng, threads)
    finally:
        index.drop()
        index.close()
        store.dispose()


def run(
    quick: bool = False, sizes: list[int] | None = None, requests: int = 0, es: str | None = None
) -> dict:
    """Build each size's corpus and time the studio's pages; ``quick``: 300 posts, 10 requests.

    es (str | None): Elasticsearch URL to time too; ``None`` reads ``CANDOR_BENCH_ES`` (default
    http://127.0.0.1:9250, skipped when it does not answer); "" for the local index only.
    """
    sizes = sizes or ([300] if quick else [10_000, 100_000])
    requests = requests or (10 if quick else 200)
    if es is None:
        es = os.environ.get("CANDOR_BENCH_ES", "http://127.0.0.1:9250")
        es = es if reachable(es) else ""
    report: dict[str, Any] = {"requests": requests, "elasticsearch": es or None, "runs": []}
    for size in sizes:
        rng = random.Random(7)
        with tempfile.TemporaryDirectory() as tmp:
            built = build(Path(tmp), size, rng)
            print(f"{size} posts: {built['build_seconds']}", file=sys.stderr)
            timings = {"local": measure(built["settings"], requests, rng, built["threads"])}
            if es:
                timings["elasticsearch"] = measure_elasticsearch(
                    built["settings"], es, requests, rng, built["threads"]
                )
        run = {k: v for k, v in built.items() if k != "settings"}
        run["latency"] = timings
        report["runs"].append(run)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--requests", type=int, default=0)
    parser.add_argument("--es", default=None, help="Elasticsearch URL; '' for local only.")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    args = parser.parse_args()
    results = run(args.quick, args.sizes, args.requests, args.es)
    print(json.dumps(results, indent=1) if args.json else markdown(results))


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"In-process requests (TestClient), SQLite store, the local search index"
        f"{' and Elasticsearch' if report.get('elasticsearch') else ''}; "
        f"{report['requests']} requests per page.",
        "",
        "| posts | threads | index | page | p50 ms | p95 ms |",
        "| ---: | ---: | --- | --- | ---: | ---: |",
    ]
    for run in report["runs"]:
        for backend, pages in run["latency"].items():
            for name, value in pages.items():
                lines.append(
                    f"| {run['posts']:,} | {run['threads']:,} | {backend} | {name} | "
                    f"{value['p50_ms']} | {value['p95_ms']} |"
                )
    lines.append("")
    for run in report["runs"]:
        seconds = ", ".join(f"{k} {v:.1f} s" for k, v in run["build_seconds"].items())
        lines.append(f"- {run['posts']:,} posts built in: {seconds}.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
