"""Who may reach the console: the listen address, the access token, CSRF on every POST.

- The console listens on a loopback address unless an access token is configured; with a token
  it may listen anywhere, and then every request must carry the token: in an
  ``Authorization: Bearer`` or ``X-Sectoken-Token`` header, or in the cookie the login page sets
  (which holds an HMAC of the token, never the token itself). Without it the answer is 401.
- Every POST carries the CSRF token of the browser's session (a signed cookie); without the
  right one the answer is 400 and nothing is done.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets

from sectoken.errors import SectokenError

__all__ = [
    "ACCESS_COOKIE",
    "ACCESS_HEADER",
    "CSRF_FIELD",
    "ListenRefused",
    "check_listen_address",
    "cookie_value",
    "is_loopback",
    "new_csrf_token",
    "token_matches",
]

ACCESS_COOKIE = "sectoken_access"
ACCESS_HEADER = "X-Sectoken-Token"
CSRF_FIELD = "csrf_token"
#: Shortest access token accepted: guessable tokens protect nothing.
MIN_TOKEN_LENGTH = 16


class ListenRefused(SectokenError):
    """The console was asked to listen beyond this machine without an access token."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_listen_address(host: str, token: str | None) -> None:
    """Refuse a non-loopback ``host`` without an access token, and a too short token."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ListenRefused(
            f"the access token has {len(token)} characters; at least {MIN_TOKEN_LENGTH} needed",
            hint="use a long random token, e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(24))'",
        )
    if not is_loopback(host) and token is None:
        raise ListenRefused(
            f"refusing to listen on {host}: without an access token the console is reachable "
            "only from this machine",
            hint="set SECTOKEN_CONSOLE_TOKEN (or --token-file) to a long random token, or "
            "listen on 127.0.0.1",
        )


def cookie_value(token: str) -> str:
    """What the login cookie holds: an HMAC of the token, so the cookie never reveals it."""
    return hmac.new(token.encode(), b"sectoken-console-login", hashlib.sha256).hexdigest()


def token_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)
