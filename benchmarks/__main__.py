"""Run every benchmark and write ``benchmarks/report.md`` and ``benchmarks/report.json``.

    python -m benchmarks [--quick] [--only scale enrich …] [--reuse scale=FILE.json] [--out DIR]

``make bench`` runs this; ``make bench QUICK=1`` adds ``--quick``. Each benchmark module
exposes ``run(quick: bool) -> dict`` and ``markdown(results) -> str``; each runs here in its own
process, so its peak memory (ru_maxrss) is its own. The report opens with one table, a row per
stage: throughput, peak memory and the ratio to a baseline measured in the same run on the same
data, then the targets, then each benchmark's own section. A benchmark that fails is recorded
with its error and the exit code is 1; the others still run. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.common import peak_rss_mb, run_child

BENCHMARKS = ("scale", "enrich", "crawl", "search", "publish", "studio")
TITLES = {
    "scale": "Scale curve: the whole pipeline at growing sizes",
    "enrich": "Enrichment beside bare MiniLM encode and spaCy",
    "crawl": "Crawl beside `scrapy bench`",
    "search": "Indexing and search: Elasticsearch, the local index, the bare bulk helper",
    "publish": "Publish",
    "studio": "Studio latency",
}
OUT = Path(__file__).parent
WORK = Path("/tmp/candor-scale")


def run_one(name: str, quick: bool, work: Path) -> dict[str, Any]:
    """``benchmarks.<name>.run(quick)`` in this process, with its peak memory and wall time."""
    module = importlib.import_module(f"benchmarks.{name}")
    options = {"work": work} if "work" in inspect.signature(module.run).parameters else {}
    started = time.perf_counter()
    results = module.run(quick, **options)
    results["wall_s"] = round(time.perf_counter() - started, 1)
    results["process_peak_rss_mb"] = peak_rss_mb()
    return results


def _cell(value: Any, fmt: str = "{:,.1f}") -> str:
    return "–" if value is None else fmt.format(value)


def _get(results: dict[str, Any], *path: Any) -> Any:
    for key in path:
        if not isinstance(results, dict | list):
            return None
        try:
            results = results[key]
        except (KeyError, IndexError, TypeError):
            return None
    return results


def summary(report: dict[str, Any]) -> list[list[str]]:
    """One row per stage: stage, throughput, peak MB, baseline, ratio."""
    b = report["benchmarks"]
    rows: list[list[str]] = []
    crawl = b.get("crawl", {})
    rows.append(
        [
            "crawl (Discourse spider → corpus)",
            f"{_cell(_get(crawl, 'corpus', 'pages_per_s'), '{:,.0f}')} pages/s",
            _cell(_get(crawl, "corpus", "children_peak_rss_mb"), "≤ {:,.0f}"),
            f"`scrapy bench` {_cell(_get(crawl, 'bench', 'pages_per_s'), '{:,.0f}')} pages/s",
            _cell(_get(crawl, "ratios", "corpus_vs_scrapy_bench"), "{}"),
        ]
    )
    enrich = b.get("enrich", {})
    rows.append(
        [
            "enrich",
            f"{_cell(_get(enrich, 'enrich', 'posts_per_s'))} posts/s",
            _cell(_get(enrich, "enrich", "peak_rss_mb"), "{:,.0f}"),
            f"bare MiniLM encode {_cell(_get(enrich, 'encode', 'posts_per_s'))} posts/s; "
            f"spaCy alone {_cell(_get(enrich, 'spacy', 'posts_per_s'))} posts/s",
            f"{_cell(_get(enrich, 'ratios', 'enrich_vs_encode'), '{}')} / "
            f"{_cell(_get(enrich, 'ratios', 'enrich_vs_spacy'), '{}')}",
        ]
    )
    results = _get(b, "search", "results") or []
    largest = max((r["size"] for r in results), default=None)
    at = {r["backend"]: r for r in results if r["size"] == largest}
    base = _get(at, "bulk helper (baseline)", "bulk_docs_per_s")
    for kind in ("elasticsearch", "local"):
        rate = _get(at, kind, "bulk_docs_per_s")
        rows.append(
            [
                f"index ({kind}, {_cell(largest, '{:,}')} posts)",
                f"{_cell(rate, '{:,.0f}')} docs/s",
                _cell(_get(b, "search", "process_peak_rss_mb"), "{:,.0f}"),
                f"ES `helpers.bulk`, no processing {_cell(base, '{:,.0f}')} docs/s",
                f"{rate / base:.2f}" if rate and base else "–",
            ]
        )
    publish = b.get("publish", {})
    rows.append(
        [
            "publish",
            f"{_cell(_get(publish, 'pages_per_minute'), '{:,.0f}')} pages/min",
            _cell(_get(publish, "process_peak_rss_mb"), "{:,.0f}"),
            "–",
            "–",
        ]
    )
    for kind in ("local", "elasticsearch"):
        text = _get(at, kind, "text")
        if text:
            rows.append(
                [
                    f"search, text query ({kind})",
                    f"p50 {text['p50_ms']} ms / p95 {text['p95_ms']} ms",
                    "",
                    "–",
                    "–",
                ]
            )
    studio_runs = _get(b, "studio", "runs") or []
    if studio_runs:
        last = studio_runs[-1]
        pages = ("queue page (HTML, 25 candidates)", "search page: text + facets")
        for backend, page in [(b_, p_) for b_ in last["latency"] for p_ in pages]:
            lat = last["latency"][backend][page]
            rows.append(
                [
                    f"studio: {page}, {backend} index ({last['posts']:,} posts)",
                    f"p50 {lat['p50_ms']} ms / p95 {lat['p95_ms']} ms",
                    _cell(_get(b, "studio", "process_peak_rss_mb"), "{:,.0f}"),
                    "–",
                    "–",
                ]
            )
    return rows


def targets(report: dict[str, Any]) -> list[str]:
    b = report["benchmarks"]
    sample = _get(b, "scale", "sample")
    runs = _get(b, "scale", "runs") or []
    lines = []
    if sample:
        lines.append(
            f"- First full pipeline over the sample ({sample['posts']:,} posts, "
            f"{sample['full']['ingest']['threads']} threads), model load and one process per "
            f"stage included: **{sample['full_seconds']} s** (target < 300 s)."
        )
        lines.append(
            f"- Incremental run with nothing new (one process: enrich, select, index, publish): "
            f"**{sample['noop']['wall_s']} s** (target < 10 s)."
        )
    ratio = _get(b, "enrich", "ratios", "enrich_vs_encode")
    if ratio is not None:
        lines.append(f"- Enrichment / bare encode rate: **{ratio}** (target ≥ 0.6).")
    if runs:
        big = runs[-1]
        parts = [*big["full"].values(), big.get("noop"), big.get("incremental")]
        peak = max(part["peak_rss_mb"] for part in parts if part)
        done = "" if "incremental" in big else " (stages that finished)"
        lines.append(
            f"- Peak memory of any stage at {big['posts']:,} posts{done}: **{peak:,.0f} MB** "
            "(target < 4,096 MB)."
        )
    return lines


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Candor benchmarks",
        "",
        f"`python -m benchmarks{' --quick' if report['quick'] else ''}`, {report['started']}, "
        f"{report['machine']}. Shared machines vary by up to 50% between runs: compare ratios, "
        "which are measured in one run on the same data. Peak memory is each benchmark "
        "process's ru_maxrss in MB (the scale curve measures each stage in its own process).",
        *(
            [f"Taken from an earlier run (`--reuse`): {', '.join(report['reused'])}."]
            if report.get("reused")
            else []
        ),
        "",
        "| stage | throughput | peak MB | baseline (same run, same data) | ratio |",
        "| --- | --- | ---: | --- | ---: |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in summary(report)]
    lines += ["", "## Targets", "", *targets(report)]
    for name, results in report["benchmarks"].items():
        lines += ["", f"## {TITLES[name]}", ""]
        if "error" in results:
            lines.append(f"Failed: `{results['error']}`")
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        lines.append(module.markdown(results))
        if "wall_s" in results:  # absent from results merged by hand from several runs
            lines.append(f"\n({results['wall_s']} s.)")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes: about a minute.")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="Run only these.")
    parser.add_argument(
        "--reuse",
        nargs="+",
        default=[],
        metavar="NAME=FILE",
        help="Take a benchmark's results from a JSON file (e.g. a long scale run).",
    )
    parser.add_argument("--out", type=Path, default=OUT, help="Where report.md/.json go.")
    parser.add_argument("--work", type=Path, default=WORK, help="Scratch folder for stores.")
    parser.add_argument("--child", choices=BENCHMARKS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, args.quick, args.work), default=str))
        return 0
    reused = dict(item.split("=", 1) for item in args.reuse)
    report: dict[str, Any] = {
        "quick": args.quick,
        "started": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
        "benchmarks": {},
        "reused": sorted(reused),
    }
    failed = False
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or BENCHMARKS:
        print(f"benchmark {name}…", file=sys.stderr, flush=True)
        if name in reused:
            report["benchmarks"][name] = json.loads(Path(reused[name]).read_text())
        else:
            extra = ["--quick"] if args.quick else []
            try:
                results = run_child("benchmarks", "--child", name, "--work", str(args.work), *extra)
            except Exception as exc:  # one broken benchmark must not lose the others' figures
                failed = True
                detail = getattr(exc, "stderr", "") or traceback.format_exc()
                print(detail[-3000:], file=sys.stderr)
                results = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
            report["benchmarks"][name] = results
        # written after each benchmark, so a long run stopped part-way keeps what it measured
        (args.out / "report.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
        (args.out / "report.md").write_text(markdown(report))
    print(f"wrote {args.out / 'report.md'} and report.json", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
