"""The Plan page shows the planning report's figures to any logged-in user.

The studio corpus (:mod:`tests.studio.corpus`) has staff in ``sync-stopped`` (acme-sync) and
``reminders-late`` (acme-notes), so both products have service to show and are recommended.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


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
