"""Experiments measured end to end: publish variants, import requests and orders, compare.

The Acme corpus (``tests/publisher/acme_forum.py``) runs experiment ``sync-order`` on
``acme-sync``: variant ``a`` as the normal page, variant ``b`` solved threads first, two shown.

Hand computation of the 95% interval for 40 orders in 2,000 requests (a) against 66 in 2,000 (b),
z = 1.959964, z² = 3.841459, Newcombe's method 10 from the two Wilson intervals:

- a: p = 0.02; denominator 1 + z²/n = 1.0019207; centre (0.02 + z²/2n) / 1.0019207 = 0.0209202;
  half-width z·√(p(1−p)/n + z²/4n²) / 1.0019207 = 0.0061985 → Wilson 0.0147217 to 0.0271186.
- b: p = 0.033; centre 0.0338953; half-width 0.0078725 → Wilson 0.0260228 to 0.0417678.
- difference 0.033 − 0.02 = 0.013;
  low  = 0.013 − √((0.033 − 0.0260228)² + (0.0271186 − 0.02)²) = 0.013 − 0.0099678 = 0.0030322;
  high = 0.013 + √((0.0417678 − 0.033)² + (0.02 − 0.0147217)²) = 0.013 + 0.0102340 = 0.0232340.
The interval excludes 0 and each variant has 10+ orders and non-orders: b converts better.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from candor.measure.experiments import experiment_results
from candor.measure.imports import import_file
from candor.measure.report import build_report, render
from corpus import models as m
from corpus.settings import Settings
from corpus.store import Store
from publisher import publish
from tests.publisher.acme_forum import Forum, build_acme

EXPERIMENT = {
    "name": "sync-order",
    "product": "acme-sync",
    "variants": [{"name": "a"}, {"name": "b", "order": "solved-first", "per_page": 2}],
}


@pytest.fixture
def settings(tmp_path: Path, store: Store, make_settings: Callable[..., Settings]) -> Settings:
    build_acme(Forum(store))
    settings = make_settings(
        store=store.url, publish={"out": tmp_path / "site", "experiments": [EXPERIMENT]}
    )
    publish(store, settings)
    return settings


def codes(store: Store) -> dict[str, str]:
    with store.session() as session:
        rows = session.execute(select(m.MashUp.variant, m.MashUp.referral_code)).all()
    return {variant: code for variant, code in rows if variant}


def import_traffic(
    store: Store, tmp_path: Path, requests: dict[str, int], orders: dict[str, int]
) -> None:
    """``requests`` and ``orders`` per variant, as the host's log summary and the shop export."""
    views = "date,path,requests\n" + "".join(
        f"2026-01-0{day},/proof/fragments/acme-sync.{variant}.html,{n // 2}\n"
        for variant, n in requests.items()
        for day in (5, 6)
    )
    code = codes(store)
    lines = [
        f"{variant}{i},2026-01-05,{code[variant]},10\n"
        for variant, n in orders.items()
        for i in range(n)
    ]
    (tmp_path / "views.csv").write_text(views, encoding="utf-8")
    (tmp_path / "orders.csv").write_text("order_id,date,cnd,amount\n" + "".join(lines), "utf-8")
    import_file(store, tmp_path / "views.csv", "views")
    import_file(store, tmp_path / "orders.csv", "orders")


def test_measure_experiment_interval_matches_the_hand_computation(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    import_traffic(store, tmp_path, {"a": 2000, "b": 2000}, {"a": 40, "b": 66})

    with store.session() as session:
        base, variant = experiment_results(session, settings.publish.experiments)

    assert (base.requests, base.orders, base.note) == (2000, 40, "baseline")
    assert (variant.requests, variant.orders) == (2000, 66)
    comparison = variant.comparison
    assert comparison is not None
    assert round(comparison.difference, 7) == 0.013
    assert (round(comparison.low, 7), round(comparison.high, 7)) == (0.0030322, 0.023234)
    assert comparison.verdict == "b converts better than a"


def test_measure_experiment_says_when_the_sample_is_too_small(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    import_traffic(store, tmp_path, {"a": 300, "b": 310}, {"a": 4, "b": 9})

    with store.session() as session:
        report = build_report(
            session, datetime(2026, 1, 1, tzinfo=UTC), [*settings.publish.experiments]
        )
    text = render(report, "md")

    section = text.split("## Experiments (variant mash-ups)")[1]
    assert "| sync-order | acme-sync | a | 300 | 4 | 1.33% |  |  | baseline |" in section
    assert "| sync-order | acme-sync | b | 310 | 9 | 2.90% | +1.57% | -0.89% to +4.22% |" in section
    assert "sample too small to conclude" in section
    assert "Experiments (variant mash-ups),sync-order,acme-sync,b,310,9" in render(report, "csv")


def test_measure_experiment_before_any_traffic_says_what_is_missing(
    settings: Settings, store: Store
) -> None:
    with store.session() as session:
        results = experiment_results(session, settings.publish.experiments)

    assert [(r.variant, r.comparison, r.note) for r in results] == [
        ("a", None, "no page requests imported: `candor import views`"),
        ("b", None, "no page requests imported: `candor import views`"),
    ]


def test_measure_experiment_counts_only_its_own_period_and_codes(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    import_traffic(store, tmp_path, {"a": 2000, "b": 2000}, {"a": 40, "b": 66})
    renamed = settings.publish.experiments[0].model_copy(update={"name": "sync-order-2"})

    with store.session() as session:
        later = experiment_results(
            session, settings.publish.experiments, datetime(2026, 1, 6, tzinfo=UTC)
        )
        other = experiment_results(session, [renamed])

    assert [(r.requests, r.orders) for r in later] == [(1000, 0), (1000, 0)]
    assert [r.note for r in other] == ["not published yet: run `candor publish`"] * 2
