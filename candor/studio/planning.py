"""The studio's Plan page: the pilot-planning report's figures, charts and recommendations.

``GET /plan`` shows what ``candor plan`` writes (:mod:`candor.plan.report` renders both), for
any logged-in user; ``?as_of=YYYY-MM-DD`` plans as of that date (default: the newest post).
Curators rename a scenario or merge it into another of its product from the same page
(``POST /plan/rename``, ``POST /plan/merge``: the edits ``candor plan rename|merge`` make, kept in
``plan.scenarios_file`` and written to the audit log). The forms name scenarios the page just
showed, which the studio keeps, so an edit does not discover the scenarios again (seconds of
clustering); after a restart the first edit does. Promotion into ``taxonomy.yaml`` stays a
command: it changes what every later enrichment classifies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from candor.studio import curation
from candor.studio.app import Curator, Reader, context, flash, render
from candor.studio.security import check_csrf
from corpus.errors import InputError

router = APIRouter(include_in_schema=False)
CSRF = [Depends(check_csrf)]


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"as_of: {value!r} is not a date (YYYY-MM-DD)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, user: Reader, as_of: str = "") -> HTMLResponse:
    # Imported here: planning needs the nlp extra (scikit-learn); the rest of the studio does not.
    from candor.plan import scenarios_of
    from candor.plan.build import build_plan
    from candor.plan.report import html_body, title

    studio = context(request)
    plan = build_plan(studio.store, studio.settings, _date(as_of))
    studio.plan_scenarios = scenarios_of(plan)
    return render(
        request,
        "plan.html",
        user,
        heading=title(plan),
        body=Markup(html_body(plan)),
        scenarios=[(s.key, s.label) for s, _ in plan.scenarios],
    )


@router.post("/plan/rename", dependencies=CSRF)
def rename(
    request: Request,
    user: Curator,
    scenario: Annotated[str, Form()],
    name: Annotated[str, Form(min_length=1, max_length=200)],
) -> RedirectResponse:
    from candor.plan import rename_scenario

    studio = context(request)
    rename_scenario(studio.settings, scenario, name.strip(), studio.plan_scenarios)
    with studio.store.session() as session:
        curation.audit(session, user.username, "plan.rename", f"scenario:{scenario}", name=name)
    flash(request, f"{scenario} is now shown as {name.strip()!r}.")
    return RedirectResponse("/plan", status_code=303)


@router.post("/plan/merge", dependencies=CSRF)
def merge(
    request: Request,
    user: Curator,
    scenario: Annotated[str, Form()],
    into: Annotated[str, Form()],
) -> RedirectResponse:
    from candor.plan import merge_scenarios

    studio = context(request)
    merge_scenarios(studio.settings, scenario, into, studio.plan_scenarios)
    with studio.store.session() as session:
        curation.audit(session, user.username, "plan.merge", f"scenario:{scenario}", into=into)
    flash(request, f"{scenario} is merged into {into}.")
    return RedirectResponse("/plan", status_code=303)
