"""Attribution of orders to mash-ups, and experiments between variant mash-ups.

**Attribution.** Every link a mash-up publishes carries its referral code
(:func:`publisher.referrals.referral_code`, ``{slug}-{hash}``); an imported order carrying that
code (scope ``orders``) is attributed to that mash-up. :func:`attributed_sales` sums them per
code. Attributed is not incremental: a visitor may have bought anyway. The *incremental* effect
of a mash-up is what an experiment measures.

**Experiments.** ``publish.experiments`` gives a product page variants (:mod:`publisher.variants`
publishes them and says how ``embed.js`` splits page requests between them, without cookies).
Each variant's links carry its own code, ``{slug}-{variant}-{hash}``. :func:`experiment_results`
counts, per variant over a period, its *page requests* (the host's requests of its fragment,
imported as scope ``views``) and its *conversions* (imported orders, kind ``order``, carrying
one of its codes), and compares every variant with the first (the baseline).

:func:`compare_rates` compares two conversion rates (orders ÷ page requests): the difference
``p_b − p_a`` with Newcombe's hybrid score interval (method 10, built from the two Wilson
intervals), which behaves well for small counts and rates near 0. It says the sample is too
small to conclude when either variant has fewer than :data:`MIN_EVENTS` conversions or
non-conversions; otherwise the difference is significant when the interval excludes 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from math import sqrt
from statistics import NormalDist
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m
from corpus.settings import ExperimentConfig
from publisher.referrals import referral_code

MIN_EVENTS = 10


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion; ``(0.0, 1.0)`` when there are no trials."""
    if trials <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes out of {trials} trials")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Comparison:
    """Variant B against variant A: rates, their difference and its interval, the verdict."""

    rate_a: float
    rate_b: float
    difference: float
    low: float
    high: float
    confidence: float
    too_small: bool
    label_a: str = "A"
    label_b: str = "B"

    @property
    def verdict(self) -> str:
        a, b = self.label_a, self.label_b
        if self.too_small:
            return (
                f"sample too small to conclude (each variant needs {MIN_EVENTS}+ conversions "
                "and non-conversions)"
            )
        if self.low > 0:
            return f"{b} converts better than {a}"
        if self.high < 0:
            return f"{b} converts worse than {a}"
        return "no difference shown: the interval includes 0"

    @property
    def interval(self) -> str:
        """``+1.10% to +3.29%``: the interval of the difference, in percentage points."""
        return f"{self.low:+.2%} to {self.high:+.2%}"

    def describe(self) -> str:
        pct = round(self.confidence * 100)
        return (
            f"{self.label_a} {self.rate_a:.2%}, {self.label_b} {self.rate_b:.2%}: difference "
            f"{self.difference:+.2%} ({pct}% CI {self.interval}); {self.verdict}"
        )


def compare_rates(
    conversions_a: int,
    trials_a: int,
    conversions_b: int,
    trials_b: int,
    confidence: float = 0.95,
    labels: tuple[str, str] = ("A", "B"),
) -> Comparison:
    """Difference of conversion rates B − A with Newcombe's hybrid score interval.

    conversions_a (int), trials_a (int): orders and page requests of variant A; same for B.
    confidence (float): the interval's level, 0.95 by default.
    labels (str, str): how the verdict names A and B (e.g. the variants' names).
    """
    p_a = conversions_a / trials_a if trials_a else 0.0
    p_b = conversions_b / trials_b if trials_b else 0.0
    l_a, u_a = wilson_interval(conversions_a, trials_a, confidence)
    l_b, u_b = wilson_interval(conversions_b, trials_b, confidence)
    difference = p_b - p_a
    low = difference - sqrt((p_b - l_b) ** 2 + (u_a - p_a) ** 2)
    high = difference + sqrt((u_b - p_b) ** 2 + (p_a - l_a) ** 2)
    too_small = (
        min(conversions_a, trials_a - conversions_a, conversions_b, trials_b - conversions_b)
        < MIN_EVENTS
    )
    return Comparison(p_a, p_b, difference, low, high, confidence, too_small, *labels)


@dataclass(frozen=True)
class Attribution:
    """Orders carrying one mash-up's referral code."""

    code: str
    product: str | None
    orders: int
    signups: int
    amount: float


def imported(session: Session, scope: str, since: datetime | None) -> Iterator[dict[str, Any]]:
    """The metrics of every imported row of ``scope`` dated on or after ``since``."""
    query = select(m.MetricSnapshot).where(m.MetricSnapshot.scope == scope)
    if since is not None:
        query = query.where(m.MetricSnapshot.taken_at >= since)
    for row in session.scalars(query):
        yield row.metrics or {}


