"""Benchmark of the publish stage: releases of 1,000 product pages, embed.js, time in Chromium.

Run: ``python -m benchmarks.publish [--products 1000] [--releases 3] [--loads 10] [--quick]``.

A synthetic corpus is built from the publisher's test fixtures (the invented Acme forum of
``tests/publisher/acme_forum.py``): ``--products`` products, each showing the four approved
Acme threads. Each measured release differs from the one before (one review is flipped), so
every run renders, writes, validates and switches a complete release. Chromium (the Debian
package; ``CANDOR_TEST_CHROMIUM`` or ``/usr/bin/chromium``) loads a shop page on another local
origin that embeds a mash-up through ``embed.js``, and one that includes the fragment
server-side. Part of ``benchmarks/report.md`` (``make bench``); measures, never asserts a time.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import os
import statistics
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.common import peak_rss_mb  # noqa: E402
from corpus import models as m  # noqa: E402
from corpus.reviews import record_review  # noqa: E402
from corpus.settings import load_settings  # noqa: E402
from corpus.store import Store  # noqa: E402
from publisher import publish  # noqa: E402
from publisher.embed import embed_script  # noqa: E402
from publisher.mashups import collect_mashups  # noqa: E402
from publisher.render import render_site  # noqa: E402
from publisher.validate import validate_release  # noqa: E402
from tests.publisher.acme_forum import Forum, build_acme  # noqa: E402

THREADS = ["sync-stopped", "script-tag", "export-cut", "reminders-late"]
EXCERPTS = {"sync-stopped": [1, 2, 4], "script-tag": [1, 2], "export-cut": [1, 2]}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def build_corpus(folder: Path, products: int) -> tuple[Store, Any, Forum]:
    store = Store(f"sqlite:///{folder / 'corpus.db'}")
    store.migrate()
    forum = build_acme(Forum(store))
    with store.session() as s:
        for n in range(products):
            product = m.Product(slug=f"bench-{n:05d}", name=f"Bench product {n}")
            s.add(product)
            s.flush()
            for rank, key in enumerate(THREADS, start=1):
                excerpt = EXCERPTS.get(key, [1, 2])
                candidate = m.Candidate(
                    product_id=product.id,
                    thread_id=forum.threads[key],
                    rank=rank,
                    score=10.0 - rank,
                    excerpt_post_ids=[forum.posts[(key, i)] for i in excerpt],
                    selector="bench.v1",
                )
                s.add(candidate)
                s.flush()
                record_review(s, candidate, "approved", reviewer="bench")
    settings = load_settings(
        None,
        home=folder,
        taxonomy=REPO / "taxonomy.yaml",
        store=store.url,
        publish={"out": folder / "site", "base_url": "https://acme.example/proof"},
    )
    return store, settings, forum


def time_releases(store: Store, settings: Any, forum: Forum, releases: int) -> dict[str, Any]:
    """Seconds per complete release, and where the time goes (collect, render, validate)."""
    totals, pages, sizes = [], 0, 0
    decisions = ["approved", "rejected"]
    for n in range(releases + 1):
        if n:
            forum.review("acme-sync", "script-tag", decisions[n % 2])
        started = time.perf_counter()
        report = publish(store, settings)
        elapsed = time.perf_counter() - started
        assert report.changed, "each measured publish must make a new release"
        if n:  # the first publish warms caches (templates, SQLite pages); not counted
            totals.append(elapsed)
        pages = report.pages
        sizes = sum(p.stat().st_size for p in report.path.resolve().rglob("*") if p.is_file())
    with store.session() as s:
        t0 = time.perf_counter()
        mashups = collect_mashups(s, settings.publish)
        collect = time.perf_counter() - t0
    t0 = time.perf_counter()
    files = render_site(mashups, settings.publish.base_url)
    render = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        for relative, content in files.items():
            (Path(tmp) / relative).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / relative).write_bytes(content)
        t0 = time.perf_counter()
        validate_release(Path(tmp), [mashup.slug for mashup in mashups])
        validate = time.perf_counter() - t0
    median = statistics.median(totals)
    return {
        "pages": pages,
        "files": len(files),
        "bytes": sizes,
        "seconds": totals,
        "median": median,
        "per_minute": 60 / median,
        "pages_per_second": pages / median,
        "collect": collect,
        "render": render,
        "validate": validate,
    }


class _Host(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve(handler: Any) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def time_chromium(current: Path, loads: int) -> dict[str, Any]:
    """Milliseconds from navigation start until the mash-up is in the page, median of loads."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("CANDOR_TEST_CHROMIUM", "/usr/bin/chromium")
    candor_server, candor = _serve(functools.partial(_Host, directory=str(current)))
    shop_dir = Path(tempfile.mkdtemp())
    fragment = (current / "fragments/acme-sync.html").read_text("utf-8")
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>'
        '<link rel="icon" href="data:,">{head}</head><body><main><h1>Acme Sync</h1>{body}'
        "</main></body></html>"
    )
    css = f'<link rel="stylesheet" href="{candor}static/candor.css">'
    tag = f'<script src="{candor}embed.js" data-product="acme-sync" async></script>'
    (shop_dir / "embed.html").write_text(page.format(head="", body=tag), "utf-8")
    (shop_dir / "ssi.html").write_text(page.format(head=css, body=fragment), "utf-8")
    shop_server, shop = _serve(functools.partial(_Host, directory=str(shop_dir)))
    # Records when the mash-up's section first exists, however it got there.
    watch = (
        "new MutationObserver((_, o) => { if (document.querySelector('section.candor')) {"
        " window.__candor = performance.now(); o.disconnect(); } })"
        ".observe(document, {childList: true, subtree: true});"
    )
    results: dict[str, Any] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            results["chromium"] = browser.version
            for way in ("embed", "ssi"):
                shown, loaded = [], []
                for _ in range(loads):
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    tab = context.new_page()
                    tab.add_init_script(watch)
                    tab.goto(f"{shop}{way}.html", wait_until="load")
                    tab.wait_for_selector("section.candor .candor-thread")
                    timing = tab.evaluate(
                        "({shown: window.__candor || performance.now(),"
                        " load: performance.getEntriesByType('navigation')[0].loadEventEnd})"
                    )
                    shown.append(timing["shown"])
                    loaded.append(timing["load"])
                    context.close()
                results[way] = {
                    "shown_ms": statistics.median(shown),
                    "load_ms": statistics.median(loaded),
                    "min_ms": min(shown),
                    "max_ms": max(shown),
                }
            browser.close()
    finally:
        for server in (candor_server, shop_server):
            server.shutdown()
            server.server_close()
    return results


