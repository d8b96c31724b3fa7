"""``candor venue check`` tells a Discourse forum by its generator and /site.json, safely."""

from __future__ import annotations

import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from candor.sample_forum import SampleForum, load_topics
from corpus.errors import ConfigError
from crawlers.venue_check import CheckedRedirects, check_venue


def test_venue_check_detects_discourse_and_reads_robots_txt(sample_data: Path) -> None:
    robots = "User-agent: *\nCrawl-delay: 2\nDisallow: /admin\n"
    with SampleForum(load_topics(sample_data, limit=3), robots_txt=robots) as forum:
        found = check_venue(forum.base_url + "/", "CandorTest/1", allow_private=True)
        base = forum.base_url
    assert found.platform == "discourse" and found.robots_found and found.allowed
    assert found.crawl_delay == 2.0
    assert found.advice[0] == f"platform: discourse\nurl: {base}"


def test_venue_check_refuses_private_addresses_unless_allowed(sample_data: Path) -> None:
    with SampleForum(load_topics(sample_data, limit=1)) as forum, pytest.raises(ConfigError):
        check_venue(forum.base_url, "CandorTest/1")


class _RedirectToAdmin(BaseHTTPRequestHandler):
    """Redirects every page to ``/admin`` on the same (loopback) host, which answers 200."""

    def do_GET(self) -> None:
        if self.path == "/admin":
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(302)
        self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/admin")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.mark.parametrize("allow_private", [False, True])
def test_venue_check_follows_redirects_only_to_allowed_addresses(allow_private: bool) -> None:
    # The first hop is not checked here, as if it were a public forum; the redirect is.
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RedirectToAdmin)
    Thread(target=server.serve_forever, daemon=True).start()
    opener = urllib.request.build_opener(CheckedRedirects(allow_private))
    try:
        if allow_private:
            with opener.open(f"http://127.0.0.1:{server.server_port}/", timeout=10) as answer:
                assert answer.url.endswith("/admin")
        else:
            with pytest.raises(ConfigError, match="resolves to the non-public address"):
                opener.open(f"http://127.0.0.1:{server.server_port}/", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
