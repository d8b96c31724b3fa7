"""Settings: one typed object from candor.yaml and CANDOR_* variables, with errors that point."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.errors import ConfigError
from corpus.settings import load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "candor.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    path = write(tmp_path, "taxonomy: tax.yaml\npublish: {out: public}\n")
    settings = load_settings(path)
    assert settings.taxonomy == tmp_path / "tax.yaml"
    assert settings.publish.out == tmp_path / "public"
    assert settings.store == f"sqlite:///{tmp_path / 'candor.db'}"


def test_settings_environment_overrides_file_and_arguments_override_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "store: sqlite:///file.db\npublish: {per_page: 3}\n")
    monkeypatch.setenv("CANDOR_STORE", "sqlite:///env.db")
    monkeypatch.setenv("CANDOR_PUBLISH__PER_PAGE", "7")
    settings = load_settings(path)
    assert (settings.store, settings.publish.per_page) == ("sqlite:///env.db", 7)
    assert load_settings(path, store="sqlite:///arg.db").store == "sqlite:///arg.db"


def test_settings_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "venues:\n  - name: ok-venue\n    url: https://a.example\n"
        "  - name: Bad Name\n    url: ftp://b.example\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert f"{path}:4: venues.1.name" in message
    assert f"{path}:5: venues.1.url: Value error, must be an http(s) URL" in message


def test_settings_unknown_key_is_an_error_not_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "publish:\n  outt: site\n")
    with pytest.raises(ConfigError, match=r"candor.yaml:2: publish.outt: Extra inputs"):
        load_settings(path)


def test_settings_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "venues:\n  - name: [unclosed\n")
    with pytest.raises(ConfigError, match=r"candor.yaml:3: invalid YAML"):
        load_settings(path)


def test_settings_duplicate_venue_names_are_refused(tmp_path: Path) -> None:
    venue = {"name": "same", "url": "https://a.example"}
    with pytest.raises(ConfigError, match="venue names must be unique"):
        load_settings(None, home=tmp_path, venues=[venue, venue])


def test_settings_product_slug_derives_from_name(tmp_path: Path) -> None:
    settings = load_settings(None, home=tmp_path, products=[{"name": "Signal Desktop"}])
    assert settings.products[0].slug == "signal-desktop"
