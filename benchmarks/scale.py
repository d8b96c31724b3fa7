"""Scale curve: the whole pipeline at growing corpus sizes, time and peak memory per stage.

    python -m benchmarks.scale [--sizes 1000 10000 100000] [--work /tmp/candor-scale]

A synthetic corpus of N posts recombines the sample data's real posts with a fixed seed: each
thread takes a real topic's title, category and length, and that many real posts drawn at random
from the whole sample, renumbered in time order under new thread and post ids. Threads are
generated and saved one batch at a time, so the corpus is never held in memory.

For each size, each stage (ingest, enrich, select, index, publish) runs in its own process, so
its peak memory (ru_maxrss) is its own; a process-start cost of about a second is included.
Then, in one process each: the incremental run with nothing new (enrich, select, index, publish),
and with 1% new posts (ingest of the new threads, then the same). The growth exponent of each
stage is the slope of log(seconds) against log(posts); 1.0 is linear.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.common import EXAMPLE_CONFIG, SAMPLE, TAXONOMY, peak_rss_mb, run_child

STAGES = ("ingest", "enrich", "select", "index", "publish")
SEED = 20241111
WORK = Path("/tmp/candor-scale")
NEW_ID = 10_000_000  # synthetic ids start here, far from the sample's own
BATCH = 100


def settings_for(home: Path) -> Any:
    from corpus.settings import load_settings

    return load_settings(EXAMPLE_CONFIG, home=home, taxonomy=TAXONOMY, store="")


def synthetic_threads(posts: int, seed: int, first_id: int) -> Iterator[tuple[dict, list[dict]]]:
    """``(topic, posts)`` pairs totalling ``posts`` posts, recombined from the sample."""
    from candor.sample_forum import load_topics

    topics = load_topics(SAMPLE)
    pool = [p for t in topics for p in t["post_stream"]["posts"] if not p.get("deleted_at")]
    rng = random.Random(seed)
    made, tid, pid = 0, first_id, first_id
    while made < posts:
        template = rng.choice(topics)
        size = min(max(1, len(template["post_stream"]["posts"])), posts - made)
        drawn = sorted(rng.sample(pool, size), key=lambda p: p["created_at"])
        thread_posts = []
        for number, post in enumerate(drawn, start=1):
            pid += 1
            thread_posts.append(
                {
                    **post,
                    "id": pid,
                    "post_number": number,
                    "topic_id": tid,
                    "reply_to_post_number": None,
                }
            )
        last = drawn[-1]["created_at"]
        topic = {
            **{k: v for k, v in template.items() if k != "post_stream"},
            "id": tid,
            "slug": f"synthetic-{tid}",
            "created_at": drawn[0]["created_at"],
            "bumped_at": last,
            "last_posted_at": last,
            "highest_post_number": size,
            "deleted_at": None,
        }
        yield topic, thread_posts
        made += size
        tid += 1


def sample_threads() -> Iterator[tuple[dict, list[dict]]]:
    """The sample data's own threads, as they are."""
    from candor.sample_forum import load_topics

    for topic in load_topics(SAMPLE):
        yield topic, topic["post_stream"]["posts"]


def ingest(settings: Any, posts: int, seed: int, first_id: int) -> dict[str, Any]:
    """Save a synthetic corpus (the sample itself when ``posts`` is 0) through
    :func:`corpus.ingest.save_thread`, a batch of threads per commit."""
    from corpus.ingest import ensure_venue, save_thread
    from corpus.store import Store
    from crawlers.discourse_mapping import thread_record

    store = Store(settings.store)
    threads = saved = 0
    stream = synthetic_threads(posts, seed, first_id) if posts else sample_threads()
    while True:
        batch = [pair for _, pair in zip(range(BATCH), stream, strict=False)]
        if not batch:
            break
        with store.session() as session:
            venue = ensure_venue(session, settings.venues[0])
            for topic, thread_posts in batch:
                save_thread(session, venue, thread_record(topic, thread_posts, base_url=venue.url))
                threads, saved = threads + 1, saved + len(thread_posts)
    store.dispose()
    return {"threads": threads, "posts": saved}


def approve_top(settings: Any, top: int = 3) -> int:
    """What a curator would do before the first publish: approve each product's best few."""
    from candor import stages

    return sum(len(stages.approve(settings, p.slug, "bench", top=top)) for p in settings.products)


def stage(
    name: str,
    settings: Any,
    posts: int = 0,
    seed: int = SEED,
    first_id: int = NEW_ID,
    approve: bool = False,
) -> dict[str, Any]:
    """Run one stage; returns what it reports worth keeping. ``approve``: before publishing,
    approve each product's best candidates as a curator would before the first release."""
    from candor import stages

    if name == "ingest":
        return ingest(settings, posts, seed, first_id)
    if name == "enrich":
        report = stages.enrich(settings)
        return {"threads": report.threads_enriched, "posts": report.posts_enriched}
    if name == "select":
        return {"candidates": stages.select_threads(settings).candidates}
    if name == "index":
        report = stages.index(settings)
        return {"threads": report.threads_indexed, "posts": report.posts_indexed}
    if name == "publish":
        approved = approve_top(settings) if approve else 0
        report = stages.publish(settings)
        return {"approved": approved, "pages": report.pages, "changed": report.changed}
    raise ValueError(f"unknown stage {name!r}; known: {', '.join(STAGES)}")


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One process: the named stages in order, each timed; the process's peak memory."""
    settings = settings_for(args.home)
    result: dict[str, Any] = {"stages": {}}
    for name in args.stage:
        started = time.perf_counter()
        out = stage(name, settings, args.posts, args.seed, args.first_id, args.approve)
        result["stages"][name] = {"seconds": round(time.perf_counter() - started, 2), **out}
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def _timed_child(home: Path, stages: list[str], *extra: str) -> dict[str, Any]:
    started = time.perf_counter()
    out = run_child("benchmarks.scale", "--home", str(home), *extra, "--stage", *stages)
    out["wall_s"] = round(time.perf_counter() - started, 2)
    return out


