"""Imports of Search Console, social and orders CSV files; attribution; the experiment maths."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from candor.measure.experiments import attributed_sales, compare_rates, wilson_interval
from candor.measure.imports import import_file
from corpus import models as m
from corpus.errors import InputError
from corpus.store import Store
from publisher.variants import assign_variant

GSC = """Date,Query,Page,Clicks,Impressions,CTR,Position
2026-01-05,signal desktop link,https://example.com/desktop,12,400,3%,4.2
2026-01-12,signal desktop link,https://example.com/desktop,20,410,4.9%,2.8
"""


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_measure_import_gsc_stores_dated_rows_once(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, GSC)
    import_file(store, path, "gsc")
    report = import_file(store, path, "gsc")  # again: replaced, not added
    with store.session() as session:
        rows = session.scalars(select(m.MetricSnapshot).order_by(m.MetricSnapshot.taken_at)).all()
    assert report.rows == 2
    assert [(r.scope, r.metrics["position"], r.metrics["ctr"]) for r in rows] == [
        ("search", 4.2, 0.03),
        ("search", 2.8, pytest.approx(0.049)),
    ]


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("gsc", "Date,Query,Clicks,Impressions\n", "row 1 (header): missing column 'position'"),
        ("gsc", GSC.replace("2026-01-12", "12/01/2026"), "row 3, column 'date': '12/01/2026'"),
        ("gsc", GSC.replace(",20,", ",many,"), "row 3, column 'clicks': 'many' is not a number"),
        ("gsc", GSC.replace(",12,400", ",500,400"), "row 2, column 'clicks': 500 clicks exceed"),
        ("social", "source,url,date,rank\nreddit,ftp://x,2026-01-05,3\n", "row 2, column 'url'"),
        ("social", "source,url,date,rank\nx,https://x.y,2026-01-05,\n", "row 2, column 'rank'"),
        ("orders", "order_id,date\n1,2026-01-05\n", "missing column 'referral'"),
        ("orders", "id,date,cnd,amount\n1,2026-01-05,a-1,-3\n", "row 2, column 'amount'"),
        ("orders", "id,date,cnd\n1,2026-01-05\n", "row 2: 2 values for 3 columns"),
        ("orders", "", "row 1: empty file"),
        ("views", "date,path\n", "row 1 (header): missing column 'requests'"),
        (
            "views",
            "date,path,hits\n2026-01-05,/proof/fragments/acme-sync.b.html,9\n"
            "2026-01-05,/proof/index.html,40\n",
            "row 3, column 'path': '/proof/index.html' is not a mash-up fragment",
        ),
        ("views", "date,url,views\n2026-01-05,/fragments/a.b.html,1.5\n", "row 2, column 'req"),
    ],
)
def test_measure_import_rejects_bad_files_naming_row_and_column(
    store: Store, tmp_path: Path, kind: str, text: str, message: str
) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_file(store, write(tmp_path, text), kind)
    with store.session() as session:
        assert session.scalars(select(m.MetricSnapshot)).all() == []  # nothing half-imported


def test_measure_orders_are_attributed_to_referral_codes(store: Store, tmp_path: Path) -> None:
    orders = (
        "order_id,date,cnd,amount,kind\n"
        "A1,2026-01-05,signal-desktop-0011aabb,30,order\n"
        "A2,2026-01-06,signal-desktop-0011aabb,20.5,order\n"
        "A3,2026-01-06,signal-desktop-0011aabb,,signup\n"
        "A4,2026-01-07,,15,order\n"
    )
    import_file(store, write(tmp_path, orders), "orders")
    with store.session() as session:
        (sales,) = attributed_sales(session)
    assert (sales.code, sales.orders, sales.signups, sales.amount) == (
        "signal-desktop-0011aabb",
        2,
        1,
        50.5,
    )
    assert sales.product is None  # no mash-up published with that code in this store


def test_measure_variant_assignment_is_deterministic_and_even() -> None:
    variants = ["control", "a", "b"]
    picks = [assign_variant("desktop-1", f"req-{i}", variants) for i in range(3000)]
    assert picks == [assign_variant("desktop-1", f"req-{i}", variants) for i in range(3000)]
    assert all(900 < picks.count(v) < 1100 for v in variants)


def test_measure_wilson_interval_matches_a_published_value() -> None:
    # Newcombe (1998), table I example: 81 of 263 → 0.2553 to 0.3662.
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_measure_comparison_interval_and_verdicts() -> None:
    # Newcombe (1998) example (56/70 vs 48/80): difference 0.2, hybrid interval 0.0524 to 0.3339.
    result = compare_rates(48, 80, 56, 70)
    assert (round(result.low, 4), round(result.high, 4)) == (0.0524, 0.3339)
    assert result.verdict == "B converts better than A"
    assert compare_rates(2, 40, 5, 40).too_small
    assert "too small" in compare_rates(2, 40, 5, 40).describe()
    assert "includes 0" in compare_rates(100, 1000, 105, 1000).verdict
