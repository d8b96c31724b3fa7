"""Toxic or off-topic posts: insults, hostility, profanity, spam and political asides.

A thread is proof for a product page only if a visitor can read it without wincing: a reply
that calls someone an idiot, swears, advertises something else or turns into party politics
makes the whole thread a worse excerpt, however well the problem was solved. This signal marks
such a post, per sentence, with the cue family as its value (``insult``, ``profanity``,
``hostility``, ``spam`` or ``off_topic``); selection counts marked posts as the negative
``toxicity`` part of a thread's score (:mod:`nlp.select`).

The lexicon is small on purpose and measured: ``tests/data/dev/toxicity_posts.labels.jsonl``
holds a keyword-found stratum (its precision) and a random stratum (what it misses), and
``candor eval`` reports both. Complaints about the product ("this update is a mess") are not
toxic: they are the honest part of a support forum.
"""

from __future__ import annotations

import re

from nlp.roles import COMMUNITY, OPENER, STAFF
from nlp.signals import Finding, PostView, signal

TOXICITY_VERSION = "candor.toxicity.v2"


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


# The dev set's tune split showed what a forum about a messenger says innocently: "off-topic"
# flags the writer's own aside, "troll" and "shut up" describe abuse a feature would allow,
# "message me on WhatsApp" and "make money off your data" are the subject itself, and heads of
# state come up in privacy-law threads. Those cues are left out.
CUES: dict[str, re.Pattern[str]] = {
    # aimed at a person: the writer of another post, staff, "people like you"
    "insult": _rx(
        r"\b(idiot|moron|imbecile|dumbass|jerk|asshole|clown)s?\b",
        r"\b(you('re| are)|ur|u r|why (do|must) you (have to )?be) (an? |so |such an? )?"
        r"(stupid|dumb|ignorant|pathetic|liar|troll|obtuse|condescending|dense)\b",
        r"\byou should be ashamed\b",
        r"\b(insult(ing)? my intelligence|gaslight(ing)? me)\b",
        r"^\W*(shut up|stfu)\b",
        r"\bpeople like you\b",
    ),
    "profanity": _rx(
        r"\bf+u+c+k", r"\bsh[i1]t(ty)?\b", r"\bbullshit\b", r"\bwtf\b", r"\bscrew you\b"
    ),
    # contempt for the people behind the product, not for a bug
    "hostility": _rx(
        r"\b(lazy|incompetent|clueless|arrogant|useless) "
        r"(devs?|developers|staff|team|people|mods?)\b",
        r"\b(devs?|developers|staff|mods?|moderators) (are|is) (lazy|incompetent|clueless|arrogant|"
        r"useless|idiots|a joke)\b",
    ),
    "spam": _rx(
        r"\b(promo code|discount code|earn money|click here|buy now|free followers)\b",
        r"\b(contact|add|find|reach) me (on|at|via) (whatsapp|telegram|wechat|instagram)\b",
        r"\b(crypto|forex|bitcoin) (investment|trading|signals?)\b",
    ),
    # party politics in a support thread
    "off_topic": _rx(r"\b(maga|democrats?|republicans?|leftists?|right-wingers?|libtards?)\b"),
}


@signal(TOXICITY_VERSION, kind="toxicity", roles={OPENER, COMMUNITY, STAFF})
def toxicity(post: PostView) -> Finding | None:
    """Sentences with an insult, profanity, hostility to people, spam or a political aside."""
    found: list[tuple[str, tuple[int, int]]] = [
        (family, span)
        for span, sentence in post.sentence_texts()
        for family, cue in CUES.items()
        if cue.search(sentence)
    ]
    if not found:
        return None
    families = sorted({family for family, _ in found})
    spans = sorted({span for _, span in found})
    return Finding("toxicity", families, min(1.0, 0.5 + 0.2 * len(found)), spans)
