"""Curators' edits to discovered scenarios: renames and merges, kept in a YAML file.

The file is ``plan.scenarios_file`` (default ``scenarios.yaml`` beside the store). Each product
maps a scenario id to ``name`` (the label shown instead of the discovered one) and/or
``merge_into`` (another scenario of the same product that absorbs its threads)::

    signal-desktop:
      qr-code-link: {name: Linking a desktop}
      link-device: {merge_into: qr-code-link}

Scenario ids derive from the discovered label, so an edit follows its scenario while the
clustering keeps finding it; an edit whose scenario is no longer found is reported, not dropped.
A bad file fails with :class:`~corpus.errors.ConfigError` naming file, line and field.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, RootModel, ValidationError, model_validator

from corpus import yamlfile
from corpus.errors import ConfigError
from nlp.scenarios import Scenario, main_category


class ScenarioEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    merge_into: str | None = None


class ScenarioEdits(RootModel[dict[str, dict[str, ScenarioEdit]]]):
    """Product slug → scenario id → edit."""

    @model_validator(mode="after")
    def _no_cycles(self) -> ScenarioEdits:
        for product, edits in self.root.items():
            for start in edits:
                seen, current = [start], edits[start].merge_into
                while current is not None:
                    if current in seen:
                        chain = " → ".join([*seen, current])
                        raise ValueError(f"{product}: merges go round in a circle: {chain}")
                    seen.append(current)
                    current = edits[current].merge_into if current in edits else None
        return self


def load_edits(path: Path) -> ScenarioEdits:
    """The edits in ``path``; none when the file does not exist yet."""
    if not path.exists():
        return ScenarioEdits({})
    try:
        data, node = yamlfile.load(path)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        return ScenarioEdits.model_validate(data or {})
    except ValidationError as exc:
        raise ConfigError(
            "invalid scenarios file:\n" + yamlfile.describe_errors(path, node, exc)
        ) from exc


def save_edits(path: Path, edits: ScenarioEdits) -> None:
    """Write ``edits`` to ``path`` atomically (a reader never sees half a file)."""
    data = {
        product: {sid: e.model_dump(exclude_none=True) for sid, e in sorted(items.items())}
        for product, items in sorted(edits.root.items())
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(
        "# Scenario renames and merges (candor plan rename|merge); edit freely.\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    os.replace(temporary, path)


def record(
    path: Path, scenario: Scenario, name: str | None = None, into: str | None = None
) -> None:
    """Remember a rename (``name``) or a merge (``into``: a scenario id) of ``scenario``."""
    edits = load_edits(path)
    mine = edits.root.setdefault(scenario.product, {})
    edit = mine.setdefault(scenario.id, ScenarioEdit())
    if name is not None:
        edit.name = name
    if into is not None:
        edit.merge_into = into
    save_edits(path, ScenarioEdits.model_validate(edits.model_dump()))


def apply_edits(
    scenarios: list[Scenario], edits: ScenarioEdits, categories: dict[int, str | None]
) -> tuple[list[Scenario], list[str]]:
    """The scenarios with renames and merges applied, and the edits no scenario matched.

    A merged scenario keeps the target's id, label (or its new name), representative threads
    and key phrases; its threads are both sets, and its category is recomputed over them.
    """
    found = {s.key: s for s in scenarios}
    unmatched = [
        f"{product}/{sid}"
        for product, items in edits.root.items()
        for sid in items
        if f"{product}/{sid}" not in found
    ]

    def target(scenario: Scenario) -> Scenario:
        edit = edits.root.get(scenario.product, {}).get(scenario.id)
        into = found.get(f"{scenario.product}/{edit.merge_into}") if edit else None
        return target(into) if into is not None else scenario

    merged: dict[str, list[int]] = {}
    for scenario in scenarios:
        merged.setdefault(target(scenario).key, []).extend(scenario.thread_ids)
    result = []
    for scenario in scenarios:
        if scenario.key not in merged:
            continue
        ids = tuple(sorted(merged[scenario.key]))
        edit = edits.root.get(scenario.product, {}).get(scenario.id)
        category, share = main_category(ids, categories)
        result.append(
            replace(
                scenario,
                label=edit.name if edit and edit.name else scenario.label,
                thread_ids=ids,
                category=category,
                category_share=share,
            )
        )
    return result, unmatched
