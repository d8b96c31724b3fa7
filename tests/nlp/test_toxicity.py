"""Insults, swearing, spam and party politics mark a post, and cost its thread in selection."""

from __future__ import annotations

import pytest

from nlp.roles import COMMUNITY
from nlp.select import ThreadEvidence
from nlp.signals import PostView, judge
from nlp.toxicity import TOXICITY_VERSION


def post(text: str) -> PostView:
    return PostView(text, [(0, len(text))], COMMUNITY, 3)


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("Only an idiot would turn that setting off.", "insult"),
        ("People like you ruin every thread here.", "insult"),
        ("Why do you have to be so obtuse about this?", "insult"),
        ("You should be ashamed of saying such nonsense.", "insult"),
        ("That answer is bullshit.", "profanity"),
        ("The devs are lazy and never read this forum.", "hostility"),
        ("Contact me on Telegram for a cheap premium account.", "spam"),
        ("You can contact me at WeChat abc123, I run servers for you.", "spam"),
        ("The Republicans will never let this pass.", "off_topic"),
    ],
)
def test_toxicity_marks_a_post_with_its_family(text: str, family: str) -> None:
    findings = dict(judge(post(text)))
    assert findings[TOXICITY_VERSION].value == [family]
    assert findings[TOXICITY_VERSION].spans == [(0, len(text))]


@pytest.mark.parametrize(
    "text",
    [
        "This update is a mess, the app crashes every time I open a chat.",
        "Sorry, a bit off-topic: does anyone like the new icon?",
        "In a busy group anyone could troll by editing the pinned message.",
        "Please no longer text me on WhatsApp, download Signal instead.",
        "Trump signed an order about data transfers, which matters for GDPR.",
    ],
)
def test_toxicity_leaves_complaints_and_asides_alone(text: str) -> None:
    assert TOXICITY_VERSION not in dict(judge(post(text)))


def test_toxicity_lowers_the_selection_score() -> None:
    clean = ThreadEvidence(1, counts={"resolved": 1.0})
    hostile = ThreadEvidence(2, counts={"resolved": 1.0, "toxicity": 3.0})
    assert hostile.score()[1]["toxicity"] == -3.0
    assert hostile.score()[0] < clean.score()[0]
