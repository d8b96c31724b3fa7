"""Planning the pilot: which products, scenarios and forums to serve in, and where to observe.

- :mod:`candor.plan.threads` reads each live thread's posts, roles and signals once;
- :mod:`candor.plan.discover` finds each product's scenarios (:mod:`nlp.scenarios`) and applies
  the renames and merges of :mod:`candor.plan.edits`; :mod:`candor.plan.promote` turns one into
  a taxonomy category;
- :mod:`candor.plan.figures` (opportunity, service capability), :mod:`candor.plan.response`
  (community response to staff), :mod:`candor.plan.policy` (engage/observe),
  :mod:`candor.plan.triage` (open threads for contributors), :mod:`candor.plan.rotations`
  (who is in the pilot when);
- :mod:`candor.plan.build` composes them into a plan with recommendations, and
  :mod:`candor.plan.report` writes it as Markdown and HTML with charts.

The functions below are what ``candor plan`` and the studio call. Definitions:
``docs/planning.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from candor.plan.build import Plan
    from corpus.settings import Settings
    from corpus.taxonomy import Category
    from nlp.scenarios import Scenario


def make_plan(settings: Settings, as_of: datetime | None = None) -> Plan:
    """The plan of the configured corpus as of ``as_of`` (default: its newest post)."""
    from candor.plan.build import build_plan
    from candor.stages import open_store

    store = open_store(settings)
    try:
        return build_plan(store, settings, as_of)
    finally:
        store.dispose()


def write_plan(settings: Settings, folder: Path, as_of: datetime | None = None) -> list[Path]:
    """Write the planning report (``plan.md``, ``plan.html``, ``charts/``) into ``folder``."""
    from candor.plan.report import write_report

    return write_report(make_plan(settings, as_of), folder)


def scenarios_of(plan: Plan) -> dict[str, Scenario]:
    """The plan's scenarios by key (``product/id``)."""
    return {s.key: s for s, _ in plan.scenarios}


def scenario_of(found: Mapping[str, Scenario], key: str) -> Scenario:
    """The scenario named ``product/id`` among ``found`` (a plan's :func:`scenarios_of`); an
    :class:`InputError` lists the known ones."""
    from corpus.errors import InputError

    if key not in found:
        known = ", ".join(sorted(found)) or "none: run `candor enrich` first"
        raise InputError(f"no scenario {key!r} (known: {known})")
    return found[key]


def _edits_file(settings: Settings) -> Path:
    return cast(Path, settings.plan.scenarios_file)  # Settings resolves the default


def _scenarios(
    settings: Settings, known: Mapping[str, Scenario] | None, *keys: str
) -> Mapping[str, Scenario]:
    """``known`` when it holds every key, else the scenarios of a plan built now."""
    if known and all(key in known for key in keys):
        return known
    return scenarios_of(make_plan(settings))


def rename_scenario(
    settings: Settings, key: str, name: str, known: Mapping[str, Scenario] | None = None
) -> Path:
    """Show scenario ``key`` as ``name`` from now on; returns the scenarios file written.

    ``known``: the scenarios of a plan just built (the studio's Plan page keeps them), so the
    plan is not discovered again only to check the key.
    """
    from candor.plan.edits import record

    found = _scenarios(settings, known, key)
    record(_edits_file(settings), scenario_of(found, key), name=name)
    return _edits_file(settings)


def merge_scenarios(
    settings: Settings, key: str, into: str, known: Mapping[str, Scenario] | None = None
) -> Path:
    """Fold scenario ``key`` into ``into`` (both ``product/id``, same product); ``known`` as for
    :func:`rename_scenario`."""
    from candor.plan.edits import record
    from corpus.errors import InputError

    found = _scenarios(settings, known, key, into)
    scenario, target = scenario_of(found, key), scenario_of(found, into)
    if scenario.product != target.product or scenario.id == target.id:
        raise InputError(f"merge {key!r} into another scenario of the same product, not {into!r}")
    record(_edits_file(settings), scenario, into=target.id)
    return _edits_file(settings)


def promote_scenario(
    settings: Settings, key: str, category_id: str | None = None, description: str | None = None
) -> Category:
    """Append scenario ``key`` to the taxonomy file as a new category; returns the category."""
    from candor.plan.promote import append_category, category_for

    plan = make_plan(settings)
    scenario = scenario_of(scenarios_of(plan), key)
    titles = [plan.titles[t] for t in scenario.representative if t in plan.titles]
    category = category_for(scenario, titles, category_id, description)
    append_category(settings.taxonomy, category)
    return category
