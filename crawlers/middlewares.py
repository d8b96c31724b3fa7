"""Downloader middlewares: where a Candor crawl may go, and how politely it goes there.

:class:`SafetyMiddleware` (order 40, before everything else, so robots.txt requests and the
targets of redirects pass through it too) refuses any request that is not http(s), whose host
is neither the venue's nor one of ``CANDOR_ALLOWED_HOSTS``, or whose host *resolves* to a
private, loopback or link-local address while the venue does not allow that. It also strips
the venue's API credentials from a request to any other host.

:class:`PolitenessMiddleware` (order 100, in place of Scrapy's ``RobotsTxtMiddleware``, which
it extends) obeys robots.txt as Scrapy does, and adds what Scrapy leaves out: robots.txt's
``Crawl-delay`` and the ``Retry-After`` of a 429 or 503 answer. Both act on a per-host gate
every request passes before it is sent: Crawl-delay spaces requests; Retry-After closes the
gate for the whole host (not only the refused request) for at least that long, with an
exponential backoff when the host keeps refusing. Scrapy's own retries ignore Retry-After and
AutoThrottle does not slow down on 429s, hence this middleware; ``RETRY_HTTP_CODES`` leaves
429 and 503 to it.

Settings: ``CANDOR_VENUE`` (the venue's configuration as a dict), ``CANDOR_ALLOWED_HOSTS``
(extra hosts a redirect may lead to), ``CANDOR_API_HEADERS`` (header names never sent off the
venue), ``CANDOR_BACKOFF_BASE`` and ``CANDOR_BACKOFF_MAX`` (seconds), ``RETRY_TIMES``.
Stats: ``candor/blocked/<reason>`` (``scheme``, ``offsite``, ``private_address``,
``unresolvable``), ``candor/rate_limited``, ``candor/backoff_seconds``,
``candor/crawl_delay``.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Iterable
from email.utils import parsedate_to_datetime
from typing import Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.statscollectors import StatsCollector
from scrapy.utils.asyncio import run_in_thread, sleep

__all__ = [
    "PolitenessMiddleware",
    "SafetyMiddleware",
    "is_public_address",
    "parse_retry_after",
    "resolve_addresses",
]

logger = logging.getLogger(__name__)

RATE_LIMIT_CODES = frozenset({429, 503})


def resolve_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (blocking; the middleware calls it in a thread)."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return sorted({str(sockaddr[0]) for *_, sockaddr in infos})


def is_public_address(address: str) -> bool:
    """True for a globally routable address; False for loopback, private, link-local…

    >>> is_public_address("169.254.169.254"), is_public_address("93.184.216.34")
    (False, True)
    """
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global


class SafetyMiddleware:
    """Refuses requests a forum's content or a redirect could use against us; see the module.

    venue_host (str): the venue's host name; requests to it are allowed.
    allowed_hosts (Iterable[str]): other hosts requests may go to (e.g. a CDN for uploads).
    allow_private (bool): allow hosts that resolve to non-public addresses (a local forum).
    secret_headers (Iterable[str]): headers removed from requests to any host but the venue's.
    stats (StatsCollector | None): where ``candor/blocked/<reason>`` is counted.
    resolve (Callable): ``(host, port) -> [address, …]``; tests may pass their own.
    """

    def __init__(
        self,
        venue_host: str,
        allowed_hosts: Iterable[str] = (),
        allow_private: bool = False,
        secret_headers: Iterable[str] = (),
        stats: StatsCollector | None = None,
        resolve: Callable[[str, int], list[str]] = resolve_addresses,
    ) -> None:
        self.venue_host = venue_host.lower()
        self.hosts = {self.venue_host} | {h.lower() for h in allowed_hosts}
        self.allow_private = allow_private
        self.secret_headers = tuple(secret_headers)
        self.stats = stats
        self.resolve = resolve
        self._verdicts: dict[tuple[str, int], str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        venue = crawler.settings.getdict("CANDOR_VENUE")
        if not venue:
            raise NotConfigured("SafetyMiddleware needs CANDOR_VENUE")
        return cls(
            venue_host=urlsplit(venue["url"]).hostname or "",
            allowed_hosts=crawler.settings.getlist("CANDOR_ALLOWED_HOSTS"),
            allow_private=bool(venue.get("allow_private_address")),
            secret_headers=crawler.settings.getlist("CANDOR_API_HEADERS"),
            stats=crawler.stats,
        )

    async def process_request(self, request: Request) -> None:
        """Raise ``IgnoreRequest`` (after counting and logging why) for an unsafe request."""
        parts = urlsplit(request.url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in {"http", "https"} or not host:
            self._block(request, "scheme", f"scheme {parts.scheme!r} is not http(s)")
        if host not in self.hosts:
            self._block(request, "offsite", f"host {host} is not the venue's")
        if host != self.venue_host:
            for name in self.secret_headers:
                request.headers.pop(name, None)
        if self.allow_private:
            return
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (host, port)
        if key not in self._verdicts:
            self._verdicts[key] = await run_in_thread(self._verdict, host, port)
        verdict = self._verdicts[key]
        if verdict is not None:
            reason, detail = verdict.split(":", 1)
            self._block(request, reason, detail)

    def _verdict(self, host: str, port: int) -> str | None:
        """``None`` if every address of ``host`` is public, else ``"reason:detail"``."""
        try:
            addresses = self.resolve(host, port)
        except OSError as exc:
            return f"unresolvable:cannot resolve {host}: {exc}"
        private = [a for a in addresses if not is_public_address(a)]
        if private or not addresses:
            return f"private_address:{host} resolves to the non-public address {private[:1]}"
        return None

    def _block(self, request: Request, reason: str, detail: str) -> None:
        logger.warning("Blocked %s: %s (%s)", request.url, detail, reason)
        if self.stats is not None:
            self.stats.inc_value(f"candor/blocked/{reason}")
        raise IgnoreRequest(f"blocked: {detail}")


def parse_retry_after(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date.

    >>> parse_retry_after("120"), parse_retry_after(b"1.5"), parse_retry_after("soon")
    (120.0, 1.5, None)
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _HostGate:
    """When the next request to one host may start."""

    def __init__(self) -> None:
        self.next_at = 0.0  # time.monotonic() before which no request starts
        self.crawl_delay = 0.0  # robots.txt Crawl-delay
        self.penalty = 0.0  # grows with each refusal, shrinks with each success


class PolitenessMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt handling plus Crawl-delay and Retry-After; see the module docstring.

    Configured from the crawler: ``ROBOTSTXT_OBEY`` (as Scrapy's), ``RETRY_TIMES``,
    ``CANDOR_BACKOFF_BASE`` (first backoff when a host refuses without Retry-After, doubled
    per consecutive refusal) and ``CANDOR_BACKOFF_MAX`` (the longest single wait).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.obey_robots = crawler.settings.getbool("ROBOTSTXT_OBEY")
        if self.obey_robots:
            super().__init__(crawler)
        self.crawler = crawler
        self.backoff_base = crawler.settings.getfloat("CANDOR_BACKOFF_BASE", 1.0)
        self.backoff_max = crawler.settings.getfloat("CANDOR_BACKOFF_MAX", 120.0)
        self.max_retry_times = crawler.settings.getint("RETRY_TIMES")
        self._gates: dict[str, _HostGate] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        """Check robots.txt (learning its Crawl-delay), then wait for the host's gate."""
        if self.obey_robots:
            await super().process_request(request)
        gate = self._gate(request)
        # Re-check after every sleep: a refusal may have closed the gate meanwhile, and
        # waiters woken together must still leave one Crawl-delay apart.
        while (wait := gate.next_at - time.monotonic()) > 0:
            await sleep(wait)
        gate.next_at = time.monotonic() + max(gate.crawl_delay, gate.penalty)

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        """Scrapy's robots check, after noting the Crawl-delay for our user agent."""
        if rp is not None:
            agent = self._robotstxt_useragent or request.headers.get(
                b"User-Agent", self._default_useragent
            )
            delay = rp.crawl_delay(agent or b"*")
            gate = self._gate(request)
            if delay and delay > gate.crawl_delay:
                gate.crawl_delay = min(float(delay), self.backoff_max)
                assert self.crawler.stats is not None
                self.crawler.stats.set_value("candor/crawl_delay", gate.crawl_delay)
        super().process_request_2(rp, request)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        """Close the host's gate on a 429/503 and retry the request once it opens."""
        gate = self._gate(request)
        if response.status not in RATE_LIMIT_CODES or request.meta.get("dont_retry"):
            gate.penalty = gate.penalty * 0.5 if gate.penalty > 0.05 else 0.0
            return response
        asked = parse_retry_after(response.headers.get(b"Retry-After"))
        tries = int(request.meta.get("retry_times", 0))
        # At least what the host asked for; more each time the same request is refused again.
        wait = min(max(asked or 0.0, self.backoff_base * 2**tries), self.backoff_max)
        gate.penalty = min(max(gate.penalty * 2, self.backoff_base), self.backoff_max)
        gate.next_at = max(gate.next_at, time.monotonic() + wait)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("candor/rate_limited")
        stats.inc_value("candor/backoff_seconds", round(wait, 3))
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,  # type: ignore[arg-type]
            reason=f"{response.status} (Retry-After {asked if asked is not None else 'absent'})",
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
        )
        return retry or response

    def _gate(self, request: Request) -> _HostGate:
        key = urlsplit(request.url).netloc
        gate = self._gates.get(key)
        if gate is None:
            gate = self._gates[key] = _HostGate()
        return gate
