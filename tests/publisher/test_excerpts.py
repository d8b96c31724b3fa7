"""Trimming post texts at sentence boundaries."""

from __future__ import annotations

from publisher.excerpts import trim
from tests.publisher.acme_forum import sentence_spans


def test_excerpts_short_text_is_shown_whole() -> None:
    text = "It works now.\nThanks a lot!"

    shown = trim(text, sentence_spans(text))

    assert shown.paragraphs == ("It works now.", "Thanks a lot!")
    assert not shown.trimmed


def test_excerpts_long_text_is_cut_after_the_last_whole_sentence() -> None:
    text = "One. Two. Three."

    shown = trim(text, sentence_spans(text), limit=10)

    assert shown.paragraphs == ("One. Two.",)
    assert shown.trimmed


def test_excerpts_trimmed_text_stays_near_the_limit() -> None:
    text = " ".join(f"Sentence number {i} says a little more." for i in range(40))

    shown = trim(text, sentence_spans(text))

    assert shown.trimmed
    assert 550 < len(shown.paragraphs[0]) <= 600
    assert shown.paragraphs[0].endswith(".")


def test_excerpts_one_endless_sentence_is_cut_between_words() -> None:
    text = "word " * 200

    shown = trim(text.strip(), [[0, len(text.strip())]])

    assert shown.trimmed
    assert shown.paragraphs[0].endswith("word")
    assert len(shown.paragraphs[0]) <= 600


def test_excerpts_paragraphs_survive_a_cut() -> None:
    text = "First line here.\n" + "Second line goes on. " * 40

    shown = trim(text, sentence_spans(text), limit=60)

    assert shown.paragraphs == ("First line here.", "Second line goes on. Second line goes on.")


def test_excerpts_keep_sentences_shows_gaps_as_ellipses_and_never_changes_words() -> None:
    from publisher.excerpts import Trimmed, keep_sentences

    text = "One. Two. Three. Four."
    spans = [(0, 4), (5, 9), (10, 16), (17, 22)]
    assert keep_sentences(text, spans, [0, 2]) == Trimmed(("One. … Three.",), trimmed=True)
    assert keep_sentences(text, spans, [1, 3]) == Trimmed(("… Two. … Four.",), trimmed=False)
    assert keep_sentences(text, spans, []) == trim(text, spans)  # nothing chosen: the whole post
