"""Many ``eth_call`` reads in few round trips: JSON-RPC batches through the provider.

``w3.provider.make_batch_request`` skips web3's per-call formatting, which matters at scale
(10,000 ``balanceOf`` calls take about 0.3 s on a local node this way, several seconds through
``w3.batch_requests()``). Providers without batch support fall back to one call at a time.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from web3 import Web3

from sectoken.errors import SectokenError

__all__ = [
    "DEFAULT_CHUNK",
    "NodeNotRunning",
    "batch_requests",
    "block_param",
    "rpc_call",
]

DEFAULT_CHUNK = 1_000


def block_param(block: int | str) -> str:
    return hex(block) if isinstance(block, int) else block


def batch_requests(w3: Web3, requests: list[tuple[str, list[Any]]]) -> list[Any]:
    """The raw responses of ``requests`` sent as one JSON-RPC batch, in request order.

    Falls back to one request at a time when the provider cannot batch (or answers a batch with
    a single error, as some nodes do when batches are disabled).
    """
    if not requests:
        return []
    provider: Any = w3.provider
    try:
        responses = provider.make_batch_request(requests)
    except (NotImplementedError, AttributeError):
        responses = None
    if isinstance(responses, list) and len(responses) == len(requests):
        return sorted(responses, key=_response_id) if _has_ids(responses) else responses
    return [provider.make_request(method, params) for method, params in requests]


def _has_ids(responses: list[Any]) -> bool:
    return all(isinstance(r, dict) and isinstance(r.get("id"), int) for r in responses)


def _response_id(response: Any) -> int:
    return int(response["id"])


class NodeNotRunning(SectokenError):
    """Nothing answers JSON-RPC at the node's URL."""

    def __init__(self, url: str) -> None:
        super().__init__(f"no node at {url}", hint="start it with `make node`")


def rpc_call(url: str, method: str, params: list[Any] | None = None, *, timeout: float = 5) -> Any:
    """One JSON-RPC call with the standard library; raises ``NodeNotRunning`` if unreachable."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
        raise NodeNotRunning(url) from exc
    if "error" in reply:
        raise SectokenError(f"{method} failed at {url}: {reply['error'].get('message')}")
    return reply.get("result")
