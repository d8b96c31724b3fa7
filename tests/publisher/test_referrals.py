"""Referral codes and links back to the source."""

from __future__ import annotations

import pytest

from publisher.referrals import is_web_url, referral_code, with_referral


def test_referrals_code_names_the_product_and_ignores_order() -> None:
    code = referral_code("acme-sync", [3, 1, 2])

    assert code.startswith("acme-sync-") and len(code) == len("acme-sync-") + 8
    assert code == referral_code("acme-sync", [1, 2, 3])
    assert code != referral_code("acme-sync", [1, 2])


def test_referrals_parameter_is_added_to_the_query() -> None:
    url = with_referral("https://forum.example/t/sync/12?page=2#post_3", "cnd", "acme-1a2b")

    assert url == "https://forum.example/t/sync/12?page=2&cnd=acme-1a2b#post_3"


def test_referrals_parameter_replaces_an_earlier_value() -> None:
    url = with_referral("https://forum.example/t/12?cnd=old", "cnd", "new")

    assert url == "https://forum.example/t/12?cnd=new"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://forum.example/t/1", True),
        ("http://forum.example", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("data:text/html,hi", False),
        ("//forum.example/t/1", False),
        ("/t/1", False),
        (None, False),
    ],
)
def test_referrals_only_web_urls_are_links(url: str | None, expected: bool) -> None:
    assert is_web_url(url) is expected
