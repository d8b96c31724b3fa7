"""Safety and politeness middlewares, one behaviour per test (settings → crawler → middleware)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawlers.middlewares import (
    PolitenessMiddleware,
    SafetyMiddleware,
    is_public_address,
    parse_retry_after,
)
from crawlers.settings import scrapy_settings

VENUE = "https://forum.example.org"


def safety(resolve: dict[str, list[str]] | None = None, **kwargs: Any) -> SafetyMiddleware:
    table = resolve or {"forum.example.org": ["93.184.216.34"], "cdn.example.net": ["1.1.1.1"]}
    return SafetyMiddleware(
        "forum.example.org",
        secret_headers=["Api-Key"],
        resolve=lambda host, port: table[host],
        **kwargs,
    )


def run(middleware: SafetyMiddleware, url: str, **headers: str) -> Request:
    request = Request(url, headers=headers or None)
    asyncio.run(middleware.process_request(request))
    return request


def test_safety_allows_the_venue_over_http_and_https() -> None:
    run(safety(), VENUE + "/latest.json")
    run(safety(), "http://forum.example.org/t/1.json")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://forum.example.org/file", "scheme"),
        ("https://evil.example.com/", "offsite"),
        ("https://cdn.example.net/a.png", "offsite"),
    ],
)
def test_safety_blocks_other_schemes_and_hosts(url: str, reason: str) -> None:
    crawler = get_crawler()
    middleware = safety(stats=crawler.stats)
    with pytest.raises(IgnoreRequest):
        run(middleware, url)
    assert crawler.stats.get_value(f"candor/blocked/{reason}") == 1


def test_safety_allows_configured_hosts_without_the_api_key() -> None:
    request = run(
        safety(allowed_hosts=["cdn.example.net"]), "https://cdn.example.net/a", **{"Api-Key": "k"}
    )
    assert b"Api-Key" not in request.headers
    assert run(safety(), VENUE + "/t/1.json", **{"Api-Key": "k"}).headers[b"Api-Key"] == b"k"


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "::ffff:192.168.0.1"]
)
def test_safety_blocks_hosts_resolving_to_non_public_addresses(address: str) -> None:
    middleware = safety({"forum.example.org": ["93.184.216.34", address]})
    with pytest.raises(IgnoreRequest, match="non-public address"):
        run(middleware, VENUE + "/")


def test_safety_allows_a_private_forum_when_the_venue_says_so() -> None:
    run(safety({"forum.example.org": ["127.0.0.1"]}, allow_private=True), VENUE + "/")


def test_safety_is_on_for_every_candor_crawl() -> None:
    settings = scrapy_settings("CandorTest/1", 2, True)
    crawler = get_crawler(settings_dict={**settings, "CANDOR_VENUE": {"url": VENUE}})
    middleware = SafetyMiddleware.from_crawler(crawler)
    assert middleware.hosts == {"forum.example.org"} and not middleware.allow_private
    assert settings["RETRY_HTTP_CODES"] == [500, 502, 504, 522, 524, 408]


def test_is_public_address() -> None:
    assert is_public_address("93.184.216.34") and not is_public_address("192.168.1.1")


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (b"2", 2.0),
        ("-3", 0.0),
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("x", None),
    ],
)
def test_parse_retry_after(value: str | bytes, seconds: float | None) -> None:
    now = 1445412480.0  # 2015-10-21 07:28:00 UTC
    assert parse_retry_after(value, now=now) == seconds


def test_retry_after_response_is_retried_after_the_wait() -> None:
    crawler = get_crawler(settings_dict={"ROBOTSTXT_OBEY": False, "RETRY_TIMES": 2})
    crawler.spider = crawler._create_spider("test")
    middleware = PolitenessMiddleware.from_crawler(crawler)
    request = Request(VENUE + "/latest.json")
    refused = Response(request.url, status=429, headers={"Retry-After": "30"}, request=request)
    retry = middleware.process_response(request, refused)
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert crawler.stats.get_value("candor/backoff_seconds") == 30
    gate = middleware._gate(retry)
    assert gate.next_at - time.monotonic() > 29
