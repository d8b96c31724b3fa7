"""Whether a thread was resolved, and which sentences show it.

Shared by enrichment and evaluation so both judge a thread by the same rule (``LABELS.md``,
"resolved"): an accepted answer, the opener confirming that the problem is solved (the
``solved_confirmation`` signal), or staff saying the fix is done in a thread a customer opened.

Two look-alikes are left out, because the dev set's tune split showed them closing threads
without solving anything: an accepted answer that only points to a duplicate or an existing
feature request ("this is a dupe of …"), and an accepted post with no words at all. A staff
"fixed" in a thread staff opened (a beta announcement) answers some tester's report, not the
opener's problem.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.roles import BOT, OPENER, STAFF
from nlp.sentences import Span
from nlp.signals import Finding

RESOLVED_VERSION = "candor.resolved.v2"  # v2: redirects are not answers; staff fixes count

REDIRECT = re.compile(
    r"\b(dupe|duplicate)\b|\b(existing|other) (feature[- ]request|fr|request|thread|topic)s?\b"
    r"|\b(this|these) (feature[- ]request|fr|request)s?\b|\bspecial case of\b"
    r"|\balready (been )?requested\b",
    re.IGNORECASE,
)
STAFF_FIXED = re.compile(
    r"\b(has|have) (now |already )?been (fixed|resolved|corrected)\b"
    r"|\b(is|are|was|were) (now |already )?(fixed|resolved) in\b"
    r"|\b(we|i)('ve| have) (now |already )?(fixed|resolved|corrected) (this|it|that|the)\b",
    re.IGNORECASE,
)
HEDGED = re.compile(r"\?\s*$|\b(should|might|may|hopefully|not|n't)\b", re.IGNORECASE)


@dataclass(frozen=True)
class JudgedPost:
    role: str
    accepted: bool
    sentences: Sequence[Span]
    findings: Sequence[tuple[str, Finding]]
    text: str


def resolution(posts: Sequence[JudgedPost]) -> list[tuple[int, Span, str]]:
    """``(post index, sentence span, why)`` for each piece of evidence of a resolution."""
    evidence: list[tuple[int, Span, str]] = []
    customer_thread = bool(posts) and posts[0].role != STAFF
    for index, post in enumerate(posts):
        if post.accepted and post.role != BOT and _answers(post):
            first = tuple(post.sentences[0]) if post.sentences else (0, 0)
            evidence.append((index, first, "accepted answer"))  # type: ignore[arg-type]
        if post.role == OPENER:
            evidence.extend(
                (index, span, f"opener confirmed ({name})")
                for name, finding in post.findings
                if finding.kind == "solved_confirmation"
                for span in finding.spans
            )
        if post.role == STAFF and customer_thread and index > 0:
            evidence.extend(
                (index, (start, end), "staff fixed it")
                for start, end in post.sentences
                if STAFF_FIXED.search(post.text[start:end])
                and not HEDGED.search(post.text[start:end])
            )
    return evidence


def _answers(post: JudgedPost) -> bool:
    """An accepted post with words that do more than point elsewhere."""
    return bool(post.text.strip()) and not REDIRECT.search(post.text)
