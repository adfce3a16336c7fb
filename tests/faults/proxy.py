"""A fault-injecting HTTP proxy in front of a sandbox server, for what the sandbox cannot do.

The sandboxes already answer with any status, error body, delay or (the feed
server) a connection reset. This proxy adds the transport faults the Graph
and X sandboxes lack, the same way for every platform: a TCP reset before
any answer, an answer cut off half-way through its body, a delay, or a
complete answer of the proxy's choosing (a malformed body). Everything else is
forwarded unchanged, so the client still talks to the real fake server.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from monitor.sandbox.loopback import LoopbackHTTPServer, LoopbackServer

#: hop-by-hop headers a proxy must not forward
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}


@dataclass(frozen=True, kw_only=True)
class Fault:
    """What the proxy does instead of a plain forward.

    ``reset``: close with a TCP RST before answering. ``delay``: wait, then
    forward. ``truncate``: forward, but send only the first half of the body
    (the ``Content-Length`` still promises all of it) and close. ``status``
    with ``body``: answer that, without asking the upstream.
    """

    reset: bool = False
    delay: float = 0.0
    truncate: bool = False
    status: int | None = None
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"


RESET = Fault(reset=True)
TRUNCATE = Fault(truncate=True)


class FaultProxy(LoopbackServer):
    """Forwards to ``upstream`` (a sandbox's base URL) and injects ``Fault``s on demand."""

    def __init__(self, upstream: str) -> None:
        super().__init__()
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._lock = threading.Lock()
        self._fault: Fault | None = None
        self._times: int | None = None
        #: how many requests were answered with a fault
        self.injected = 0

    def inject(self, fault: Fault, times: int | None = None) -> None:
        """Apply ``fault`` to the next ``times`` requests (None: until ``clear``)."""
        with self._lock:
            self._fault, self._times = fault, times

    def clear(self) -> None:
        """Forward everything unchanged again."""
        with self._lock:
            self._fault, self._times = None, None

    def _take(self) -> Fault | None:
        with self._lock:
            fault = self._fault
            if fault is None:
                return None
            if self._times is not None:
                self._times -= 1
                if self._times <= 0:
                    self._fault, self._times = None, None
            self.injected += 1
            return fault


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LoopbackHTTPServer
    timeout = 5
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def _handle(self) -> None:
        proxy: FaultProxy = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        fault = proxy._take()
        if fault is not None and fault.reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if fault is not None and fault.status is not None:
            self._send(fault.status, {"Content-Type": fault.content_type}, fault.body)
            return
        if fault is not None and fault.delay:
            proxy._wait(fault.delay)
        status, headers, data = self._forward(proxy, body)
        if fault is not None and fault.truncate and len(data) > 1:
            self._send(status, headers, data, cut=len(data) // 2)
            return
        self._send(status, headers, data)

    def _forward(self, proxy: FaultProxy, body: bytes | None) -> tuple[int, dict[str, str], bytes]:
        upstream = http.client.HTTPConnection(*proxy.upstream, timeout=10)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in _HOP}
            return response.status, kept, data
        finally:
            upstream.close()

    def _send(
        self, status: int, headers: dict[str, str], data: bytes, *, cut: int | None = None
    ) -> None:
        self.send_response_only(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        if cut is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data if cut is None else data[:cut])
        if cut is not None:
            self.wfile.flush()
            self.close_connection = True


FaultProxy.handler_class = _Handler
