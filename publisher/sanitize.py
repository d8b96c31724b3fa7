"""The last gate before a visitor: every rendered HTML goes through nh3 with an allow-list.

Templates autoescape forum text already; this is the second, independent layer, so a template
bug (a stray ``|safe``, an attribute built from data) still cannot put script into a page. The
allow-lists name exactly the tags and attributes Candor's templates emit: anything else is
stripped, links keep only http(s) or relative targets, and every ``<a>`` gets
``rel="noopener nofollow ugc"`` (the text is user-generated; the site vouches for no link in it).

nh3 cleans fragments, so a full page is assembled here from a fixed shell (doctype, ``<html
lang="en">``, ``<head>``, ``<body>``) around a cleaned head and a cleaned body: no byte from a
template reaches the page without passing through nh3.
"""

from __future__ import annotations

import nh3

LINK_REL = "noopener nofollow ugc"
URL_SCHEMES = {"http", "https"}

BODY_TAGS = {
    "a",
    "article",
    "div",
    "footer",
    "h1",
    "h2",
    "h3",
    "header",
    "li",
    "main",
    "nav",
    "p",
    "section",
    "span",
    "strong",
    "time",
    "ul",
}
BODY_ATTRIBUTES = {
    "*": {"class", "id", "aria-hidden", "aria-label", "aria-labelledby"},
    "a": {"href"},
    "time": {"datetime"},
}
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


def document(head: str, body: str) -> str:
    """A complete HTML5 page: the fixed shell around the cleaned ``head`` and ``body``."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n'
        f"<head>\n{clean_head(head).strip()}\n</head>\n"
        f"<body>\n{clean_body(body).strip()}\n</body>\n"
        "</html>\n"
    )
