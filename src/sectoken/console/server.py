"""Serving the console: checks the listen address, then a plain WSGI server until stopped.

``ConsoleServer`` runs in a thread (tests, embedding) or in the foreground (`ape run console`);
``stop()`` shuts it down. Connections are accepted in threads (a browser keeps idle connections
open, which would stall a one-connection server), but the application handles one request at a
time: the console is a tool for a few officers, and its reads share one chain connection.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

from sectoken.console.security import check_listen_address

__all__ = ["ConsoleServer"]


class ConsoleServer:
    """``app`` on ``host:port`` (port 0: a free one, see ``port``), refused off loopback without
    an access token."""

    def __init__(self, app: Flask, host: str, port: int, *, access_token: str | None) -> None:
        check_listen_address(host, access_token)
        self._server: BaseWSGIServer = make_server(host, port, _OneAtATime(app), threaded=True)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        host = self._server.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> None:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)


class _OneAtATime:
    """A WSGI application that runs ``app`` for one request at a time (body included)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self.lock:
            result = self.app(environ, start_response)
            try:
                return list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
