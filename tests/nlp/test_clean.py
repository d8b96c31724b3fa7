"""HTML → the author's own words: quotes, code and signatures out, paragraphs kept apart."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nlp.clean import clean_html


def test_clean_drops_quotes_of_earlier_posts_but_remembers_them() -> None:
    html = (
        '<aside class="quote" data-post="3" data-topic="9"><div class="title">bob:</div>'
        "<blockquote><p>Have you tried turning it off?</p></blockquote></aside>"
        "<p>Yes, and it still fails.</p>"
    )
    cleaned = clean_html(html)
    assert cleaned.text == "Yes, and it still fails."
    assert cleaned.quoted_posts == (3,)


def test_clean_drops_code_blocks_previews_and_signatures() -> None:
    html = (
        "<p>Logs attached:</p><pre><code>Error: 0xdead</code></pre>"
        '<aside class="onebox"><h3>Some site</h3></aside>'
        "<p>Use <code>--no-sandbox</code> to start it.</p><p>Sent from my iPhone</p>"
    )
    assert clean_html(html).text == "Logs attached:\nUse --no-sandbox to start it."


def test_clean_keeps_paragraphs_and_list_items_on_their_own_lines() -> None:
    html = "<p>First</p><ul><li>one</li><li>two</li></ul><p>Last<br>line</p>"
    assert clean_html(html).text.split("\n") == ["First", "one", "two", "Last", "line"]


def test_clean_removes_invisible_characters() -> None:
    assert clean_html("<p>thanks\u200b \u202ea lot\ufeff</p>").text == "thanks a lot"


@given(st.text())
def test_clean_never_fails_on_arbitrary_input(text: str) -> None:
    cleaned = clean_html(text)
    assert all(line == line.strip() and line for line in cleaned.text.split("\n") if cleaned.text)


@given(st.lists(st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True), min_size=1, max_size=20))
def test_clean_keeps_every_word_of_plain_paragraphs(words: list[str]) -> None:
    html = "".join(f"<p>{w}</p>" for w in words)
    assert clean_html(html).text.split("\n") == words
