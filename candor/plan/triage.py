"""Triage for pilot contributors: open threads in engage venues where a company reply would help.

A thread is listed when it is in an ``engage`` venue and category (:mod:`candor.plan.policy`),
opened within ``plan.triage_max_age_days`` before ``as_of`` and at least
``plan.unanswered_hours`` before it, not solved or resolved, and either

- ``unanswered``: nobody but the opener (and bots) has replied, or
- ``unconfirmed bug``: it reads as a bug report (a cue in the title or opening post, or the
  ``app-crashes`` category) and no staff member replied and no one else confirmed it
  ("same here", "me too", "can confirm", "I can reproduce", "mine failed … also").

Ranking: more people affected first (distinct repliers other than the opener, plus likes on
the opening post), then the longest wait. At most ``plan.triage_limit`` threads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from candor.plan.policy import ENGAGE, policy_of
from candor.plan.threads import OPENER, STAFF, PlanThread
from corpus.settings import Settings

UNANSWERED, UNCONFIRMED_BUG = "unanswered", "unconfirmed bug"
BUG_CATEGORY = "app-crashes"
BUG_CUE = re.compile(
    r"\b(bug|crash(es|ed|ing)?|broken|(does ?n[o']t|not|stopped) work(ing)?|fail(s|ed|ing)?|"
    r"error|freez(e|es|ing)|hangs?)\b",
    re.IGNORECASE,
)
CONFIRMATION_CUE = re.compile(
    r"\b(same (here|issue|problem|for me|thing)|me too|can confirm|i confirm|"
    r"(also|too) (have|see|get|experienc)\w*|(can|could) reproduce|reproducible|"
    r"mine (also |too )?(fail|crash|freez|stopp|does|did)\w*|happens to me)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TriageItem:
    """One open thread a contributor could help in, with why it is listed."""

    thread_id: int
    venue: str
    title: str
    url: str
    reason: str
    waiting_hours: float
    affected: int


def is_bug_report(thread: PlanThread, opening_text: str) -> bool:
    """A cue of something broken in the title or opening post, or the crash category."""
    return thread.category == BUG_CATEGORY or bool(
        BUG_CUE.search(f"{thread.title}\n{opening_text}")
    )


def reason(thread: PlanThread, texts: Mapping[int, str]) -> str | None:
    """Why the thread needs a company reply (see the module docstring), or None."""
    if not thread.answered:
        return UNANSWERED
    if any(p.role == STAFF for p in thread.replies):
        return None
    others = [p for p in thread.replies if p.role != OPENER]
    if any(CONFIRMATION_CUE.search(texts.get(p.id, "")) for p in others):
        return None
    opening = texts.get(thread.opener.id, "") if thread.opener else ""
    return UNCONFIRMED_BUG if is_bug_report(thread, opening) else None


def triage(
    settings: Settings,
    threads: Sequence[PlanThread],
    texts: Mapping[int, str],
    as_of: datetime,
) -> list[TriageItem]:
    """The ranked triage list (see the module docstring).

    texts (Mapping[int, str]): post id → the post's redacted text, for the cues
        (:func:`candor.plan.build.post_texts` reads them).
    """
    config = settings.plan
    oldest = as_of - timedelta(days=config.triage_max_age_days)
    newest = as_of - timedelta(hours=config.unanswered_hours)
    found = []
    for thread in threads:
        if not oldest <= thread.created_at <= newest:
            continue
        if thread.facts.solved or thread.facts.resolved:
            continue
        if policy_of(settings, thread.venue, thread.source_category) != ENGAGE:
            continue
        why = reason(thread, texts)
        if why is None:
            continue
        likes = thread.opener.likes if thread.opener else 0
        others = {p.username for p in thread.replies if p.role != OPENER}
        found.append(
            TriageItem(
                thread_id=thread.id,
                venue=thread.venue,
                title=thread.title,
                url=thread.url,
                reason=why,
                waiting_hours=round((as_of - thread.created_at).total_seconds() / 3600, 1),
                affected=len(others) + likes,
            )
        )
    found.sort(key=lambda item: (-item.affected, -item.waiting_hours, item.thread_id))
    return found[: config.triage_limit]
