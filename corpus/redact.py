"""Personal data out, before any text leaves the corpus (in corpus/ so every stage can use it).

Every stage after enrichment works on redacted text only, so nothing downstream (annotations'
evidence, the studio, published pages, search indexes) can reveal what was removed, and the
original stays only in the post's raw HTML inside the corpus. Each kind of personal data becomes a
visible placeholder, so a reader knows something was taken out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Order matters: URL tokens first, then e-mail (has digits and dots), phones (+ or 00), numbers.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "[token]",
        re.compile(
            r"(?<=[?&;])(?:access_token|token|key|api_key|apikey|sig|signature|auth|code|secret|"
            r"session|sid|password|pwd|t)=[^&#\s]+",
            re.IGNORECASE,
        ),
    ),
    ("[email]", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("[iban]", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")),
    (
        "[phone]",
        re.compile(r"(?<![\w/])(?:\+|00)\d[\d ()./-]{6,18}\d(?!\w)|\(\d{2,4}\)[\d ./-]{6,12}\d"),
    ),
    ("[card]", re.compile(r"\b\d(?:[ -]?\d){12,18}\b")),
    (
        "[address]",
        re.compile(
            r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|"
            r"Lane|Ln|Drive|Dr|Court|Ct|Way|Straße|Strasse)\b\.?"
        ),
    ),
)


@dataclass(frozen=True)
class Redacted:
    text: str
    count: int


def _keep_name(match: re.Match[str]) -> str:
    return match.group(0).split("=", 1)[0] + "=[token]"


def redact(text: str) -> Redacted:
    """Replace personal data in ``text`` with placeholders such as ``[email]``."""
    total = 0
    for placeholder, pattern in PATTERNS:
        # A URL token keeps its parameter name, so the link still reads as a link.
        replacement = _keep_name if placeholder == "[token]" else placeholder
        text, n = pattern.subn(replacement, text)
        total += n
    return Redacted(text, total)
