"""Known XSS payloads (``xss_payloads.txt``) and a checker for what could run script in a page.

:func:`execution_vectors` is deliberately independent of :mod:`publisher.validate`: a test of the
sanitiser must not trust the code it tests. It lists script elements (except JSON-LD data and
scripts or frames whose ``src`` the caller trusts), event handler attributes, ``javascript:`` and
``vbscript:`` URLs, ``data:`` URLs other than an empty one or a bitmap image (after removing the
whitespace and control characters browsers ignore), frames, objects, ``<base>``,
``<meta http-equiv=refresh>``, and CSS with ``expression(`` or a script URL.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

PAYLOADS = [
    line
    for line in (Path(__file__).with_name("xss_payloads.txt")).read_text("utf-8").splitlines()
    if line and not line.startswith("#")
]
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "background", "dynsrc", "lowsrc", "data",
    "xlink:href", "poster", "srcset", "codebase", "cite", "longdesc", "usemap", "ping",
}  # fmt: skip
EMBEDDING_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base"}
# data: URLs may carry HTML or SVG with script; the empty one (a favicon stand-in) cannot.
SCRIPT_URL = re.compile(r"^(javascript:|vbscript:|data:(?!,$|image/(png|gif|jpeg|webp)))", re.I)
IGNORED_IN_URLS = re.compile(r"[\s\x00-\x1f]")
BAD_CSS = re.compile(r"expression\s*\(|javascript:|vbscript:", re.IGNORECASE)
JSON_LD = "application/ld+json"


class _Scan(HTMLParser):
    def __init__(self, trusted: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.trusted = trusted
        self.found: list[str] = []
        self._css = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        own = bool(self.trusted) and values.get("src", "").startswith(self.trusted)
        if tag == "script" and values.get("type") != JSON_LD and not own:
            self.found.append(f"<script {values}>")
        if tag in EMBEDDING_TAGS and not (tag == "iframe" and own):
            self.found.append(f"<{tag} {values}>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        self._css = tag == "style"
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in URL_ATTRIBUTES and SCRIPT_URL.match(IGNORED_IN_URLS.sub("", value)):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "style" and BAD_CSS.search(value):
                self.found.append(f"<{tag} style={value!r}>")

    def handle_data(self, data: str) -> None:
        if self._css and BAD_CSS.search(data):
            self.found.append(f"<style>{data[:60]}")

    def handle_endtag(self, tag: str) -> None:
        self._css = False


def execution_vectors(html: str, trusted: tuple[str, ...] = ()) -> list[str]:
    """Everything in ``html`` that could run script; ``trusted``: the page's own ``src`` prefixes
    (its script, its same-origin preview frame)."""
    scan = _Scan(trusted)
    scan.feed(html)
    scan.close()
    return scan.found
