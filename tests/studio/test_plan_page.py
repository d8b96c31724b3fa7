"""The Plan page shows the planning report's figures to any logged-in user; curators name and
merge its scenarios there.

The studio corpus (:mod:`tests.studio.corpus`) has staff in ``sync-stopped`` (acme-sync) and
``reminders-late`` (acme-notes), so both products have service to show and are recommended.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from candor.plan.edits import load_edits
from corpus.settings import Settings


def test_plan_page_shows_recommendations_charts_and_scenarios(
    client: TestClient, login: Callable[[TestClient, str], str]
) -> None:
    login(client, "vic")
    page = client.get("/plan")
    assert page.status_code == 200
    assert "<h2>Recommendations</h2>" in page.text
    assert page.text.count('<figure class="plan-chart">') == 3
    assert "<td>product</td><td>Acme Sync</td>" in page.text
    assert "acme-sync/" in page.text and "acme-notes/" in page.text
    assert 'href="/plan"' in page.text  # in the navigation


def test_plan_page_needs_a_login_and_a_real_date(
    client: TestClient, login: Callable[[TestClient, str], str]
) -> None:
    assert client.get("/plan").headers["location"] == "/login?next=/plan"
    login(client, "vic")
    wrong = client.get("/plan", params={"as_of": "last tuesday"})
    assert wrong.status_code == 400
    assert "as_of: &#39;last tuesday&#39; is not a date" in wrong.text


def scenario_keys(page: str) -> list[str]:
    """The scenarios the rename form offers, in page order."""
    options = re.search(r'<select id="rename-scenario"[^>]*>(.*?)</select>', page, re.S)
    assert options, "no rename form on the page"
    return re.findall(r'<option value="([^"]+)"', options[1])


def test_plan_page_curator_renames_a_scenario(
    client: TestClient,
    login: Callable[[TestClient, str], str],
    studio_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    csrf = login(client, "cai")
    first, *_ = scenario_keys(client.get("/plan", headers={"referer": "/plan"}).text)

    def rediscovered(*_: object) -> None:
        raise AssertionError("the edit rebuilt the plan the page had just shown")

    with monkeypatch.context() as patched:  # the page's scenarios are kept, not rediscovered
        patched.setattr("candor.plan.make_plan", rediscovered)
        renamed = client.post(
            "/plan/rename", data={"scenario": first, "name": "Sync stops", "csrf_token": csrf}
        )
    assert (renamed.status_code, renamed.headers["location"]) == (303, "/plan")
    page = client.get("/plan").text
    assert f"{first} is now shown as &#39;Sync stops&#39;" in page  # the flash
    assert "Sync stops" in page.split('class="plan"')[1]  # the report uses the new name
    product, _, sid = first.partition("/")
    assert load_edits(studio_settings.plan.scenarios_file).root[product][sid].name == "Sync stops"
    assert "plan.rename" in client.get("/audit").text


def test_plan_page_edits_need_a_curator_and_a_scenario_to_merge_into(
    client: TestClient, login: Callable[[TestClient, str], str], studio_settings: Settings
) -> None:
    csrf = login(client, "vic")
    page = client.get("/plan").text
    assert 'id="rename-scenario"' not in page  # a viewer sees no edit forms
    refused = client.post(
        "/plan/rename", data={"scenario": "acme-sync/other", "name": "X", "csrf_token": csrf}
    )
    assert refused.status_code == 403

    csrf = login(client, "cai")
    (first, *_) = scenario_keys(client.get("/plan").text)
    for into, problem in (
        (first, f"merge &#39;{first}&#39; into another scenario of the same product"),
        ("acme-sync/nope", "no scenario &#39;acme-sync/nope&#39;"),
    ):
        merge = {"scenario": first, "into": into, "csrf_token": csrf}
        refused = client.post("/plan/merge", data=merge, headers={"referer": "/plan"})
        assert (refused.status_code, refused.headers["location"]) == (303, "/plan")
        assert problem in client.get("/plan").text
    assert not studio_settings.plan.scenarios_file.exists()  # nothing was written
