"""A thread is resolved by an answer, the opener's word or a staff fix; not by a redirect."""

from __future__ import annotations

from nlp.resolution import JudgedPost, resolution
from nlp.roles import COMMUNITY, OPENER, STAFF
from nlp.signals import Finding


def post(role: str, text: str, accepted: bool = False, confirmed: bool = False) -> JudgedPost:
    span = (0, len(text))
    findings = [("rule", Finding("solved_confirmation", True, 0.9, [span]))] if confirmed else []
    return JudgedPost(role, accepted, [span], findings, text)


QUESTION = post(OPENER, "My calls drop after a minute on Wi-Fi.")


def reasons(*posts: JudgedPost) -> list[str]:
    return [why for _, _, why in resolution([QUESTION, *posts])]


def test_resolution_accepted_answer_with_help_resolves() -> None:
    answer = post(COMMUNITY, "Turn off the battery optimisation for Signal.", accepted=True)
    assert reasons(answer) == ["accepted answer"]


def test_resolution_accepted_pointer_to_a_duplicate_does_not_resolve() -> None:
    assert reasons(post(COMMUNITY, "This is a dupe of the other thread.", accepted=True)) == []
    assert reasons(post(COMMUNITY, "There is an existing feature request:", accepted=True)) == []
    assert reasons(post(COMMUNITY, "", accepted=True)) == []


def test_resolution_opener_confirmation_resolves() -> None:
    assert reasons(post(OPENER, "That did it, thanks!", confirmed=True)) == [
        "opener confirmed (rule)"
    ]


def test_resolution_staff_fix_resolves_but_a_hedge_does_not() -> None:
    assert reasons(post(STAFF, "This has been fixed in 7.58.")) == ["staff fixed it"]
    assert reasons(post(STAFF, "This should be fixed in the next beta.")) == []


def test_resolution_staff_fix_in_a_staff_announcement_answers_someone_else() -> None:
    beta = post(STAFF, "Beta 7.40 is out, tell us about any issues.")
    fixed = post(STAFF, "That crash has been fixed in beta 2.")
    assert resolution([beta, post(COMMUNITY, "It crashes on start."), fixed]) == []
