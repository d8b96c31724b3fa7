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


def scenario_of(plan: Plan, key: str) -> Scenario:
    """The plan's scenario named ``product/id``; an :class:`InputError` lists the known ones."""
    from corpus.errors import InputError

    found = {s.key: s for s, _ in plan.scenarios}
    if key not in found:
        known = ", ".join(sorted(found)) or "none: run `candor enrich` first"
        raise InputError(f"no scenario {key!r} (known: {known})")
    return found[key]


def _edits_file(settings: Settings) -> Path:
    return cast(Path, settings.plan.scenarios_file)  # Settings resolves the default


def rename_scenario(settings: Settings, key: str, name: str) -> Path:
    """Show scenario ``key`` as ``name`` from now on; returns the scenarios file written."""
    from candor.plan.edits import record

    record(_edits_file(settings), scenario_of(make_plan(settings), key), name=name)
    return _edits_file(settings)


def merge_scenarios(settings: Settings, key: str, into: str) -> Path:
    """Fold scenario ``key`` into ``into`` (both ``product/id``, same product)."""
    from candor.plan.edits import record
    from corpus.errors import InputError

    plan = make_plan(settings)
    scenario, target = scenario_of(plan, key), scenario_of(plan, into)
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
    scenario = scenario_of(plan, key)
    titles = [plan.titles[t] for t in scenario.representative if t in plan.titles]
    category = category_for(scenario, titles, category_id, description)
    append_category(settings.taxonomy, category)
    return category
