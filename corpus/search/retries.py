"""Retries with exponential backoff for Elasticsearch requests whose connection failed.

The official client retries a failed connection at once, and with one node there is nothing to
fail over to, so a server restarting or a network blip of a second would end the stage.
:class:`BackoffTransport` waits ``backoff`` seconds, then twice that, and so on, between up to
``retries`` further attempts of the same request, logging each wait as a warning. When the last
attempt fails too, the connection error goes up and the index reports it as
:class:`~corpus.errors.SourceUnreachable` (exit 1). Every write is idempotent (stable ids,
external versions), so a request repeated after a lost answer changes nothing twice.

Settings: ``search_retries``, ``search_backoff_seconds``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import Transport

logger = logging.getLogger(__name__)


class BackoffTransport(Transport):
    """The client's transport, retrying a failed connection with exponential backoff."""

    retries = 3
    backoff = 0.5

    def configure(self, retries: int, backoff: float) -> None:
        """Set the number of retries and the first wait (seconds) of this client's requests."""
        self.retries, self.backoff = retries, backoff

    def perform_request(self, method: str, target: str, **kwargs: Any) -> Any:
        for attempt in range(self.retries + 1):
            try:
                return super().perform_request(method, target, **kwargs)
            except TransportConnectionError as exc:
                if attempt == self.retries:
                    raise
                pause = self.backoff * 2**attempt
                logger.warning(
                    "Elasticsearch %s %s failed (%s); retry %d of %d in %.1f s",
                    *(method, target, exc.message, attempt + 1, self.retries, pause),
                )
                time.sleep(pause)
        raise AssertionError("unreachable: the last attempt returns or raises")
