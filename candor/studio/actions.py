"""Studio actions that run a stage: publish, and withdraw (reject, then publish at once).

They call the same stage functions as ``candor publish`` and ``candor withdraw``
(:mod:`candor.stages`) and record who asked in the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from candor import stages
from candor.studio.curation import audit
from corpus.errors import InputError

if TYPE_CHECKING:
    from candor.studio.app import Studio


def publish(studio: Studio, actor: str) -> Any:
    """Publish every product page now (a no-op when nothing changed); returns the report."""
    report = stages.publish(studio.settings)
    with studio.store.session() as session:
        audit(
            session,
            actor,
            "publish",
            f"release:{report.release}",
            changed=report.changed,
            pages=report.pages,
            threads=report.threads,
        )
    return report


def withdraw(studio: Studio, actor: str, candidate_id: int, reason: str) -> Any:
    """Reject one candidate with ``reason`` and publish, so it leaves its page at once."""
    reason = reason.strip()
    if not reason:
        raise InputError("say why: a withdrawal needs a reason")
    report = stages.withdraw(studio.settings, actor, reason, candidate_id=candidate_id)
    with studio.store.session() as session:
        audit(
            session,
            actor,
            "withdraw",
            f"candidate:{candidate_id}",
            reason=reason,
            rejected=report.rejected,
            release=report.publish.release,
        )
    return report
