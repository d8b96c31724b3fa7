"""Personal data becomes placeholders before any text leaves the corpus."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus.redact import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to jane.doe+forum@mail.example.org please", "write to [email] please"),
        ("call me on +44 20 7946 0958 tomorrow", "call me on [phone] tomorrow"),
        ("my number is 0049 170 1234567", "my number is [phone]"),
        (
            "https://x.example/reset?token=abc123&lang=en",
            "https://x.example/reset?token=[token]&lang=en",
        ),
        ("card 4111 1111 1111 1111 was charged", "card [card] was charged"),
        ("IBAN DE89 3704 0044 0532 0130 00 for the refund", "IBAN [iban] for the refund"),
        ("send it to 221 Baker Street please", "send it to [address] please"),
    ],
)
def test_redact_replaces_personal_data_with_placeholders(text: str, expected: str) -> None:
    assert redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Signal 7.2.1 on Android 14 (build 2024-05-01)",
        "It took 45 seconds and used 2 GB",
        "see https://support.example.org/hc/articles/360007318911",
    ],
)
def test_redact_leaves_versions_dates_and_plain_links_alone(text: str) -> None:
    assert redact(text) == (text, 0) or redact(text).text == text


@given(
    st.from_regex(r"[a-z]{1,10}(\.[a-z]{1,8})?@[a-z]{2,10}\.(com|org|de|io)", fullmatch=True),
    st.text(alphabet=st.characters(categories=["L", "Zs"]), max_size=30),
)
def test_redact_no_email_survives(email: str, context: str) -> None:
    result = redact(f"{context} {email} {context}")
    assert email not in result.text
    assert result.count >= 1
