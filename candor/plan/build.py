"""The pilot plan: every planning figure computed once, and the recommendations they support.

:func:`build_plan` reads the corpus as of ``as_of`` (default: its newest post, i.e. the last
crawl, so a plan of an old corpus still has a present) and returns a :class:`Plan`, which the
report (:mod:`candor.plan.report`) and the studio's Plan page render.

Recommendations (``docs/planning.md``):

- **Products**: the ``plan.recommend`` products with the highest opportunity score among those
  where staff already answered in at least one thread (there is service to show).
- **Scenarios**: the ``plan.recommend`` best-scoring scenarios of the recommended products.
- **Venues**: engage venues that do not quiet down when staff join; observe-only are the venues
  and categories configured so, and those the community-response figure flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from candor.plan.discover import discover
from candor.plan.figures import Capability, Opportunity, capability, opportunity, percent
from candor.plan.policy import OBSERVE, policy_of
from candor.plan.response import Response, response
from candor.plan.rotations import RotationFigures, rotation_figures
from candor.plan.threads import PlanThread, by_key, plan_threads, post_texts
from candor.plan.triage import TriageItem, triage
from corpus import models as m
from corpus.settings import Settings
from corpus.store import Store
from nlp.scenarios import Scenario


@dataclass(frozen=True)
class Recommendation:
    """One recommendation and the figures behind it."""

    kind: str
    what: str
    why: str


@dataclass
class Plan:
    """Everything the planning report shows."""

    as_of: datetime
    products: dict[str, str]
    product_figures: dict[str, Opportunity]
    capabilities: dict[str, Capability]
    scenarios: list[tuple[Scenario, Opportunity]]
    titles: dict[int, str]
    venues: list[Response]
    categories: list[Response]
    policies: list[tuple[str, str, list[str]]]
    triage: list[TriageItem]
    rotations: list[RotationFigures]
    outside_rotations: int
    unmatched_edits: list[str]
    recommendations: list[Recommendation] = field(default_factory=list)
    observe: list[tuple[str, str]] = field(default_factory=list)


def corpus_present(store: Store) -> datetime:
    """The newest live post's time (the last crawl's present), or now for an empty corpus."""
    with store.session() as session:
        newest = session.scalar(select(func.max(m.Post.created_at)))
    if newest is None:
        return datetime.now(UTC)
    return newest if newest.tzinfo else newest.replace(tzinfo=UTC)


def build_plan(store: Store, settings: Settings, as_of: datetime | None = None) -> Plan:
    """Compute the plan (see the module docstring); reads only, writes nothing."""
    as_of = as_of or corpus_present(store)
    config = settings.plan
    with store.session() as session:
        threads = plan_threads(session)
        scenarios, unmatched = discover(session, settings, threads)
        live = list(threads.values())
        recent = as_of - timedelta(days=config.triage_max_age_days)  # triage reads no older
        texts = post_texts(session, [p.id for t in live if t.created_at >= recent for p in t.posts])
    by_product = {
        p.slug: [t for t in live if p.slug in t.facts.products] for p in settings.products
    }
    plan = Plan(
        as_of=as_of,
        products={p.slug: p.name for p in settings.products},
        product_figures={
            slug: opportunity(ts, as_of, config.trend_days) for slug, ts in by_product.items()
        },
        capabilities={slug: capability(ts) for slug, ts in by_product.items()},
        scenarios=[
            (s, opportunity([threads[i] for i in s.thread_ids], as_of, config.trend_days))
            for s in scenarios
        ],
        titles={t.id: t.title for t in live},
        venues=_responses(settings, live, "venue"),
        categories=_responses(settings, live, "category"),
        policies=[(v.name, v.policy, list(v.observe_categories)) for v in settings.venues],
        triage=triage(settings, live, texts, as_of),
        rotations=[],
        outside_rotations=0,
        unmatched_edits=unmatched,
    )
    plan.rotations, plan.outside_rotations = rotation_figures(
        settings.pilot_contributors,
        ((p.username, p.created_at, t.id) for t in live for p in t.posts),
    )
    _recommend(plan, settings)
    return plan


def _responses(settings: Settings, threads: list[PlanThread], key: str) -> list[Response]:
    config = settings.plan
    return [
        response(
            group, members, config.response_days, config.quiet_ratio, config.min_compared_threads
        )
        for group, members in by_key(threads, key).items()
    ]


def _recommend(plan: Plan, settings: Settings) -> None:
    """Fill ``plan.recommendations`` and ``plan.observe`` (see the module docstring)."""
    top = settings.plan.recommend
    served = [
        slug
        for slug, cap in plan.capabilities.items()
        if cap.staff_threads and plan.product_figures[slug].threads
    ]
    chosen = sorted(served, key=lambda s: (-plan.product_figures[s].score, s))[:top]
    for slug in chosen:
        o, c = plan.product_figures[slug], plan.capabilities[slug]
        hours = (
            f"first staff reply after {c.first_staff_reply_hours:g} h (median)"
            if c.first_staff_reply_hours is not None
            else "no staff reply timed"
        )
        plan.recommendations.append(
            Recommendation(
                "product",
                plan.products[slug],
                f"opportunity {o.score:g}: {o.threads} threads × {o.participants_mean:g} people "
                f"per thread, community solves {percent(o.community_solved)}; staff in "
                f"{percent(c.staff_coverage)} of threads, {percent(c.resolved_after_staff)} "
                f"resolved after staff joined, {hours}, admissions in "
                f"{percent(c.admission_rate)} of staff threads",
            )
        )
    for slug in sorted(set(plan.capabilities) - set(served)):
        plan.observe.append(
            (plan.products[slug], "not recommended yet: no staff reply in its threads to show")
        )
    ranked = sorted(
        (pair for pair in plan.scenarios if pair[0].product in chosen),
        key=lambda pair: (-pair[1].score, pair[0].key),
    )
    for scenario, o in ranked[:top]:
        category = (
            f"{scenario.category} ({percent(scenario.category_share)} of its threads)"
            if scenario.category
            else "no taxonomy category"
        )
        plan.recommendations.append(
            Recommendation(
                "scenario",
                f"{plan.products[scenario.product]}: {scenario.label}",
                f"opportunity {o.score:g}: {o.threads} threads, {o.participants_mean:g} people "
                f"per thread, {o.helpers_mean:g} helpers per thread, community solves "
                f"{percent(o.community_solved)}, gratitude in {percent(o.gratitude)}, "
                f"unanswered {percent(o.unanswered)}, trend {o.trend:+d}; maps to {category}",
            )
        )
    for venue, policy, observed in plan.policies:
        if policy == OBSERVE:
            plan.observe.append((venue, "venue policy: observe"))
        plan.observe += [(f"{venue}/{c}", "category policy: observe") for c in observed]
    quiet = [r for r in plan.venues + plan.categories if r.quiets_down]
    for r in quiet:
        plan.observe.append(
            (
                r.group,
                f"quiets down when staff join: {r.replies_after_staff:g} replies by others after "
                f"staff vs {r.replies_after_other:g} after a community reply (ratio {r.ratio:g} ≤ "
                f"{settings.plan.quiet_ratio:g}; {r.staff_threads} vs {r.other_threads} threads)",
            )
        )
    quiet_venues = {r.group for r in quiet}
    for venue, _, _ in plan.policies:
        if policy_of(settings, venue) != OBSERVE and venue not in quiet_venues:
            figures = next((r for r in plan.venues if r.group == venue), None)
            detail = (
                f"others reply {figures.replies_after_staff:g} times after staff vs "
                f"{figures.replies_after_other:g} after a community reply"
                if figures and figures.ratio is not None
                else "not enough threads to compare community response yet"
            )
            plan.recommendations.append(Recommendation("venue", f"engage in {venue}", detail))
