"""Which language a post is written in, so signals only claim what they can judge.

The signals' cues are English; a German "Danke, das hat funktioniert" is kept and shown, but no
English rule pretends to have read it. Short or mixed texts are *undetermined* (None) rather than
guessed: a two-word reply gives a language model nothing to go on, and English rules may still
judge it. Uses py3langid's shipped model (offline, ~10k posts/s).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

MIN_WORDS = 3
MIN_PROBABILITY = 0.5
WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when the text is too short to tell."""
    if len(WORD.findall(text)) < MIN_WORDS:
        return None
    language, probability = _identifier().classify(text)
    return str(language) if probability >= MIN_PROBABILITY else None


def judgeable(language: str | None) -> bool:
    """Whether the (English) signals may judge a text in ``language``."""
    return language in (None, "en")
