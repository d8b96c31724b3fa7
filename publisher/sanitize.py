"""The last gate before a visitor: every rendered HTML goes through nh3 with an allow-list.

Templates autoescape forum text already; this is the second, independent layer, so a template
bug (a stray ``|safe``, an attribute built from data) still cannot put script into a page. The
allow-lists name exactly the tags and attributes Candor's templates emit: anything else is
stripped, links keep only http(s), mailto or relative targets, and every ``<a>`` gets
``rel="noopener nofollow ugc"`` (the text is user-generated; the site vouches for no link in it).

nh3 cleans fragments, so a full page is assembled here from a fixed shell (doctype, ``<html
lang="en">``, ``<head>``, ``<body>``) around a cleaned head and a cleaned body: no byte from a
template reaches the page without passing through nh3.

One thing is added after cleaning, in one place: a mash-up ``<section>`` that was itself cleaned
and carries its JSON-LD block (:mod:`publisher.structured`), put where the page's template left
the :data:`SLOT` element. The validator checks that block is JSON and the only script.
"""

from __future__ import annotations

import nh3

LINK_REL = "noopener nofollow ugc"
URL_SCHEMES = {"http", "https", "mailto"}

BODY_TAGS = {
    "a",
    "article",
    "caption",
    "code",
    "div",
    "footer",
    "h1",
    "h2",
    "h3",
    "header",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "section",
    "span",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "time",
    "tr",
    "ul",
}
BODY_ATTRIBUTES = {
    "*": {"class", "id", "aria-hidden", "aria-label", "aria-labelledby", "aria-current"},
    "a": {"href"},
    "th": {"scope"},
    "time": {"datetime"},
}
# Where a page template wants the mash-up section; replaced after cleaning (see module docstring).
SLOT = '<div class="candor-slot"></div>'
HEAD_TAGS = {"meta", "title", "link"}
HEAD_ATTRIBUTES = {"meta": {"charset", "name", "content"}, "link": {"href"}}
HEAD_LINK_RELS = {"stylesheet", "canonical"}


def clean_body(html: str) -> str:
    """Sanitise body content (a page's body or a fragment's ``<section>``)."""
    return nh3.clean(
        html,
        tags=BODY_TAGS,
        clean_content_tags={"script", "style"},
        attributes=BODY_ATTRIBUTES,
        link_rel=LINK_REL,
        url_schemes=URL_SCHEMES,
    )


def clean_head(html: str) -> str:
    """Sanitise head content: charset, viewport, title, stylesheet and canonical links only."""
    return nh3.clean(
        html,
        tags=HEAD_TAGS,
        clean_content_tags={"script", "style"},
        attributes=HEAD_ATTRIBUTES,
        tag_attribute_values={"link": {"rel": HEAD_LINK_RELS}},
        link_rel=None,
        url_schemes=URL_SCHEMES,
    )


def section_with_data(section: str, json_ld: str | None) -> str:
    """A cleaned mash-up ``section`` with its JSON-LD ``<script>`` as the last child."""
    cleaned = clean_body(section).strip()
    if json_ld:
        end = cleaned.rindex("</section>")
        cleaned = f"{cleaned[:end]}{json_ld}</section>"
    return cleaned


def document(head: str, body: str, slot: str | None = None) -> str:
    """A complete HTML5 page: the fixed shell around the cleaned ``head`` and ``body``.

    ``slot`` is an already cleaned mash-up section (:func:`section_with_data`); the body must
    then hold the :data:`SLOT` element exactly once, and the section takes its place.
    """
    cleaned = clean_body(body).strip()
    if slot is not None:
        if cleaned.count(SLOT) != 1:
            raise ValueError(f"the page body must hold {SLOT} exactly once to take a section")
        cleaned = cleaned.replace(SLOT, slot)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        f"<head>\n{clean_head(head).strip()}\n</head>\n"
        f"<body>\n{cleaned}\n</body>\n"
        "</html>\n"
    )
