"""Logs go to stderr, even when Candor is used as a library: stdout holds a caller's results."""

from __future__ import annotations

import subprocess
import sys


def test_logs_from_library_use_stay_off_stdout() -> None:
    script = "from candor.logs import log; log.info('stage.done', threads=3); print('RESULT')"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout == "RESULT\n"
    assert "stage.done" in done.stderr and "threads=3" in done.stderr
