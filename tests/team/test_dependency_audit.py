"""`make test`'s dependency audit (``.ci/audit.py``) judges pip-audit's JSON report.

The reports are pip-audit's own format, invented here: the real audit runs in ``make test``.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_audit", REPO / ".ci" / "audit.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def dependency(name: str, *vulns: dict[str, Any], skipped: bool = False) -> dict[str, Any]:
    if skipped:
        return {"name": name, "skip_reason": f"Dependency not found on PyPI: {name} (1.0)"}
    return {"name": name, "version": "1.0", "vulns": list(vulns)}


def test_audit_fails_on_a_vulnerability_with_a_fix(audit: ModuleType) -> None:
    report = {
        "dependencies": [
            dependency("jinja2", {"id": "GHSA-1", "fix_versions": ["3.1.6"]}),
            dependency("rich"),
        ]
    }
    result = audit.verdict(report)
    assert result.code == 1
    assert "error: jinja2 1.0: GHSA-1 (fixed in 3.1.6)" in result.lines


def test_audit_only_warns_on_a_vulnerability_without_a_fix(audit: ModuleType) -> None:
    report = {"dependencies": [dependency("torch", {"id": "PYSEC-9", "fix_versions": []})]}
    result = audit.verdict(report)
    assert result.code == 0
    assert "warning: torch 1.0: PYSEC-9 (no fixed version yet)" in result.lines


def test_audit_skips_loudly_when_nothing_could_be_audited(audit: ModuleType) -> None:
    report = {"dependencies": [dependency("a", skipped=True), dependency("b", skipped=True)]}
    result = audit.verdict(report)
    assert result.code == 0
    assert "AUDIT SKIPPED: no dependency was checked for vulnerabilities." in result.lines
    assert any("none of the 2 pinned packages could be audited" in line for line in result.lines)


def test_audit_names_the_packages_it_could_not_check(audit: ModuleType) -> None:
    report = {"dependencies": [dependency("a", skipped=True), dependency("b")]}
    result = audit.verdict(report)
    assert result.code == 0
    assert result.lines == ["audited 1 of 2 pinned packages", "warning: 1 could not be audited: a"]