def run(quick: bool = False, products: int = 0, releases: int = 0, loads: int = 0) -> dict:
    """Releases of ``products`` pages, embed.js size and Chromium load times; ``quick`` shrinks."""
    products = products or (50 if quick else 1000)
    releases_n = releases or (2 if quick else 3)
    loads = loads or (2 if quick else 10)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        store, settings, forum = build_corpus(folder, products)
        built = time.perf_counter() - t0
        print(f"corpus: {products} products built in {built:.1f} s", file=sys.stderr)
        timed = time_releases(store, settings, forum, releases_n)
        print(f"releases: {timed['per_minute']:.1f} per minute", file=sys.stderr)
        script = embed_script()
        browser = time_chromium((settings.publish.out / "current").resolve(), loads)
        store.dispose()
    return {
        "products": products,
        "loads": loads,
        "releases": timed,
        "pages_per_minute": round(timed["pages_per_second"] * 60),
        "embed_bytes": len(script),
        "embed_gzip_bytes": len(gzip.compress(script, 9)),
        "browser": browser,
        "peak_rss_mb": peak_rss_mb(),
    }


def markdown(results: dict) -> str:
    releases, browser = results["releases"], results["browser"]
    lines = [
        f"{results['products']} products, SQLite store, local folder target, Chromium "
        f"{browser.get('chromium', '?')}.",
        "",
        "| what | value |",
        "| --- | --- |",
        f"| product pages per release | {releases['pages']} (4 threads each) |",
        f"| files per release | {releases['files']} ({releases['bytes'] / 1e6:.1f} MB) |",
        "| seconds per complete release (median) | "
        f"{releases['median']:.2f} (runs: {', '.join(f'{s:.2f}' for s in releases['seconds'])}) |",
        f"| **product pages per minute** | **{results['pages_per_minute']:,}** |",
        f"| of which: reading the corpus | {releases['collect']:.2f} s |",
        f"| of which: rendering + sanitising | {releases['render']:.2f} s |",
        f"| of which: validating | {releases['validate']:.2f} s |",
        f"| embed.js, minified / gzip -9 (limit 5120) | {results['embed_bytes']} / "
        f"{results['embed_gzip_bytes']} |",
        "",
        "Time to show the mash-up in Chromium (ms from navigation start, local servers):",
        "",
        "| page | mash-up in the DOM (median) | min–max | load event (median) |",
        "| --- | --- | --- | --- |",
    ]
    for way, label in (("embed", "embed.js (fetches the fragment)"), ("ssi", "server-side")):
        r = browser[way]
        lines.append(
            f"| {label} | {r['shown_ms']:.0f} | {r['min_ms']:.0f}–{r['max_ms']:.0f} | "
            f"{r['load_ms']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--releases", type=int, default=3)
    parser.add_argument("--loads", type=int, default=10)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(markdown(run(args.quick, args.products, args.releases, args.loads)))


if __name__ == "__main__":
    main()
