"""Where a crawl may go: http(s) only, and no private or loopback address unless configured.

Forum content is untrusted and so is a configured URL: a crawler that follows it to
``127.0.0.1`` or ``169.254.169.254`` can be turned against the machine it runs on (SSRF).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from corpus.errors import ConfigError


def check_target(url: str, allow_private: bool) -> None:
    """Raise :class:`ConfigError` if ``url`` is not a crawlable public http(s) address."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"{url}: only http and https forums can be crawled")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ConfigError(f"{url}: cannot resolve {parts.hostname}: {exc.strerror}") from exc
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if not address.is_global:
            raise ConfigError(
                f"{url}: {parts.hostname} resolves to the non-public address {address}; set "
                "allow_private_address: true on the venue if this forum really is local"
            )
