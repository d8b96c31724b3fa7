"""Selector profiles for classic HTML forums: the ones Candor ships, and a venue's own.

A profile is a YAML file in ``crawlers/profiles/`` (package data) holding the fields of
:class:`~corpus.settings.SelectorProfile`. A venue names one (``profile: spirit``) and may
override single fields under ``selectors:``; :func:`venue_profile` merges the two and checks
that every required selector is set. How to write one: README, "Writing a selector profile".
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from corpus.errors import ConfigError
from corpus.settings import SelectorProfile, VenueConfig

__all__ = ["load_profile", "profile_names", "venue_profile"]


def profile_names() -> list[str]:
    """Names of the profiles that ship with Candor."""
    folder = resources.files("crawlers") / "profiles"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def _profile_data(name: str) -> dict[str, Any]:
    path = resources.files("crawlers") / "profiles" / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(profile_names()) or "none"
        raise ConfigError(f"no selector profile named {name!r} (shipped: {known})")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ConfigError(f"crawlers/profiles/{name}.yaml must be a mapping of selectors")
    return data


def load_profile(name: str) -> SelectorProfile:
    """A shipped profile by name; :class:`ConfigError` lists the known names if it is unknown."""
    try:
        return SelectorProfile.model_validate(_profile_data(name))
    except ValidationError as exc:
        raise ConfigError(f"crawlers/profiles/{name}.yaml: {exc}") from exc


def venue_profile(venue: VenueConfig) -> SelectorProfile:
    """The venue's profile with its inline ``selectors:`` laid over it, complete or an error."""
    data = _profile_data(venue.profile) if venue.profile else {}
    if venue.selectors is not None:
        data.update(venue.selectors.model_dump(exclude_unset=True))
    profile = SelectorProfile.model_validate(data)
    missing = profile.missing()
    if missing:
        raise ConfigError(
            f"venue {venue.name}: the selector profile lacks {', '.join(missing)}; "
            "see the README section 'Writing a selector profile'"
        )
    return profile
