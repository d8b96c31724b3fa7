"""Structured data that is true: schema.org ``DiscussionForumPosting`` in JSON-LD.

Each shown thread becomes one ``DiscussionForumPosting``: its title as ``headline``, the
thread's own address at the source as ``url`` (no referral code: it identifies the thread), the
opening post's author and the thread's date. When the opening post is among the shown excerpts
its text is the posting's ``text``; every other shown post is a ``Comment`` with its author (as
the forum shows them), date, text and, when known, its own address. Not ``QAPage``: visitors
cannot answer on a product page.

The block is the only ``<script>`` a Candor page carries, and it is data, never code:
:func:`json_ld_script` escapes ``<``, ``>`` and ``&`` so no text can close the element, and
:mod:`publisher.validate` refuses any other script or a block that is not JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from publisher.mashups import Byline, Excerpt, MashUpView, ShownThread

JSON_LD_TYPE = "application/ld+json"
# Escaped so no forum text can end the <script> element or start markup inside it.
ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def person(author: Byline) -> dict[str, Any]:
    """A ``Person`` named as the forum shows them: display name, else the username."""
    data: dict[str, Any] = {"@type": "Person", "name": author.name or author.username}
    if author.name:
        data["alternateName"] = f"@{author.username}"
    return data


def comment(post: Excerpt) -> dict[str, Any]:
    """One shown reply as a ``Comment``."""
    data: dict[str, Any] = {
        "@type": "Comment",
        "author": person(post.author),
        "datePublished": _iso(post.created_at),
        "text": post.text,
    }
    if post.url:
        data["url"] = post.url
    return data


def posting(thread: ShownThread) -> dict[str, Any]:
    """One shown thread as a ``DiscussionForumPosting`` with its shown replies as comments."""
    opening = next((p for p in thread.posts if p.number == 1), None)
    data: dict[str, Any] = {
        "@type": "DiscussionForumPosting",
        "headline": thread.title,
        "url": thread.source_url or thread.url,
    }
    if thread.opener is not None:
        data["author"] = person(thread.opener)
    if thread.created_at is not None:
        data["datePublished"] = _iso(thread.created_at)
    if opening is not None:
        data["text"] = opening.text
    comments = [comment(post) for post in thread.posts if post is not opening]
    if comments:
        data["comment"] = comments
        data["commentCount"] = len(comments)
    return data


def mashup_json_ld(mashup: MashUpView) -> dict[str, Any] | None:
    """The JSON-LD document of a mash-up (``None`` when it shows no thread)."""
    if not mashup.threads:
        return None
    return {"@context": "https://schema.org", "@graph": [posting(t) for t in mashup.threads]}


def json_ld_script(data: dict[str, Any]) -> str:
    """``<script type="application/ld+json">…</script>`` holding ``data``, inert by escaping."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in ESCAPES.items():
        text = text.replace(char, escape)
    return f'<script type="{JSON_LD_TYPE}">{text}</script>'
