"""What a staff post mainly does: admit, sympathise, deflect, announce a release, or answer.

Built on the signals: an admission finding wins (the rarer, more valuable kind); a post that is
mostly a list of changes is a release note; sympathy without owning anything is empathy; "works
as intended" or a pointer elsewhere without help is a deflection; any other reply is an answer.
"""

from __future__ import annotations

import re

from nlp.signals import REGISTRY, PostView, looks_like_release_note

KIND_VERSION = "candor.staff_post_kind.v1"

EMPATHY = re.compile(
    r"\b(sorry (to hear|you('re| are)|for the (trouble|inconvenience|frustration))|"
    r"i understand (how|that|your)|that (sounds|must be) frustrating)\b",
    re.IGNORECASE,
)
DEFLECTION = re.compile(
    r"\b((works|working) as (intended|designed|expected)|by design|intended behaviou?r|"
    r"(please )?contact (our )?support|not (something|a bug) (we|on our)|"
    r"(that|this) is (a|an) (android|ios|apple|google|os|windows) (issue|bug|limitation))\b",
    re.IGNORECASE,
)


def staff_post_kind(post: PostView) -> tuple[str, list[tuple[int, int]]]:
    """``(kind, evidence spans)`` for a staff post."""
    finding = REGISTRY["candor.admission.v2"].func(post)
    if finding is not None:
        return "admission", finding.spans
    if looks_like_release_note(post):
        return "release_note", []
    for kind, cue in (("deflection", DEFLECTION), ("empathy", EMPATHY)):
        spans = [span for span, sentence in post.sentence_texts() if cue.search(sentence)]
        if spans and (kind == "deflection" or len(post.sentences) <= 3):
            return kind, spans
    return ("answer" if post.number > 1 else "other"), []
