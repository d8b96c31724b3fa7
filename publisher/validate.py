"""Checking a rendered release before it can become ``current``.

A release folder is switched live only after every product page and microsite page exists,
parses as a complete HTML5 page (doctype, ``<html lang="en">``, a viewport, one ``<main>``,
balanced tags), every fragment parses, every link is an absolute http(s) URL, a ``mailto:``
address or a relative path to a file of the same release, ``embed.js`` is there and under its
size limit, and no page carries script, an event handler attribute or a ``javascript:`` URL.
The one ``<script>`` allowed is structured data: ``type="application/ld+json"`` holding JSON
with no ``<`` in it (:mod:`publisher.structured`). A failure raises :class:`ReleaseInvalid` and
the release is discarded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from corpus.errors import CandorError
from publisher import embed
from publisher.referrals import is_web_url
from publisher.render import SITE_PAGES
from publisher.structured import JSON_LD_TYPE

VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcset", "poster", "data"}
FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "form", "base"}


class ReleaseInvalid(CandorError):
    """A rendered release failed validation; it was not published (the message says where)."""


class _PageScan(HTMLParser):
    """Collects what validation needs from one HTML file."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype: str | None = None
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[str] = []
        self.problems: list[str] = []
        self.json_ld: list[str] = []
        self._open: list[str] = []
        self._in_data_block = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag}> has an event handler attribute {name!r}")
            if name in URL_ATTRIBUTES and value is not None:
                self.links.append(value)
        if tag == "script" and dict(attrs) == {"type": JSON_LD_TYPE}:
            self._in_data_block = True
            self.json_ld.append("")
        elif tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> is not allowed in a page")
        if tag not in VOID_TAGS:
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._in_data_block:
            self.json_ld[-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_data_block:
            self._in_data_block = False
            self._check_json_ld(self.json_ld[-1])
        if tag in VOID_TAGS:
            return
        if not self._open or self._open[-1] != tag:
            expected = f"</{self._open[-1]}>" if self._open else "no closing tag"
            self.problems.append(f"</{tag}> where {expected} was expected")
            return
        self._open.pop()

    def _check_json_ld(self, text: str) -> None:
        if "<" in text:
            self.problems.append("structured data holds an unescaped '<'")
        try:
            json.loads(text)
        except ValueError as exc:
            self.problems.append(f"structured data is not JSON ({exc})")

    def finish(self) -> None:
        self.close()
        if self._open:
            self.problems.append(f"unclosed tags: {', '.join(self._open)}")


def scan(html: str) -> _PageScan:
    """Parse ``html`` and return what was found (tags, links, problems)."""
    page = _PageScan()
    page.feed(html)
    page.finish()
    return page


def validate_release(folder: Path, slugs: Iterable[str], variants: Iterable[str] = ()) -> None:
    """Raise :class:`ReleaseInvalid` unless ``folder`` holds a complete, safe release.

    slugs: the product pages; variants: experiment fragments (``acme-sync.b``), no page.
    """
    problems: list[str] = []
    slugs = list(slugs)
    pages = [href for href, _, _ in SITE_PAGES] + [f"products/{slug}.html" for slug in slugs]
    names = [*slugs, *variants]
    fragments = [f"fragments/{name}.html" for name in names]
    for relative in pages + fragments + [f"fragments/{name}.json" for name in names]:
        if not (folder / relative).is_file():
            problems.append(f"{relative}: missing")
    for relative in pages:
        if (folder / relative).is_file():
            problems += [f"{relative}: {p}" for p in _page_problems(folder, relative)]
    for relative in fragments:
        if (folder / relative).is_file():
            page = scan((folder / relative).read_text("utf-8"))
            links = _link_problems(folder, relative, page.links)
            problems += [f"{relative}: {p}" for p in page.problems + links]
    script = folder / embed.RELEASE_PATH
    if not script.is_file():
        problems.append(f"{embed.RELEASE_PATH}: missing")
    elif script.stat().st_size > embed.MAX_BYTES:
        problems.append(
            f"{embed.RELEASE_PATH}: {script.stat().st_size} bytes, over {embed.MAX_BYTES}"
        )
    for path in sorted(folder.glob("fragments/*.json")):
        try:
            json.loads(path.read_text("utf-8"))
        except ValueError as exc:
            problems.append(f"{path.relative_to(folder)}: not JSON ({exc})")
    if problems:
        raise ReleaseInvalid(
            f"release {folder.name} failed validation and was not published:\n  "
            + "\n  ".join(problems)
        )


def _page_problems(folder: Path, relative: str) -> list[str]:
    html = (folder / relative).read_text("utf-8")
    page = scan(html)
    problems = list(page.problems)
    if (page.doctype or "").lower() != "doctype html":
        problems.append("does not start with <!DOCTYPE html>")
    tags = [tag for tag, _ in page.tags]
    html_attrs = next((attrs for tag, attrs in page.tags if tag == "html"), {})
    if html_attrs.get("lang") != "en":
        problems.append('has no <html lang="en">')
    if tags.count("main") != 1:
        problems.append(f"has {tags.count('main')} <main> elements, not one")
    if not any(tag == "meta" and attrs.get("name") == "viewport" for tag, attrs in page.tags):
        problems.append("has no viewport <meta>")
    if "title" not in tags:
        problems.append("has no <title>")
    return problems + _link_problems(folder, relative, page.links)


def _link_problems(folder: Path, relative: str, links: list[str]) -> list[str]:
    """Links must be absolute http(s), or relative paths to a file inside the release."""
    problems = []
    here = PurePosixPath(relative).parent
    for link in links:
        parts = urlsplit(link.strip())
        if parts.scheme == "mailto" and parts.path and "<" not in parts.path:
            continue
        if parts.scheme or parts.netloc:
            if not is_web_url(link):
                problems.append(f"link {link!r} is not http(s)")
            continue
        target = (folder / here / parts.path).resolve()
        if not target.is_relative_to(folder.resolve()) or not target.is_file():
            problems.append(f"link {link!r} points to no file of this release")
    return problems
