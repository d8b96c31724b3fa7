"""Signals judge only what they can read: other languages are kept but not judged."""

from __future__ import annotations

from nlp.language import detect
from nlp.roles import COMMUNITY
from nlp.signals import PostView, judge


def test_language_detects_longer_texts_and_leaves_short_ones_undetermined() -> None:
    assert detect("Thanks a lot, the update fixed my notifications.") == "en"
    assert detect("Danke, das Update hat meine Benachrichtigungen repariert.") == "de"
    assert detect("ok!") is None


def test_language_non_english_post_gets_no_english_signal() -> None:
    text = "Vielen Dank, das hat funktioniert!"
    german = PostView(text, [(0, len(text))], COMMUNITY, 2, language=detect(text))
    english = PostView("Thanks a lot, that worked!", [(0, 26)], COMMUNITY, 2, language="en")
    assert judge(german) == []
    assert [f.kind for _, f in judge(english)] == ["gratitude"]
