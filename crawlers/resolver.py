"""The DNS resolver of Candor's crawls: the address a crawl connects to is an address it checked.

:class:`~crawlers.middlewares.SafetyMiddleware` refuses a request whose host resolves to a
private, loopback or link-local address, but Scrapy resolves the host again when it connects:
a host with a short TTL can answer a public address to the first lookup and ``127.0.0.1`` to
the second (DNS rebinding). :class:`PublicAddressResolver`, installed through
``TWISTED_DNS_RESOLVER``, checks the very address Twisted is about to connect to and refuses a
non-public one unless the venue allows private addresses; Scrapy's DNS cache then pins the
checked address for the rest of the crawl. Literal IP addresses never reach a resolver; the
middleware alone checks them, and they cannot be rebound.

A refused lookup fails the request like an unknown host (Twisted reports ``DNSLookupError``):
it is logged with the host and the address, and counted as a failed download.

Settings: ``CANDOR_VENUE`` (its ``allow_private_address``), and Scrapy's ``DNSCACHE_ENABLED``,
``DNSCACHE_SIZE`` and ``DNS_TIMEOUT``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Self

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawlers.middlewares import is_public_address

__all__ = ["PrivateAddressError", "PublicAddressResolver"]

logger = logging.getLogger(__name__)


class PrivateAddressError(DNSLookupError):
    """A host resolved to an address the venue may not reach."""


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-public addresses; see the module docstring.

    allow_private (bool): the venue is a local forum; any address is accepted.
    """

    def __init__(
        self, reactor: ReactorBase, cache_size: int, timeout: float, allow_private: bool = False
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> Self:
        # Scrapy builds resolvers from its CrawlerProcess, which has the settings only.
        resolver = super().from_crawler(crawler, reactor)
        venue = crawler.settings.getdict("CANDOR_VENUE")
        resolver.allow_private = bool(venue.get("allow_private_address"))
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        found = super().getHostByName(name, timeout)
        if self.allow_private:
            return found
        return found.addCallback(self._public, name)

    def _public(self, address: str, name: str) -> str:
        if is_public_address(address):
            return address
        logger.warning(
            "Refused to connect to %s: it resolves to the non-public address %s (private_address)",
            name,
            address,
        )
        raise PrivateAddressError(f"{name} resolves to the non-public address {address}")
