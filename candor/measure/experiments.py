"""Attribution of orders to mash-ups, and experiments between variant mash-ups.

**Attribution.** Every link a mash-up publishes carries its referral code
(:func:`publisher.referrals.referral_code`, ``{slug}-{hash}``); an imported order carrying that
code (scope ``orders``) is attributed to that mash-up. :func:`attributed_sales` sums them per
code. Attributed is not incremental: a visitor may have bought anyway. The *incremental* effect
of a mash-up is what an experiment measures.

**Experiments.** A product page has variants (e.g. ``control`` showing no mash-up and ``a``,
``b`` showing different selections). :func:`assign_variant` picks one per *page request*,
deterministically and without cookies: ``sha256(experiment + ":" + request_id)`` taken modulo
the number of variants, where ``request_id`` is whatever identifies the request at the edge
(the CDN's request id; never a person). The same request always gets the same variant, each
variant gets an equal share, and nothing is stored on the visitor's device.

:func:`compare_rates` compares two variants' conversion rates (orders ÷ page requests): the
difference ``p_b − p_a`` with Newcombe's hybrid score interval (method 10, built from the two
Wilson intervals), which behaves well for small counts and rates near 0. It says the sample is
too small to conclude when either variant has fewer than :data:`MIN_EVENTS` conversions or
non-conversions; otherwise the difference is significant when the interval excludes 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from math import sqrt
from statistics import NormalDist

from sqlalchemy import select
from sqlalchemy.orm import Session

from corpus import models as m

MIN_EVENTS = 10


def assign_variant(experiment: str, request_id: str, variants: Sequence[str]) -> str:
    """The variant a page request sees: ``assign_variant("desktop-1", "req-42", ["a", "b"])``.

    Deterministic (same inputs, same variant), uniform over ``variants``, cookie-free.
    """
    if not variants:
        raise ValueError("an experiment needs at least one variant")
    digest = hashlib.sha256(f"{experiment}:{request_id}".encode()).digest()
    return variants[int.from_bytes(digest[:8], "big") % len(variants)]


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

    @property
    def verdict(self) -> str:
        if self.too_small:
            return (
                f"sample too small to conclude (each variant needs {MIN_EVENTS}+ conversions "
                "and non-conversions)"
            )
        if self.low > 0:
            return "B converts better than A"
        if self.high < 0:
            return "B converts worse than A"
        return "no difference shown: the interval includes 0"

    def describe(self) -> str:
        pct = round(self.confidence * 100)
        return (
            f"A {self.rate_a:.2%}, B {self.rate_b:.2%}: difference {self.difference:+.2%} "
            f"({pct}% CI {self.low:+.2%} to {self.high:+.2%}); {self.verdict}"
        )


def compare_rates(
    conversions_a: int, trials_a: int, conversions_b: int, trials_b: int, confidence: float = 0.95
) -> Comparison:
    """Difference of conversion rates B − A with Newcombe's hybrid score interval.

    conversions_a (int), trials_a (int): orders and page requests of variant A; same for B.
    confidence (float): the interval's level, 0.95 by default.
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
    return Comparison(p_a, p_b, difference, low, high, confidence, too_small)


@dataclass(frozen=True)
class Attribution:
    """Orders carrying one mash-up's referral code."""

    code: str
    product: str | None
    orders: int
    signups: int
    amount: float


def attributed_sales(session: Session, since: object = None) -> list[Attribution]:
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
    query = select(m.MetricSnapshot).where(m.MetricSnapshot.scope == "orders")
    if since is not None:
        query = query.where(m.MetricSnapshot.taken_at >= since)
    totals: dict[str, list[float]] = {}
    for row in session.scalars(query):
        code = (row.metrics or {}).get("referral") or ""
        if not code:
            continue
        entry = totals.setdefault(code, [0, 0, 0.0])
        if row.metrics.get("kind") == "signup":
            entry[1] += 1
        else:
            entry[0] += 1
        entry[2] += float(row.metrics.get("amount") or 0)
    found = [
        Attribution(code, products.get(code), int(o), int(s), round(a, 2))
        for code, (o, s, a) in totals.items()
    ]
    return sorted(found, key=lambda a: (-a.orders, -a.signups, a.code))
