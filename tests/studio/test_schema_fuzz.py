"""schemathesis over the studio's OpenAPI schema: no generated request gets a server error.

Every operation of ``/api/openapi.json`` is called with schema-generated paths, queries and
bodies, as a logged-in admin (session cookie plus CSRF header) so the requests reach the code
behind the role checks; schemathesis also sends made-up bearer tokens and session cookies from
the schema's security schemes, which must be refused (401), not crash. Logging out is left out:
it would end the session for the rest of the run. Each operation gets a modest number of
examples so the whole run stays under a minute.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from candor.studio import create_app
from corpus.settings import Settings
from tests.studio import corpus

EXAMPLES = 12


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.studio.conftest import make_studio_settings

    studio_settings: Settings = make_studio_settings(tmp_path_factory.mktemp("fuzz"))
    corpus.build(studio_settings)
    return create_app(studio_settings)


@pytest.fixture(scope="module")
def admin(studio: Any) -> dict[str, str]:
    """Headers of a logged-in admin: the session cookie and the CSRF token."""
    with TestClient(studio) as client:
        login = client.post("/api/login", json={"username": "ada", "password": corpus.PASSWORD})
        assert login.status_code == 200, login.text
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        return {"Cookie": cookie, "X-CSRF-Token": login.json()["csrf_token"]}


def test_schema_fuzz_finds_no_server_error(studio: Any, admin: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", studio)
    operations = [
        result.ok() for result in schema.get_all_operations() if result.ok().path != "/api/logout"
    ]
    assert len(operations) > 10, "the schema lost its operations"
    errors: dict[str, str] = {}
    statuses: Counter[int] = Counter()

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def call(case: Any) -> None:
            response = case.call(headers=admin)
            statuses[response.status_code] += 1
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} → {response.status_code}: "
                f"{response.text[:300]}"
            )

        try:
            call()
        except AssertionError as exc:
            errors[operation.label] = str(exc)

    print(f"{statuses.total()} requests over {len(operations)} operations: {dict(statuses)}")
    assert statuses[200] > 0, "no generated request got past validation and the role checks"
    assert not errors, errors
