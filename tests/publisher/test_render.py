"""Rendering a site from mash-ups: page structure, fragments, JSON, and inert forum text."""

from __future__ import annotations

import json

import pytest

from publisher.render import NOTE, content_hash, render_site
from publisher.validate import scan
from tests.publisher.sample_views import mashup

# Forum text that literally contains markup (say, pasted into inline code): it is the author's
# words, shown unedited, so it must reach the visitor as inert text, never as elements.
MARKUP_TEXT = (
    'Pasted <img src=x onerror=alert(1)> and <a href="javascript:alert(1)">this</a> '
    "and <script>alert(1)</script> & more"
)


@pytest.fixture
def files() -> dict[str, str]:
    rendered = render_site([mashup()], "https://acme.example/proof/")
    return {path: content.decode("utf-8") for path, content in rendered.items()}


def test_render_product_page_is_a_complete_html5_document(files: dict[str, str]) -> None:
    page = files["products/acme-sync.html"]
    found = scan(page)

    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert found.problems == []
    tags = [tag for tag, _ in found.tags]
    assert tags.count("main") == 1
    assert ("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}) in (
        found.tags
    )
    assert '<link rel="stylesheet" href="../static/candor.css">' in page
    assert '<link rel="canonical" href="https://acme.example/proof/products/acme-sync.html">' in (
        page
    )


def test_render_fragment_is_only_the_mashup_section(files: dict[str, str]) -> None:
    fragment = files["fragments/acme-sync.html"]

    assert fragment.startswith('<section class="candor"')
    assert fragment.rstrip().endswith("</section>")
    assert fragment.strip() in files["products/acme-sync.html"]
    assert NOTE in fragment


def test_render_json_holds_the_same_mashup(files: dict[str, str]) -> None:
    data = json.loads(files["fragments/acme-sync.json"])

    assert data["referral_code"] == "acme-sync-1a2b3c4d"
    assert data["note"] == NOTE
    [thread] = data["threads"]
    assert thread["url"] == "https://forum.example/t/sync/3?cnd=acme-sync-1a2b3c4d"
    assert thread["solved"] is True
    [post] = thread["posts"]
    assert post["author"] == {"name": "Bob <b>from</b> Acme", "username": "bob-acme"}
    assert post["staff"] is True
    assert post["date"] == "2024-03-05T14:02:00Z"
    assert "<b>" not in files["fragments/acme-sync.json"]  # escaped as \u003c in the file


def test_render_shows_author_date_badge_and_solved_mark(files: dict[str, str]) -> None:
    page = files["products/acme-sync.html"]

    assert '<span class="candor-name">Bob &lt;b&gt;from&lt;/b&gt; Acme</span>' in page
    assert '<span class="candor-username">@bob-acme</span>' in page
    assert '<span class="candor-badge">Staff</span>' in page
    assert '<time datetime="2024-03-05T14:02:00Z">5 March 2024</time>' in page
    assert "Solved" in page
    assert '<h3 class="candor-thread-title">Sync &lt;em&gt;stopped&lt;/em&gt;</h3>' in page


def test_render_markup_in_forum_text_stays_inert_text() -> None:
    rendered = render_site([mashup(MARKUP_TEXT)], "https://acme.example")

    for path, content in rendered.items():
        if not path.endswith(".html"):
            continue
        html = content.decode("utf-8")
        found = scan(html)
        assert found.problems == [], path
        assert not any(tag in {"img", "script"} for tag, _ in found.tags), path
        assert all(not link.lower().startswith("javascript") for link in found.links), path
        assert "<script" not in html and "<img" not in html, path
    page = rendered["products/acme-sync.html"].decode("utf-8")
    assert "Pasted &lt;img src=x onerror=alert(1)&gt; and &lt;a href=" in page


def test_render_trimmed_post_shows_a_visible_ellipsis() -> None:
    rendered = render_site([mashup("The first sentence.", trimmed=True)], "https://acme.example")

    page = rendered["products/acme-sync.html"].decode("utf-8")
    data = json.loads(rendered["fragments/acme-sync.json"])
    assert 'The first sentence. <span class="candor-trimmed">…' in page
    assert data["threads"][0]["posts"][0]["text"] == "The first sentence. …"


def test_render_same_mashups_give_the_same_bytes_and_hash() -> None:
    first = render_site([mashup()], "https://acme.example")
    second = render_site([mashup()], "https://acme.example")
    changed = render_site([mashup("Different words.")], "https://acme.example")

    assert first == second
    assert content_hash(first) == content_hash(second) != content_hash(changed)


def test_render_copies_the_stylesheet(files: dict[str, str]) -> None:
    css = files["static/candor.css"]

    assert ".candor-badge" in css and "@media" in css
