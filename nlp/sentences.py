"""Sentence spans of a cleaned post: the unit every piece of evidence points at."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

Span = tuple[int, int]


def split_sentences(nlp: Language, texts: Iterable[str]) -> Iterator[list[Span]]:
    """Yield, per text, the ``(start, end)`` character offsets of its sentences.

    Lines are hard boundaries (a forum post's line break ends a thought even without a full
    stop); within a line spaCy's sentencizer decides. Offsets exclude surrounding white space.
    """
    for doc in nlp.pipe(texts, batch_size=256):
        spans: list[Span] = []
        for sentence in doc.sents:
            start = sentence.start_char
            for piece in sentence.text.split("\n"):
                stripped = piece.strip()
                if stripped:
                    offset = start + piece.index(stripped)
                    spans.append((offset, offset + len(stripped)))
                start += len(piece) + 1
        yield spans
