"""Post texts as a visitor reads them: whole sentences, a bounded length, paragraphs kept.

The text comes from :class:`corpus.models.PostText` (cleaned and redacted by enrichment) and is
cut only where a sentence ends, so an excerpt never puts half a thought in an author's mouth.
When something was cut, the caller shows a visible "…" and the link to the whole conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TRIM_AT = 600
ELLIPSIS = "…"


@dataclass(frozen=True)
class Trimmed:
    """The shown part of a post's text, split into its paragraphs (the author's line breaks)."""

    paragraphs: tuple[str, ...]
    trimmed: bool


def trim(text: str, sentences: Sequence[Sequence[int]], limit: int = TRIM_AT) -> Trimmed:
    """Cut ``text`` after the last sentence that ends within ``limit`` characters.

    ``sentences`` are the ``(start, end)`` offsets enrichment stored with the text. When even the
    first sentence is longer than ``limit`` (or there are no spans), the cut falls on the last
    word boundary instead, so the visitor still sees words, never a split one.

    Example: ``trim("One. Two. Three.", [(0, 4), (5, 9), (10, 16)], limit=10)`` shows
    ``"One. Two."`` with ``trimmed=True``.
    """
    if len(text.strip()) <= limit:
        return Trimmed(_paragraphs(text), trimmed=False)
    end = 0
    for _start, stop in sorted((int(s[0]), int(s[1])) for s in sentences):
        if stop > limit:
            break
        end = stop
    if end == 0:
        space = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit))
        end = space if space > limit // 2 else limit
    return Trimmed(_paragraphs(text[:end]), trimmed=True)


def keep_sentences(text: str, sentences: Sequence[Sequence[int]], keep: Sequence[int]) -> Trimmed:
    """Only the sentences a curator kept (indexes into ``sentences``), in the author's order.

    Words are never changed, only left out: a gap between kept sentences, or before the first,
    shows as "…"; a gap after the last sets ``trimmed`` (the caller shows the final "…").
    Example: ``keep_sentences("One. Two. Three.", [(0, 4), (5, 9), (10, 16)], [0, 2])`` shows
    ``"One. … Three."`` with ``trimmed=False``.
    """
    spans = sorted((int(s[0]), int(s[1])) for s in sentences)
    wanted = sorted({i for i in keep if 0 <= i < len(spans)})
    if not wanted:
        return trim(text, sentences)
    pieces: list[str] = [ELLIPSIS] if wanted[0] > 0 else []
    for n, index in enumerate(wanted):
        if n and index != wanted[n - 1] + 1:
            pieces.append(ELLIPSIS)
        start, end = spans[index]
        pieces.append(text[start:end])
    return Trimmed(_paragraphs(" ".join(pieces)), trimmed=wanted[-1] < len(spans) - 1)


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.split("\n") if line.strip())
