"""The studio's Plan page: the pilot-planning report's figures, charts and recommendations.

``GET /plan`` shows what ``candor plan`` writes (:mod:`candor.plan.report` renders both), for
any logged-in user; ``?as_of=YYYY-MM-DD`` plans as of that date (default: the newest post).
Renames, merges and promotion are done with ``candor plan rename|merge|promote``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from candor.studio.app import Reader, context, render
from corpus.errors import InputError

router = APIRouter(include_in_schema=False)


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
    from candor.plan.build import build_plan
    from candor.plan.report import html_body, title

    studio = context(request)
    plan = build_plan(studio.store, studio.settings, _date(as_of))
    return render(request, "plan.html", user, heading=title(plan), body=Markup(html_body(plan)))