def attributed_sales(session: Session, since: datetime | None = None) -> list[Attribution]:
    """Imported orders per referral code of a published mash-up (most orders first).

    Codes no mash-up ever carried are grouped under their own code with ``product`` None, so
    a typo in the orders export shows up instead of vanishing.
    """
    products = {
        code: slug
        for code, slug in session.execute(
            select(m.MashUp.referral_code, m.Product.slug).join(
                m.Product, m.Product.id == m.MashUp.product_id
            )
        )
    }
    totals: dict[str, list[float]] = {}
    for metrics in imported(session, "orders", since):
        code = metrics.get("referral") or ""
        if not code:
            continue
        entry = totals.setdefault(code, [0, 0, 0.0])
        if metrics.get("kind") == "signup":
            entry[1] += 1
        else:
            entry[0] += 1
        entry[2] += float(metrics.get("amount") or 0)
    found = [
        Attribution(code, products.get(code), int(o), int(s), round(a, 2))
        for code, (o, s, a) in totals.items()
    ]
    return sorted(found, key=lambda a: (-a.orders, -a.signups, a.code))


@dataclass(frozen=True)
class VariantResult:
    """One variant of an experiment over a period, compared with the experiment's baseline.

    ``comparison`` is None for the baseline itself and when the counts cannot be compared;
    ``note`` then says why.
    """

    experiment: str
    product: str
    variant: str
    codes: tuple[str, ...]
    requests: int
    orders: int
    comparison: Comparison | None
    note: str = ""

    @property
    def rate(self) -> float | None:
        return self.orders / self.requests if self.requests else None


def experiment_results(
    session: Session, experiments: list[ExperimentConfig], since: datetime | None = None
) -> list[VariantResult]:
    """Every configured experiment's variants with requests, orders and the comparison.

    since (datetime | None): count imported requests and orders dated on or after it.
    """
    results = []
    orders = _orders_per_code(session, since)
    for experiment in experiments:
        codes = _variant_codes(session, experiment)
        requests = _requests(session, experiment.product, since)
        counted = [
            (
                v.name,
                codes.get(v.name, ()),
                requests.get(v.name, 0),
                sum(orders[c] for c in codes.get(v.name, ())),
            )
            for v in experiment.variants
        ]
        base_name, _, base_requests, base_orders = counted[0]
        for name, variant_codes, n, conversions in counted:
            comparison, note = None, ""
            if not variant_codes:
                note = "not published yet: run `candor publish`"
            elif not n:
                note = "no page requests imported: `candor import views`"
            elif conversions > n:
                note = f"{conversions} orders but {n} requests: the views import is incomplete"
            elif name == base_name:
                note = "baseline"
            elif not base_requests or base_orders > base_requests:
                note = f"baseline {base_name} cannot be compared (see its row)"
            else:
                comparison = compare_rates(
                    base_orders, base_requests, conversions, n, labels=(base_name, name)
                )
            results.append(
                VariantResult(
                    experiment.name,
                    experiment.product,
                    name,
                    variant_codes,
                    n,
                    conversions,
                    comparison,
                    note,
                )
            )
    return results


def _variant_codes(session: Session, experiment: ExperimentConfig) -> dict[str, tuple[str, ...]]:
    """Variant → referral codes it carried in any release *of this experiment*.

    The variant column holds only the variant's name; a code is this experiment's when
    recomputing it from the row's threads with the experiment's name gives it back.
    """
    rows = session.execute(
        select(m.MashUp.variant, m.MashUp.thread_ids, m.MashUp.referral_code)
        .join(m.Product, m.Product.id == m.MashUp.product_id)
        .where(m.Product.slug == experiment.product, m.MashUp.variant != "")
    )
    found: dict[str, set[str]] = {}
    for variant, thread_ids, code in rows:
        if code == referral_code(experiment.product, thread_ids, variant, experiment.name):
            found.setdefault(variant, set()).add(code)
    return {variant: tuple(sorted(codes)) for variant, codes in found.items()}


def _requests(session: Session, product: str, since: datetime | None) -> Counter[str]:
    """Variant → imported requests of ``fragments/{product}.{variant}.html``."""
    totals: Counter[str] = Counter()
    for metrics in imported(session, "views", since):
        if metrics.get("product") == product and metrics.get("variant"):
            totals[metrics["variant"]] += int(metrics.get("requests") or 0)
    return totals


def _orders_per_code(session: Session, since: datetime | None) -> Counter[str]:
    """Referral code → imported orders (kind ``order``; sign-ups are not conversions here)."""
    totals: Counter[str] = Counter()
    for metrics in imported(session, "orders", since):
        if metrics.get("referral") and metrics.get("kind", "order") == "order":
            totals[metrics["referral"]] += 1
    return totals
