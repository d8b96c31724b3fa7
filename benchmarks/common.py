"""What the benchmarks share: the sample data's path, child processes, memory and percentiles."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(
    os.environ.get(
        "CANDOR_SAMPLE_DATA", ROOT.parent / "shared/data/discourse-signal-topics.jsonl.gz"
    )
)
EXAMPLE_CONFIG = ROOT / "candor" / "data" / "candor.example.yaml"
TAXONOMY = ROOT / "taxonomy.yaml"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports ru_maxrss in KB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_child(module: str, *args: str) -> dict[str, Any]:
    """Run ``python -m module args`` from the repository root; return its last stdout line as JSON.

    Each measurement runs in its own process so its peak memory (ru_maxrss) is its own.
    """
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentiles(samples: list[float], digits: int = 2) -> dict[str, float]:
    """p50 and p95 of ``samples`` (seconds) in milliseconds, and how many there were."""
    ordered = sorted(samples)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), digits),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], digits),
        "n": len(ordered),
    }
