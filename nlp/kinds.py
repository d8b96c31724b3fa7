"""What a staff post mainly does: admit, sympathise, deflect, announce a release, or answer.

Built on the signals: an admission finding wins (the rarer, more valuable kind); a post that is
mostly a list of changes, or announces a release or beta to test, is a release note; moderation
("3 posts were merged") is other; "works as intended" or a pointer elsewhere without help is a
deflection; sympathy without owning anything is empathy; any other reply is an answer.
"""

from __future__ import annotations

import re

from nlp.signals import PostView, admission, looks_like_release_note

KIND_VERSION = "candor.staff_post_kind.v2"

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

# Moderation and thread housekeeping: neither help nor an admission.
HOUSEKEEPING = re.compile(
    r"\b(posts? (was|were) (merged|moved|split)|(this|the) (thread|topic) (is|was) (created )?for|"
    r"(closing|closed|locking|locked|merging|merged) (this|the) (thread|topic))\b",
    re.IGNORECASE,
)


def staff_post_kind(post: PostView) -> tuple[str, list[tuple[int, int]]]:
    """``(kind, evidence spans)`` for a staff post."""
    finding = admission(post)
    if finding is not None:
        return "admission", finding.spans
    if looks_like_release_note(post):
        return "release_note", []
    for kind, cue in (("other", HOUSEKEEPING), ("deflection", DEFLECTION), ("empathy", EMPATHY)):
        spans = [span for span, sentence in post.sentence_texts() if cue.search(sentence)]
        if spans and (kind != "empathy" or len(post.sentences) <= 3):
            return kind, spans
    return ("answer" if post.number > 1 else "other"), []
