"""Rendering a site from mash-ups: page structure, fragments, JSON, and inert forum text."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from publisher.mashups import Byline
from publisher.rankings import ContributorRank
from publisher.render import NOTE, Microsite, content_hash, render_site
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
        assert not any(tag == "img" for tag, _ in found.tags), path
        scripts = [attrs for tag, attrs in found.tags if tag == "script"]
        assert all(attrs == {"type": "application/ld+json"} for attrs in scripts), path
        assert all(not link.lower().startswith("javascript") for link in found.links), path
        assert "<img" not in html and "<script>" not in html, path
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


def json_ld(html: str) -> dict:
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert "<" not in block
    return json.loads(block)


def test_render_structured_data_is_a_discussion_forum_posting(files: dict[str, str]) -> None:
    data = json_ld(files["fragments/acme-sync.html"])

    assert data["@context"] == "https://schema.org"
    [posting] = data["@graph"]
    assert posting["@type"] == "DiscussionForumPosting"
    assert posting["headline"] == "Sync <em>stopped</em>"
    assert posting["url"] == "https://forum.example/t/sync/3"  # the source, no referral code
    assert posting["author"] == {
        "@type": "Person",
        "name": "Alice Martin",
        "alternateName": "@alice_m",
    }
    assert posting["datePublished"] == "2024-03-04T09:30:00Z"
    assert "text" not in posting  # the opening post is not among the shown excerpts
    [comment] = posting["comment"]
    assert comment == {
        "@type": "Comment",
        "author": {"@type": "Person", "name": "Bob <b>from</b> Acme", "alternateName": "@bob-acme"},
        "datePublished": "2024-03-05T14:02:00Z",
        "text": "It works now. Thanks!",
        "url": "https://forum.example/t/sync/3/2",
    }
    assert "QAPage" not in files["fragments/acme-sync.html"]
    assert json_ld(files["products/acme-sync.html"]) == data


def test_render_structured_data_cannot_be_closed_by_forum_text() -> None:
    rendered = render_site([mashup("</script><script>alert(1)</script>")], "https://acme.example")
    fragment = rendered["fragments/acme-sync.html"].decode("utf-8")

    data = json_ld(fragment)
    assert data["@graph"][0]["comment"][0]["text"] == "</script><script>alert(1)</script>"
    assert fragment.count("<script") == 1


def test_render_empty_mashup_has_no_structured_data() -> None:
    empty = replace(mashup(), threads=())

    fragment = render_site([empty], "https://acme.example")["fragments/acme-sync.html"]

    assert b"<script" not in fragment and b"No conversations to show yet." in fragment


def test_render_microsite_pages_link_each_other(files: dict[str, str]) -> None:
    for page in ("index.html", "about.html", "choosing.html", "contributors.html", "removal.html"):
        found = scan(files[page])
        assert found.problems == [], page
        assert {"about.html", "choosing.html", "contributors.html", "removal.html"} <= set(
            found.links
        ), page
        assert f'<a href="{page}" aria-current="page"' in files[page]
    assert (
        "score = 3 × accepted answers + 2 × thanks received + 1 × helpful replies"
        in (files["contributors.html"])
    )


def test_render_removal_page_names_the_configured_contact() -> None:
    site = Microsite(removal_contact="mailto:privacy@acme.example")

    page = render_site([mashup()], "https://acme.example", site)["removal.html"].decode()

    assert '<a href="mailto:privacy@acme.example" rel="noopener nofollow ugc">' in page
    assert ">privacy@acme.example</a>" in page


def test_render_rankings_table_lists_contributors_in_rank_order() -> None:
    rows = [
        ContributorRank(1, Byline("carol", None), "acme", 2, 1, 3),
        ContributorRank(2, Byline("dave", "Dave <i>D</i>"), "acme", 0, 1, 0),
    ]

    page = render_site([], "https://acme.example", Microsite(rankings=rows))["contributors.html"]
    html = page.decode("utf-8")

    assert html.index("@carol") < html.index("@dave")
    assert "<td>11</td>" in html  # 3×2 + 2×1 + 1×3
    assert "Dave &lt;i&gt;D&lt;/i&gt;" in html
    assert scan(html).problems == []


def test_render_publishes_embed_js_small(files: dict[str, str]) -> None:
    script = files["embed.js"]

    assert len(script.encode("utf-8")) < 5 * 1024
    assert "data-product" in script and 'credentials: "omit"' in script
    assert "/*" not in script and "\n//" not in script
