"""A JSON-RPC proxy on 127.0.0.1 that sits between a command and its node and breaks on cue.

Every request is forwarded to the node unchanged, except ``eth_sendRawTransaction`` while a fault
is armed (until ``release()``; web3 retries a failed broadcast, and every retry meets the same
fault, as it would while a link is down):

- ``lose_reply``: forwarded (the node takes the transaction), then the connection is closed
  without an answer: the client sees a reset connection;
- ``hold``: forwarded, then the answer is held until ``release()`` (or ``hold_seconds``): the
  client times out, or is killed while it waits;
- ``lose_request``: never forwarded, connection closed: the node never sees the transaction.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Fault = Literal["lose_reply", "hold", "lose_request"]


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.fault: Fault | None = None
        self.hold_seconds = 120.0
        self.forwarded = threading.Event()  # set once a transaction reached the node
        self.raw_sends = 0
        self._released = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def arm(self, fault: Fault, *, hold_seconds: float = 120.0) -> None:
        """Break every ``eth_sendRawTransaction`` with ``fault`` until ``release()``."""
        with self._lock:
            self.fault = fault
            self.hold_seconds = hold_seconds
            self.forwarded.clear()
            self._released.clear()

    def release(self) -> None:
        with self._lock:
            self.fault = None
        self._released.set()

    def _take_fault(self, body: Any) -> Fault | None:
        if not (isinstance(body, dict) and body.get("method") == "eth_sendRawTransaction"):
            return None
        with self._lock:
            self.raw_sends += 1
            return self.fault

    def _forward(self, data: bytes) -> bytes:
        request = urllib.request.Request(
            self.upstream, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=300) as response:
            reply: bytes = response.read()
            return reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    body = json.loads(data)
                except ValueError:
                    body = None
                is_send = isinstance(body, dict) and body.get("method") == "eth_sendRawTransaction"
                fault = proxy._take_fault(body)
                if fault == "lose_request":
                    self.close_connection = True
                    return
                reply = proxy._forward(data)
                if is_send:
                    proxy.forwarded.set()
                if fault == "lose_reply":
                    self.close_connection = True
                    return
                if fault == "hold":
                    proxy._released.wait(proxy.hold_seconds)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:  # the client gave up or was killed meanwhile
                    self.close_connection = True

        return Handler
