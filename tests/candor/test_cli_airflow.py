"""``candor airflow pools``: one Airflow pool per venue, as ``airflow pools import`` reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_cli_airflow_pools_prints_one_pool_per_venue_sized_by_concurrency(tmp_path: Path) -> None:
    (tmp_path / "candor.yaml").write_text(
        "venues:\n"
        "  - {name: signal-community, url: https://community.signalusers.org, concurrency: 3}\n"
        "  - {name: other-forum, url: https://forum.example.org}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "candor", "airflow", "pools"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "candor-venue-signal-community": {
            "slots": 3,
            "description": "Candor: parallel requests to https://community.signalusers.org",
            "include_deferred": False,
        },
        "candor-venue-other-forum": {
            "slots": 2,
            "description": "Candor: parallel requests to https://forum.example.org",
            "include_deferred": False,
        },
    }
