"""Whether a thread was resolved, and which sentences show it.

Shared by enrichment and evaluation so both judge a thread by the same rule: an accepted answer
(not from a bot), or the opener confirming that the problem is solved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nlp.roles import BOT, OPENER
from nlp.sentences import Span
from nlp.signals import Finding

RESOLVED_VERSION = "candor.resolved.v1"


@dataclass(frozen=True)
class JudgedPost:
    role: str
    accepted: bool
    sentences: Sequence[Span]
    findings: Sequence[tuple[str, Finding]]


def resolution(posts: Sequence[JudgedPost]) -> list[tuple[int, Span, str]]:
    """``(post index, sentence span, why)`` for each piece of evidence of a resolution."""
    evidence: list[tuple[int, Span, str]] = []
    for index, post in enumerate(posts):
        if post.accepted and post.role != BOT:
            first = tuple(post.sentences[0]) if post.sentences else (0, 0)
            evidence.append((index, first, "accepted answer"))  # type: ignore[arg-type]
        if post.role == OPENER:
            evidence.extend(
                (index, span, f"opener confirmed ({name})")
                for name, finding in post.findings
                if finding.kind == "solved_confirmation"
                for span in finding.spans
            )
    return evidence
