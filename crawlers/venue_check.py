"""``candor venue check URL``: what is this forum, may we crawl it, and how?

:func:`check_venue` fetches ``/robots.txt`` and one page (the URL given), then detects the
platform: Discourse by ``/site.json`` or its ``<meta name="generator">``; classic engines by
markers in their HTML. It says which shipped profile fits, or what to configure. It makes at
most three small requests, with Candor's user agent, and refuses private addresses unless
told the forum is local (as a crawl would), redirect targets included.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from typing import IO
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from crawlers.html_profiles import profile_names
from crawlers.safety import check_target

__all__ = ["ENGINE_MARKERS", "CheckedRedirects", "VenueCheck", "check_venue"]

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = 15

# engine → regexes; any match in the page's HTML names the engine.
ENGINE_MARKERS: dict[str, tuple[str, ...]] = {
    "spirit": (r'class="spirit"', r"/static/spirit/"),
    "phpbb": (r"phpBB", r'id="phpbb"'),
    "machina": (r"machina",),
    "misago": (r"misago", r"Misago"),
    "vbulletin": (r'content="vBulletin', r"vbulletin_css"),
    "xenforo": (r"XenForo", r"data-xf-init"),
    "invision": (r"ipsApp", r"Invision Community"),
    "flarum": (r"flarum", r"Flarum"),
}


@dataclass
class VenueCheck:
    """What :func:`check_venue` found; ``advice`` is what to put in ``candor.yaml``."""

    url: str
    robots_found: bool = False
    allowed: bool = True
    crawl_delay: float | None = None
    status: int | None = None
    platform: str | None = None
    engine: str | None = None
    profile: str | None = None
    advice: list[str] = field(default_factory=list)


class CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a target :func:`~crawlers.safety.check_target` accepts.

    allow_private (bool): the forum is on a private or loopback address on purpose.
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        check_target(newurl, self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _get(url: str, user_agent: str, allow_private: bool) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    opener = urllib.request.build_opener(CheckedRedirects(allow_private))
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            body = response.read(MAX_BYTES)
            charset = response.headers.get_content_charset() or "utf-8"
            return response.status, body.decode(charset, errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(MAX_BYTES).decode("utf-8", errors="replace")


def check_venue(url: str, user_agent: str, allow_private: bool = False) -> VenueCheck:
    """Fetch robots.txt and ``url``, detect the platform, and say how to configure it.

    url (str): a page of the forum, usually its home page.
    user_agent (str): sent with each request and used for the robots.txt verdict.
    allow_private (bool): the forum is on a private or loopback address on purpose.
    RETURNS (VenueCheck): findings and advice; raises ``ConfigError`` for unsafe URLs
        and ``OSError`` when the forum does not answer.
    """
    check_target(url, allow_private)
    parts = urlsplit(url)
    root = f"{parts.scheme}://{parts.netloc}"
    result = VenueCheck(url=url)

    status, robots = _get(f"{root}/robots.txt", user_agent, allow_private)
    if status == 200:
        parser = RobotFileParser()
        parser.parse(robots.splitlines())
        result.robots_found = True
        result.allowed = parser.can_fetch(user_agent, url)
        delay = parser.crawl_delay(user_agent)
        result.crawl_delay = float(delay) if delay is not None else None
    if not result.allowed:
        result.advice.append("robots.txt forbids this page to Candor: do not crawl it")
        return result

    result.status, page = _get(url, user_agent, allow_private)
    generator = re.search(r'<meta[^>]+name="generator"[^>]+content="([^"]+)"', page, re.I)
    if (generator and "discourse" in generator.group(1).lower()) or _is_discourse(
        root, user_agent, allow_private
    ):
        result.platform = "discourse"
        result.advice.append(f"platform: discourse\nurl: {root}")
        return _delay_advice(result)
    for engine, markers in ENGINE_MARKERS.items():
        if any(re.search(marker, page) for marker in markers):
            result.engine = engine
            break
    result.platform = "html"
    if result.engine in profile_names():
        result.profile = result.engine
        result.advice.append(f"platform: html\nurl: {root}\nprofile: {result.engine}")
    elif result.engine:
        result.advice.append(
            f"{result.engine} detected, but no profile ships for it: set platform: html and "
            "selectors: (thread_link, title, post, post_id, post_body, author, date…); see the "
            "README section 'Writing a selector profile'"
        )
    else:
        result.advice.append(
            "unknown engine: set platform: html and write selectors for it (README, "
            f"'Writing a selector profile'); shipped profiles: {', '.join(profile_names())}"
        )
    return _delay_advice(result)


def _is_discourse(root: str, user_agent: str, allow_private: bool) -> bool:
    """Discourse answers ``/site.json`` with its categories, even to anonymous visitors."""
    try:
        status, body = _get(urljoin(root + "/", "site.json"), user_agent, allow_private)
        return status == 200 and isinstance(json.loads(body).get("categories"), list)
    except (OSError, ValueError, AttributeError):
        return False


def _delay_advice(result: VenueCheck) -> VenueCheck:
    if result.crawl_delay:
        result.advice.append(f"robots.txt asks for {result.crawl_delay:g} s between requests")
    return result
