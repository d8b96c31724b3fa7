"""`make test`'s dependency audit: pip-audit over the pinned environment, failing only on a fix.

Usage: ``python .ci/audit.py requirements/constraints.txt``

pip-audit checks every pin against its vulnerability service (PyPI's per-version JSON API).
The verdict, from its JSON report:

- a known vulnerability with a fixed version available: exit 1, naming package, id and fix;
- a vulnerability without a fix yet: listed as a warning (nothing to upgrade to), exit 0;
- nothing could be audited (the service is unreachable, or answers 404 for every pinned
  version, as a registry mirror without the per-version API does): a loud ``AUDIT SKIPPED``
  banner on stderr and exit 0. CI must not fail on a network it does not control, but nobody
  may read a vacuous "no known vulnerabilities" as a pass either.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BANNER = "!" * 78


@dataclass(frozen=True)
class Verdict:
    """What the audit found: the exit code and the lines to print (stderr)."""

    code: int
    lines: list[str]


def verdict(report: dict[str, Any]) -> Verdict:
    """Judge a pip-audit JSON report (``pip-audit -f json``); see the module docstring."""
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = len(dependencies) - len(skipped)
    if dependencies and not audited:
        return skip(
            f"none of the {len(dependencies)} pinned packages could be audited; "
            f"pip-audit says, e.g.: {skipped[0]['skip_reason']}"
        )
    fixable, unfixed = [], []
    for dependency in dependencies:
        for vuln in dependency.get("vulns", []):
            line = f"{dependency['name']} {dependency['version']}: {vuln['id']}"
            if vuln.get("fix_versions"):
                fixable.append(f"{line} (fixed in {', '.join(vuln['fix_versions'])})")
            else:
                unfixed.append(f"{line} (no fixed version yet)")
    lines = [f"audited {audited} of {len(dependencies)} pinned packages"]
    if skipped:
        lines.append(
            f"warning: {len(skipped)} could not be audited: "
            + ", ".join(d["name"] for d in skipped)
        )
    lines += [f"warning: {line}" for line in unfixed]
    if fixable:
        lines += [f"error: {line}" for line in fixable]
        lines.append("upgrade these pins (make lock) and run make test again")
        return Verdict(1, lines)
    return Verdict(0, lines)


def skip(reason: str) -> Verdict:
    """The loud skip: the audit did not happen, and the banner says so and why."""
    return Verdict(
        0,
        [BANNER, "AUDIT SKIPPED: no dependency was checked for vulnerabilities.", reason, BANNER],
    )


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python .ci/audit.py REQUIREMENTS", file=sys.stderr)
        return 2
    requirements = Path(argv[0])
    run = subprocess.run(
        [
            *(sys.executable, "-m", "pip_audit", "--requirement", str(requirements)),
            # The pins are complete and installed already: audit them as they are.
            *("--no-deps", "--disable-pip", "--progress-spinner", "off", "--format", "json"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(run.stdout)
    except ValueError:
        result = skip(
            f"pip-audit on {requirements} exited {run.returncode} without a report: "
            + (run.stderr.strip().splitlines() or ["no message"])[-1]
        )
    else:
        result = verdict(report)
    for line in result.lines:
        print(line, file=sys.stderr)
    return result.code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
