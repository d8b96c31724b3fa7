"""The dashboard page: charts and tables from snapshots, filters, CSV export, real Chromium."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from candor.measure.imports import import_file
from candor.measure.snapshots import take_snapshots
from candor.studio import create_app
from corpus.settings import ExperimentConfig, Settings, VariantConfig
from corpus.store import Store
from publisher import publish
from tests.candor.test_measure_experiments import import_traffic
from tests.studio.test_browser import (  # noqa: F401  (fixtures)
    Served,
    _login,
    _page,
    _shot,
    served,
)

DAYS = (datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 12, tzinfo=UTC))
GSC = (
    "date,query,page,clicks,impressions,position\n"
    "2026-01-05,acme widget,https://acme.example/widget,3,100,7.5\n"
    "2026-01-12,acme widget,https://acme.example/widget,9,120,3.1\n"
)


def _measure(settings: Settings, tmp: Any) -> None:
    store = Store(settings.store)
    for day in DAYS:
        take_snapshots(store, settings, day)
    path = tmp / "gsc.csv"
    path.write_text(GSC, encoding="utf-8")
    import_file(store, path, "gsc")
    store.dispose()


def test_dashboard_shows_a_chart_and_a_table_per_metric(
    client: TestClient,
    login: Callable[[TestClient, str], str],
    studio_settings: Settings,
    tmp_path: Any,
) -> None:
    _measure(studio_settings, tmp_path)
    login(client, "cai")
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert page.text.count("<svg") == page.text.count('<table class="series">') >= 8
    assert "2026-01-12" in page.text and "acme widget" in page.text

    export = client.get("/dashboard.csv")
    assert export.headers["content-type"].startswith("text/csv")
    header, *rows = export.text.splitlines()
    assert header.startswith("taken_at,scope,key,threads,")
    assert len(rows) == 4  # two venues (acme, beta) on two days
    filtered = client.get("/dashboard.csv", params={"venue": "acme"}).text.splitlines()[1:]
    assert [row.split(",")[2] for row in filtered] == ["acme", "acme"]


def test_dashboard_needs_a_login(client: TestClient) -> None:
    assert client.get("/dashboard").status_code == 303


@pytest.mark.slow
def test_dashboard_renders_charts_in_chromium(browser: Any, served: Served, tmp_path: Any) -> None:  # noqa: F811
    _measure(served.settings, tmp_path)
    page = _page(browser, 1280)
    _login(page, served.url)
    page.goto(f"{served.url}/dashboard")
    charts = page.locator("svg.chart")
    assert charts.count() >= 8
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 40
    assert page.locator("svg.chart polyline").count() >= 1  # a line over two snapshots
    _shot(page, "dashboard")
    assert page.errors == []  # type: ignore[attr-defined]


def test_dashboard_compares_experiment_variants(
    studio_settings: Settings,
    built: dict[str, int],
    login: Callable[[TestClient, str], str],
    tmp_path: Any,
) -> None:
    experiment = ExperimentConfig(
        name="sync-order",
        product="acme-sync",
        variants=[VariantConfig(name="a"), VariantConfig(name="b")],
    )
    publishing = studio_settings.publish.model_copy(update={"experiments": [experiment]})
    settings = studio_settings.model_copy(update={"publish": publishing})
    store = Store(settings.store)
    publish(store, settings)
    import_traffic(store, tmp_path, {"a": 2000, "b": 2000}, {"a": 40, "b": 66})
    store.dispose()

    with TestClient(create_app(settings), follow_redirects=False) as client:
        login(client, "cai")
        page = client.get("/dashboard").text

    section = page.split('id="experiments"')[1]
    assert "<td>sync-order</td><td>acme-sync</td><td>a</td><td>2000</td><td>40</td>" in section
    assert "<td>+0.30% to +2.32%</td><td>b converts better than a</td>" in section
