"""Forum HTML → the text a reader would judge: the author's own words only.

Dropped: quotes of earlier posts (Discourse's ``aside.quote``; the quoted post is remembered so a
reader can follow it), block quotes, code, link previews (onebox), images, and signature lines such
as "Sent from my iPhone". Kept: paragraphs and list items, each on its own line, so sentence
splitting sees the author's structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

DROP_XPATH = (
    "//aside | //blockquote | //pre | //code[not(ancestor::p) or contains(@class, 'lang-')]"
    " | //*[contains(concat(' ', normalize-space(@class), ' '), ' onebox ')]"
    " | //img | //script | //style | //svg | //*[contains(@class, 'lightbox-wrapper')]"
)
BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "details", "summary"}
SIGNATURE = re.compile(
    r"^\s*(sent from my\b.*|get outlook for\b.*|--\s*)$", re.IGNORECASE | re.MULTILINE
)
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


@dataclass(frozen=True)
class CleanText:
    """The author's words and what was taken out."""

    text: str
    quoted_posts: tuple[int, ...] = field(default=())


def clean_html(html: str) -> CleanText:
    """Return the post's own text; see the module docstring for what is dropped."""
    if not html.strip():
        return CleanText("")
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return CleanText(_normalise(html))
    quoted = tuple(
        int(number)
        for number in root.xpath("//aside[contains(@class, 'quote')]/@data-post")
        if str(number).isdigit()
    )
    for element in root.xpath(DROP_XPATH):
        _remove_keep_tail(element)
    for element in root.iter(*BLOCKS):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    text = root.text_content()
    text = SIGNATURE.sub("", text)
    return CleanText(_normalise(text), quoted)


def _remove_keep_tail(element: etree._Element) -> None:
    """Remove an element but keep the text that follows it in its parent."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def _normalise(text: str) -> str:
    text = INVISIBLE.sub("", text).replace("\xa0", " ")
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
