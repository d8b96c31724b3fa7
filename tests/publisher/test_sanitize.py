"""The nh3 layer: even a template bug cannot put script into a page."""

from __future__ import annotations

from publisher.sanitize import clean_body, document
from publisher.validate import scan

# What a template would emit if it marked forum text |safe by mistake.
TEMPLATE_BUG = (
    '<p onclick="steal()">Hi<script>alert(1)</script></p>'
    "<img src=x onerror=alert(1)>"
    '<a href="javascript:alert(1)">x</a>'
    '<a href="https://forum.example/t/1" rel="opener" target="_blank">source</a>'
    '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>'
)


def test_sanitize_body_strips_script_handlers_and_bad_links() -> None:
    clean = clean_body(TEMPLATE_BUG)

    assert clean == (
        "<p>Hi</p>"
        '<a rel="noopener nofollow ugc">x</a>'
        '<a href="https://forum.example/t/1" rel="noopener nofollow ugc">source</a>'
    )


def test_sanitize_document_wraps_cleaned_parts_in_a_fixed_shell() -> None:
    page = document(
        '<title>T</title><meta name="viewport" content="width=device-width">'
        '<link rel="stylesheet" href="static/candor.css"><script>alert(1)</script>',
        f"<main>{TEMPLATE_BUG}</main>",
    )

    assert page.startswith('<!DOCTYPE html>\n<html lang="en">\n<head>\n')
    assert "<script" not in page and "onerror" not in page and "javascript:" not in page
    assert '<link rel="stylesheet" href="static/candor.css">' in page
    assert scan(page).problems == []
