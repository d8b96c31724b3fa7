"""``python -m benchmarks --quick`` runs and writes a well-formed report; the scale curve's
synthetic corpus is deterministic and new. No test here looks at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import islice
from pathlib import Path

import pytest

from benchmarks import scale
from benchmarks.__main__ import markdown

REPO = Path(__file__).resolve().parents[2]


def test_scale_synthetic_threads_are_deterministic_and_renumbered(sample_data: Path) -> None:
    first = list(islice(scale.synthetic_threads(300, seed=3, first_id=500), 5))
    again = list(islice(scale.synthetic_threads(300, seed=3, first_id=500), 5))
    assert [p["id"] for _, posts in first for p in posts] == [
        p["id"] for _, posts in again for p in posts
    ]
    topic, posts = first[0]
    assert topic["id"] == 500 and topic["highest_post_number"] == len(posts)
    assert [p["post_number"] for p in posts] == list(range(1, len(posts) + 1))
    assert all(p["topic_id"] == 500 and p["id"] > 500 for p in posts)


def test_scale_synthetic_threads_total_the_posts_asked(sample_data: Path) -> None:
    threads = scale.synthetic_threads(250, seed=1, first_id=1)
    assert sum(len(posts) for _, posts in threads) == 250


def test_scale_growth_is_the_log_log_slope() -> None:
    runs = [
        {"posts": 1_000, "full": {"ingest": {"seconds": 2.0}}},
        {"posts": 10_000, "full": {"ingest": {"seconds": 20.0}, "enrich": {"seconds": 9.0}}},
    ]
    growth = scale.growth(runs)
    assert growth["ingest"] == 1.0
    assert growth["enrich"] is None  # one point only: a run stopped before it


def test_bench_report_renders_with_a_failed_benchmark() -> None:
    report = {
        "quick": True,
        "started": "now",
        "machine": "m",
        "benchmarks": {"crawl": {"error": "boom"}},
    }
    text = markdown(report)
    assert "| stage | throughput | peak MB |" in text and "Failed: `boom`" in text


def test_bench_report_names_the_benchmarks_taken_from_an_earlier_run() -> None:
    """A report mixing runs says so: its date is only that of what it measured itself."""
    report = {"quick": False, "started": "now", "machine": "m", "benchmarks": {}}
    assert "--reuse" not in markdown(report)
    text = markdown({**report, "reused": ["crawl", "scale"]})
    assert "Taken from an earlier run (`--reuse`): crawl, scale." in text


@pytest.mark.slow
def test_bench_quick_writes_a_well_formed_report(tmp_path: Path) -> None:
    # the benchmarks that load no model: the whole quick mode takes minutes on two cores
    only = ["--only", "crawl", "publish", "studio"]
    subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", *only, "--out", str(tmp_path)],
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["quick"] is True
    assert set(report["benchmarks"]) == {"crawl", "publish", "studio"}
    assert all("error" not in r for r in report["benchmarks"].values())
    assert report["benchmarks"]["crawl"]["ratios"]["corpus_vs_scrapy_bench"] > 0
    assert report["benchmarks"]["publish"]["pages_per_minute"] > 0
    text = (tmp_path / "report.md").read_text()
    assert text.startswith("# Candor benchmarks")
    for heading in (
        "## Targets",
        "## Crawl beside `scrapy bench`",
        "## Publish",
        "## Studio latency",
    ):
        assert heading in text
