"""Planning settings: venue policy, pilot rotations and the plan section, with errors that point."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.errors import ConfigError
from corpus.settings import load_settings
from tests.corpus.test_settings import write

VENUE = "venues:\n  - name: forum\n    url: https://forum.example\n"


def test_settings_plan_defaults_keep_the_scenarios_file_beside_the_store(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, VENUE))
    assert settings.venues[0].policy == "engage"
    assert settings.plan.scenarios_file == tmp_path / "scenarios.yaml"
    elsewhere = load_settings(None, home=tmp_path, store=f"sqlite:///{tmp_path}/db/c.db")
    assert elsewhere.plan.scenarios_file == tmp_path / "db" / "scenarios.yaml"
    server = load_settings(None, home=tmp_path, store="postgresql+psycopg://u@h/candor")
    assert server.plan.scenarios_file == tmp_path / "scenarios.yaml"


def test_settings_unknown_venue_policy_names_line_and_choices(tmp_path: Path) -> None:
    path = write(tmp_path, VENUE + "    policy: lurk\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert f"{path}:4: venues.0.policy: Input should be 'engage' or 'observe'" in str(caught.value)


def test_settings_rotation_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pilot_contributors:\n  rotations:\n"
        "    - {name: spring, start: 2026-04-01, end: 2026-03-01, usernames: [ann]}\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert f"{path}:3: pilot_contributors.rotations.0" in message
    assert "rotation 'spring' ends (2026-03-01) before it starts" in message


def test_settings_one_person_in_two_rotations_at_once_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pilot_contributors:\n  rotations:\n"
        "    - {name: one, start: 2026-01-01, usernames: [Ann, bob]}\n"
        "    - {name: two, start: 2026-02-01, end: 2026-03-01, usernames: [ann]}\n",
    )
    with pytest.raises(ConfigError, match=r"ann is in rotations 'one' and 'two' at once"):
        load_settings(path)


def test_settings_plan_values_out_of_range_name_the_field(tmp_path: Path) -> None:
    path = write(tmp_path, "plan:\n  quiet_ratio: 1.5\n")
    with pytest.raises(ConfigError, match=r"candor.yaml:2: plan.quiet_ratio: Input should be"):
        load_settings(path)
