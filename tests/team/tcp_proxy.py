"""A tiny TCP proxy a test puts in front of a real server, to cut it off and bring it back.

``TcpProxy(upstream_port)`` listens on a free local port and pipes every connection to the
upstream. ``cut_after(n)`` drops everything (open connections and the listener: new ones are
refused) once ``n`` more HTTP requests went through; ``start()`` listens again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Self

HTTP_REQUEST_LINE = b" HTTP/1.1\r\n"


class TcpProxy:
    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream = (host, upstream_port)
        self.host = host
        self.port = 0
        self.requests = 0
        self._cut_at: int | None = None
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.cut = threading.Event()
        """Set once the proxy was first stopped (cut off)."""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def cut_after(self, requests: int) -> None:
        """Drop every connection once ``requests`` more requests have been forwarded."""
        with self._lock:
            self._cut_at = self.requests + requests

    def stop(self) -> None:
        """Close the listener and every open connection (the server is 'gone')."""
        with self._lock:
            self._cut_at = None
            sockets = [*self._open, *([self._listener] if self._listener else [])]
            self._open.clear()
            self._listener = None
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.cut.set()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, upstream}
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, requests: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
                if not data:
                    break
                if requests and self._counts(data):
                    self.stop()
                    return
                sink.sendall(data)
            except OSError:
                break
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _counts(self, data: bytes) -> bool:
        """Count the requests in ``data``; True when the cut is due (this one is not sent)."""
        with self._lock:
            self.requests += data.count(HTTP_REQUEST_LINE)
            return self._cut_at is not None and self.requests > self._cut_at

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
