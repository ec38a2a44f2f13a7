"""Serving the console: checks the listen address, then a plain WSGI server until stopped.

``ConsoleServer`` runs in a thread (tests, embedding) or in the foreground (`ape run console`);
``stop()`` shuts it down. One request at a time: the console is a tool for a few officers, and
its reads go through one chain connection.
"""

from __future__ import annotations

import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from sectoken.console.security import check_listen_address

__all__ = ["ConsoleServer"]


class ConsoleServer:
    """``app`` on ``host:port`` (port 0: a free one, see ``port``), refused off loopback without
    an access token."""

    def __init__(self, app: Flask, host: str, port: int, *, access_token: str | None) -> None:
        check_listen_address(host, access_token)
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=False)
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
