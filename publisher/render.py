"""Rendering a whole site in memory: ``{relative path: bytes}`` for one release.

Pages are rendered by Jinja2 (autoescape on, undefined names are errors) from
``publisher/templates`` and then sanitised by :mod:`publisher.sanitize`. Nothing here reads the
clock or the release label, so the same corpus always renders the same bytes: that is what lets
:func:`publisher.publish` recognise an unchanged site by its content hash.

Files of a release::

    index.html                  the list of product pages
    products/{slug}.html        a full page per product
    fragments/{slug}.html       the mash-up <section> alone, for a server-side include
    fragments/{slug}.json       the same mash-up as data
    static/candor.css           the stylesheet both pages and fragments use
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from publisher.mashups import MashUpView
from publisher.sanitize import clean_body, document

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = "static/candor.css"
NOTE = "Real, unedited excerpts from a public forum. Read the whole conversation at the source."
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Escaped in JSON so a fragment stays inert even if someone inlines it into a <script> block.
JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def environment() -> Environment:
    """The Jinja2 environment every page is rendered with."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["iso"] = iso_time
    env.filters["long_date"] = long_date
    return env


def iso_time(moment: datetime) -> str:
    """``2024-03-05T14:02:00Z``: the machine-readable date of a ``<time>``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def long_date(moment: datetime) -> str:
    """``5 March 2024``, independent of the machine's locale."""
    day = moment.astimezone(UTC)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def render_site(mashups: list[MashUpView], base_url: str) -> dict[str, bytes]:
    """Every file of a release, keyed by its path relative to the release folder."""
    env = environment()
    base = base_url.rstrip("/")
    files: dict[str, str | bytes] = {
        "index.html": _page(
            env,
            "index.html",
            title="Conversations from the community",
            stylesheet=STYLESHEET,
            canonical=f"{base}/index.html",
            mashups=mashups,
        ),
        STYLESHEET: (TEMPLATES / STYLESHEET).read_bytes(),
    }
    for mashup in mashups:
        files[f"products/{mashup.slug}.html"] = _page(
            env,
            "product.html",
            title=f"{mashup.name}: conversations from the community",
            stylesheet=f"../{STYLESHEET}",
            canonical=f"{base}/products/{mashup.slug}.html",
            mashup=mashup,
            note=NOTE,
        )
        section = env.get_template("_mashup.html").render(mashup=mashup, note=NOTE)
        files[f"fragments/{mashup.slug}.html"] = clean_body(section).strip() + "\n"
        files[f"fragments/{mashup.slug}.json"] = mashup_json(mashup)
    return {
        path: content if isinstance(content, bytes) else content.encode("utf-8")
        for path, content in sorted(files.items())
    }


def content_hash(files: dict[str, bytes]) -> str:
    """SHA-256 over every path and its bytes: equal hashes mean an identical release."""
    digest = hashlib.sha256()
    for path in sorted(files):
        content = files[path]
        digest.update(f"{path}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def mashup_data(mashup: MashUpView) -> dict[str, Any]:
    """The mash-up as plain data: what ``fragments/{slug}.json`` holds."""
    return {
        "product": {"slug": mashup.slug, "name": mashup.name, "page": mashup.page},
        "referral_code": mashup.referral_code,
        "note": NOTE if mashup.threads else None,
        "threads": [
            {
                "id": thread.thread_id,
                "title": thread.title,
                "url": thread.url,
                "source_host": thread.source_host,
                "solved": thread.solved,
                "posts": [
                    {
                        "id": post.post_id,
                        "number": post.number,
                        "author": {
                            "name": post.author.name,
                            "username": post.author.username,
                        },
                        "staff": post.staff,
                        "date": iso_time(post.created_at),
                        "text": post.text,
                        "trimmed": post.trimmed,
                    }
                    for post in thread.posts
                ],
            }
            for thread in mashup.threads
        ],
    }


def mashup_json(mashup: MashUpView) -> str:
    """:func:`mashup_data` as JSON text, with ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(mashup_data(mashup), ensure_ascii=False, indent=2, sort_keys=True)
    for char, escape in JSON_ESCAPES.items():
        text = text.replace(char, escape)
    return text + "\n"


def _page(env: Environment, template: str, **values: Any) -> str:
    head = env.get_template("_head.html").render(**values)
    body = env.get_template(template).render(**values)
    return document(head, body)
