"""Rendering a whole site in memory: ``{relative path: bytes}`` for one release.

Pages are rendered by Jinja2 (autoescape on, undefined names are errors) from
``publisher/templates`` and then sanitised by :mod:`publisher.sanitize`. Nothing here reads the
clock or the release label, so the same corpus always renders the same bytes: that is what lets
:func:`publisher.publish` recognise an unchanged site by its content hash.

Files of a release::

    index.html                  the list of product pages
    about.html, choosing.html,  the microsite: what Candor shows and why, how threads are
    contributors.html,          chosen, the contributor rankings (formula on the page) and
    removal.html                how to ask for a post to be removed
    products/{slug}.html        a full page per product
    fragments/{slug}.html       the mash-up <section> alone (with its JSON-LD), for a
                                server-side include or for embed.js
    fragments/{slug}.json       the same mash-up as data
    fragments/{slug}.{v}.html   variant v of an experiment on that page (and .json), which
                                embed.js picks per page request (publisher/variants.py)
    embed.js                    the one-tag embed script (publisher/embed.py)
    static/candor.css           the mash-up stylesheet (scoped; embed.js adds it to a page)
    static/site.css             page-wide rules of Candor's own pages
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from publisher import embed
from publisher.mashups import MashUpView
from publisher.rankings import TOP, WEIGHTS, ContributorRank
from publisher.sanitize import document, section_with_data
from publisher.structured import json_ld_script, mashup_json_ld

TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = "static/candor.css"
SITE_STYLESHEET = "static/site.css"
# (file, navigation label, title): the pages every release carries besides the product pages.
SITE_PAGES = (
    ("index.html", "Products", "Conversations from the community"),
    ("about.html", "About", "About these conversations"),
    ("choosing.html", "How we choose", "How conversations are chosen"),
    ("contributors.html", "Contributors", "Contributor rankings"),
    ("removal.html", "Removal requests", "Asking for a post to be removed"),
)
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
        lstrip_blocks=True,
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


@dataclass(frozen=True)
class Microsite:
    """What the microsite pages say beyond the mash-ups (from settings and the corpus)."""

    rankings: Sequence[ContributorRank] = ()
    removal_contact: str | None = None
    per_page: int = 5
    referral_param: str = "cnd"
    pilot_rankings: Sequence[ContributorRank] = ()
    # "venue/username" → place in the whole community, beside each pilot member's pilot rank.
    community_ranks: Mapping[str, int] = field(default_factory=dict)
    pilot_convention: str = ""
    experiments: Mapping[str, Any] = field(default_factory=dict)
    # Rank changes ("+2", "−1", "=", "new") per "venue/username" since the snapshot of that date.
    changes_since: datetime | None = None
    community_changes: Mapping[str, str] = field(default_factory=dict)
    pilot_changes: Mapping[str, str] = field(default_factory=dict)

    @property
    def removal_contact_label(self) -> str:
        """``mailto:privacy@acme.example`` → ``privacy@acme.example``; a URL as it is."""
        return (self.removal_contact or "").removeprefix("mailto:")


def render_site(
    mashups: list[MashUpView],
    base_url: str,
    site: Microsite | None = None,
    variants: Sequence[MashUpView] = (),
) -> dict[str, bytes]:
    """Every file of a release, keyed by its path relative to the release folder.

    ``variants`` are experiments' versions of product mash-ups: fragments only, no page.
    """
    env = environment()
    site = site or Microsite()
    base = base_url.rstrip("/")
    common = {
        "site_pages": [(href, label) for href, label, _ in SITE_PAGES],
        "per_page": site.per_page,
        "referral_param": site.referral_param,
        "removal_contact": site.removal_contact,
        "removal_contact_label": site.removal_contact_label,
        "rankings": list(site.rankings),
        "pilot_rankings": list(site.pilot_rankings),
        "community_ranks": site.community_ranks,
        "pilot_convention": site.pilot_convention,
        "changes_since": site.changes_since,
        "community_changes": site.community_changes,
        "pilot_changes": site.pilot_changes,
        "show_venue": len({row.venue for row in [*site.rankings, *site.pilot_rankings]}) > 1,
        "weights": WEIGHTS,
        "top": TOP,
    }
    files: dict[str, str | bytes] = {
        STYLESHEET: (TEMPLATES / STYLESHEET).read_bytes(),
        SITE_STYLESHEET: (TEMPLATES / SITE_STYLESHEET).read_bytes(),
        embed.RELEASE_PATH: embed.embed_script(dict(site.experiments)),
    }
    for href, _, title in SITE_PAGES:
        files[href] = _page(
            env,
            href,
            title=title,
            root="",
            here=href,
            stylesheet=STYLESHEET,
            canonical=f"{base}/{href}",
            mashups=mashups,
            **common,
        )
    for mashup in [*mashups, *variants]:
        section = mashup_section(env, mashup)
        files[f"fragments/{mashup.name_in_files}.html"] = section + "\n"
        files[f"fragments/{mashup.name_in_files}.json"] = mashup_json(mashup)
        if mashup.variant:
            continue
        files[f"products/{mashup.slug}.html"] = _page(
            env,
            "product.html",
            slot=section,
            title=f"{mashup.name}: conversations from the community",
            root="../",
            here="",
            stylesheet=f"../{STYLESHEET}",
            canonical=f"{base}/products/{mashup.slug}.html",
            mashup=mashup,
            **common,
        )
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
        **({"variant": mashup.variant} if mashup.variant else {}),
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


def mashup_section(env: Environment, mashup: MashUpView) -> str:
    """The cleaned mash-up ``<section>`` with its JSON-LD: a fragment, and a product page's core."""
    section = env.get_template("_mashup.html").render(mashup=mashup, note=NOTE)
    data = mashup_json_ld(mashup)
    return section_with_data(section, json_ld_script(data) if data else None)


def _page(env: Environment, template: str, slot: str | None = None, **values: Any) -> str:
    head = env.get_template("_head.html").render(**values)
    body = env.get_template(template).render(**values)
    return document(head, body, slot)