def run_size(posts: int, work: Path) -> dict[str, Any]:
    """The full pipeline over a fresh corpus of ``posts`` posts (0: the sample data itself),
    then both incremental runs. What is done so far is kept in ``work/<name>.json``."""
    from candor import stages

    home = work / (f"posts-{posts}" if posts else "sample")
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    stages.init(settings_for(home))
    result: dict[str, Any] = {"posts": posts, "home": str(home), "full": {}}
    full = result["full"]

    def keep() -> None:
        home.with_suffix(".json").write_text(json.dumps(result, indent=1))

    for name in STAGES:
        out = _timed_child(home, [name], "--posts", str(posts), "--approve")
        full[name] = {
            **out["stages"][name],
            "wall_s": out["wall_s"],
            "peak_rss_mb": out["peak_rss_mb"],
        }
        keep()
    result["posts"] = posts = posts or full["ingest"]["posts"]
    result["full_seconds"] = round(sum(s["wall_s"] for s in full.values()), 1)
    result["noop"] = _timed_child(home, list(STAGES[1:]))
    keep()
    new = max(1, posts // 100)
    first = NEW_ID + 5 * posts  # past every id the full corpus used
    more = _timed_child(
        home, list(STAGES), "--posts", str(new), "--seed", "1", "--first-id", str(first)
    )
    result["incremental"] = {**more, "new_posts": new}
    keep()
    return result


def growth(runs: list[dict[str, Any]]) -> dict[str, float | None]:
    """Per stage, the least-squares slope of log(seconds) against log(posts)."""
    out: dict[str, float | None] = {}
    for name in STAGES:
        points = [
            (math.log(r["posts"]), math.log(max(r["full"][name]["seconds"], 1e-3)))
            for r in runs
            if name in r["full"]
        ]
        if len(points) < 2:
            out[name] = None
            continue
        mx = sum(x for x, _ in points) / len(points)
        my = sum(y for _, y in points) / len(points)
        den = sum((x - mx) ** 2 for x, _ in points)
        out[name] = round(sum((x - mx) * (y - my) for x, y in points) / den, 2) if den else None
    return out


def run(
    quick: bool = False, sizes: list[int] | None = None, work: Path = WORK, sample: bool = True
) -> dict[str, Any]:
    """The sample data's own pipeline (unless ``quick``), then the scale curve at ``sizes``
    (``quick``: two small sizes)."""
    sizes = sizes or ([200, 600] if quick else [1_000, 10_000, 100_000])
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"sizes": sizes}
    if sample and not quick:
        results["sample"] = run_size(0, work)
    runs = []
    for posts in sizes:
        runs.append(run_size(posts, work))
        (work / "scale-partial.json").write_text(json.dumps(runs, indent=1))
    return {**results, "runs": runs, "growth": growth(runs)}


def _cell(part: dict[str, Any] | None, seconds: str) -> str:
    """``seconds (peak MB)``, or "not run" for a stage a stopped run did not reach."""
    if not part:
        return "not run"
    return f"{part[seconds]:.1f} ({part['peak_rss_mb']:.0f})"


def markdown(results: dict[str, Any]) -> str:
    runs = results["runs"]
    sample = results.get("sample")
    columns = ([sample] if sample else []) + runs
    names = [f"{r['posts']:,} posts" for r in runs]
    if sample:
        names.insert(0, f"sample ({sample['full']['ingest']['posts']:,} posts)")
    lines = [
        "Seconds (peak MB) per stage, each stage in its own process (model load included in "
        "enrich). Growth exponent: slope of log(seconds) on log(posts) over the synthetic sizes; "
        "1.0 is linear.",
        "",
        "| stage | " + " | ".join(names) + " | growth exponent |",
        "| --- |" + " ---: |" * (len(columns) + 1),
    ]

    def row(label: str, cells: list[str], last: str = "") -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {last} |")

    for name in STAGES:
        exponent = results["growth"].get(name)
        row(
            name,
            [_cell(r["full"].get(name), "seconds") for r in columns],
            "–" if exponent is None else str(exponent),
        )
    row("**full pipeline, wall s**", [f"**{r.get('full_seconds', '–')}**" for r in columns])
    for key, label in (("noop", "nothing new"), ("incremental", "1% new posts")):
        row(
            f"incremental, {label}: wall s (peak MB)",
            [_cell(r.get(key), "wall_s") for r in columns],
        )
    if results.get("note"):  # what a stopped run measured by other means, added by hand
        lines += ["", results["note"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--json", action="store_true", help="Print JSON, not markdown.")
    parser.add_argument("--no-sample", action="store_true", help="Skip the sample data's run.")
    # a child process: run these stages against the store in --home
    parser.add_argument("--home", type=Path)
    parser.add_argument("--stage", nargs="+", choices=STAGES)
    parser.add_argument("--posts", type=int, default=0)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--first-id", type=int, default=NEW_ID)
    parser.add_argument("--approve", action="store_true")
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(child(args)))
        return
    results = run(args.quick, args.sizes, args.work, not args.no_sample)
    print(json.dumps(results, indent=1) if args.json else markdown(results))


if __name__ == "__main__":
    main()
