"""The command line as a user meets it: clear errors, the right exit codes, results on stdout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import TAXONOMY


def candor(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "candor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_bad_config_exits_1_naming_file_line_and_field(tmp_path: Path) -> None:
    (tmp_path / "candor.yaml").write_text("venues:\n  - name: x\n    url: nope\n")
    result = candor("status", cwd=tmp_path)
    assert result.returncode == 1
    assert "candor.yaml:3: venues.0.url" in result.stderr
    assert result.stdout == ""


def test_cli_status_before_init_says_what_to_run(tmp_path: Path) -> None:
    result = candor("status", cwd=tmp_path)
    assert result.returncode == 1
    assert "run `candor init`" in result.stderr


def test_cli_init_writes_config_and_taxonomy_then_status_counts_zero(tmp_path: Path) -> None:
    result = candor("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "taxonomy.yaml").read_text() == TAXONOMY.read_text()
    assert "wrote taxonomy.yaml" in result.stdout
    status = candor("status", "--json", cwd=tmp_path)
    assert status.returncode == 0
    assert '"threads": 0' in status.stdout


def test_cli_init_names_a_missing_taxonomy_and_keeps_the_config(tmp_path: Path) -> None:
    config = tmp_path / "candor.yaml"
    config.write_text("taxonomy: issues.yaml\n")
    result = candor("init", cwd=tmp_path)
    assert result.returncode == 1
    assert "taxonomy file not found (point `taxonomy:` in candor.yaml at yours" in " ".join(
        result.stderr.split()
    )
    assert config.read_text() == "taxonomy: issues.yaml\n"


def test_cli_usage_error_is_a_user_error(tmp_path: Path) -> None:
    result = candor("crawl", "--max-threads", "zero", cwd=tmp_path)
    assert result.returncode == 1
    assert "Invalid value for '--max-threads'" in result.stderr


def test_cli_eval_rejects_a_malformed_line_naming_it(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "a", "type": "post", "role": "staff", "text": "x"}\n{"id": 3}\n')
    result = candor("eval", str(items), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{items}:2:" in result.stderr


def test_cli_eval_and_devset_name_a_missing_file_or_folder(tmp_path: Path) -> None:
    missing = candor("eval", str(tmp_path / "nope.jsonl"), cwd=tmp_path)
    assert missing.returncode == 1
    said = "".join(missing.stderr.split())  # rich wraps long paths
    assert f"{tmp_path / 'nope.jsonl'}:nosuchfile" in said
    nowhere = tmp_path / "no-such-folder" / "dev.jsonl"
    unwritable = candor("devset", "--out", str(nowhere), cwd=Path(__file__).parents[2])
    assert unwritable.returncode == 1
    said = "".join(unwritable.stderr.split())
    assert f"{nowhere}:cannotwriteit(Nosuchfileordirectory)" in said


def test_cli_settings_prints_every_setting_with_its_value(tmp_path: Path) -> None:
    (tmp_path / "candor.yaml").write_text(
        f"taxonomy: {TAXONOMY}\nstudio: {{secret_key: do-not-print-me-0123456789abcdef}}\n"
        "publish: {per_page: 7}\n"
    )
    shown = candor("settings", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    values = yaml.safe_load(shown.stdout)
    assert values["publish"]["per_page"] == 7  # from the file
    assert values["select"]["per_product"] > 0  # a default
    assert "do-not-print-me" not in shown.stdout and values["studio"]["secret_key"] == "(set)"
