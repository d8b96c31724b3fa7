"""How concrete a thread is: version numbers, builds and error codes are what real problems cite.

Specific details make a conversation credible on a product page ("fixed in 7.2", "error 403");
generic praise does not. Counted per thread, with the sentences that hold them as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.sentences import Span

SPECIFICITY_VERSION = "candor.specificity.v1"
DETAIL = re.compile(
    r"\bv?\d+\.\d+(\.\d+)*(-beta(\.\d+)?)?\b"  # versions: 7.2, v7.87.0-beta.1
    r"|\b(build|error|code|android|ios) ?#?\d{2,}\b"  # build 1237, error 403, Android 14
    r"|\b0x[0-9a-f]{4,}\b",  # error codes
    re.IGNORECASE,
)


def specific_details(
    texts: Sequence[str], sentences: Sequence[Sequence[Span]]
) -> list[tuple[int, Span]]:
    """``(post index, sentence span)`` of each sentence that names a concrete detail."""
    return [
        (index, (start, end))
        for index, (text, spans) in enumerate(zip(texts, sentences, strict=True))
        for start, end in spans
        if DETAIL.search(text[start:end])
    ]
