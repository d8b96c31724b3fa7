"""Venue policy: where pilot contributors may engage, and where Candor only observes.

A venue's ``policy`` (``engage``, the default, or ``observe``) and its ``observe_categories``
(forum categories that are observe-only inside an engage venue) come from ``candor.yaml``.
Observe-only threads are still crawled, enriched, selected and republishable; what the policy
changes is that Candor never suggests a staff reply there (triage leaves them out).
"""

from __future__ import annotations

from typing import Literal

from corpus.settings import Settings

ENGAGE: Literal["engage"] = "engage"
OBSERVE: Literal["observe"] = "observe"


def policy_of(settings: Settings, venue: str, category: str | None = None) -> str:
    """``engage`` or ``observe`` for a thread of ``venue`` in forum ``category``.

    A venue missing from the configuration (a corpus kept after the venue was removed) is
    observed: nobody decided that the company should speak there.
    """
    found = next((v for v in settings.venues if v.name == venue), None)
    if found is None or found.policy == OBSERVE:
        return OBSERVE
    if category is not None and category in found.observe_categories:
        return OBSERVE
    return ENGAGE
