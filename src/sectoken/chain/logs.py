"""Paged ``eth_getLogs``: works on a local node and on public nodes that cap a query's range.

A query covers at most ``page_size`` blocks. When the node refuses a page (too many results, range
too large, timeout) the page is halved and retried, down to a single block; the next pages keep
the smaller size until the node has accepted several pages in a row, then grow again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from sectoken.errors import InvalidArgument, SectokenError

__all__ = ["DEFAULT_PAGE_SIZE", "Log", "LogQueryError", "iter_logs", "parse_log"]

DEFAULT_PAGE_SIZE = 10_000
_GROW_AFTER = 4


class LogQueryError(SectokenError, RuntimeError):
    """The node refused even a one-block log query (a ``RuntimeError`` too, as it was)."""


@dataclass(frozen=True, slots=True)
class Log:
    """One log, decoded just enough: topics and data as bytes."""

    address: str
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    log_index: int
    transaction_hash: str = ""


def iter_logs(
    w3: Web3,
    *,
    address: str | Sequence[str],
    topics: Sequence[str | Sequence[str] | None],
    from_block: int,
    to_block: int,
    page_size: int = DEFAULT_PAGE_SIZE,
    on_page: Callable[[int, int], None] | None = None,
) -> Iterator[Log]:
    """Yield the logs matching ``address`` and ``topics`` in ``[from_block, to_block]``, in order.

    The query goes to the node as raw JSON-RPC (web3's per-log formatting costs seconds at
    10,000 logs). ``on_page(done_up_to_block, to_block)`` is called after each page.
    """
    if page_size < 1:
        raise InvalidArgument("page size must be at least 1 block")
    size = page_size
    accepted = 0
    start = from_block
    while start <= to_block:
        end = min(start + size - 1, to_block)
        try:
            logs = _get_logs(w3, address, topics, start, end)
        except Exception as exc:
            if size == 1:
                raise LogQueryError(
                    f"the node refused eth_getLogs for block {start}: {exc}",
                    hint="use a node that serves event logs (an archive or your own node)",
                ) from exc
            size = max(1, size // 2)
            accepted = 0
            continue
        yield from logs
        if on_page is not None:
            on_page(end, to_block)
        start = end + 1
        accepted += 1
        if accepted >= _GROW_AFTER and size < page_size:
            size = min(page_size, size * 2)
            accepted = 0


def _get_logs(
    w3: Web3,
    address: str | Sequence[str],
    topics: Sequence[str | Sequence[str] | None],
    start: int,
    end: int,
) -> list[Log]:
    params = {
        "address": address,
        "topics": list(topics),
        "fromBlock": hex(start),
        "toBlock": hex(end),
    }
    response: Any = w3.provider.make_request("eth_getLogs", [params])  # type: ignore[arg-type]
    if response.get("error"):
        raise SectokenError(f"eth_getLogs {hex(start)}..{hex(end)}: {response['error']}")
    return [parse_log(item) for item in response["result"]]


def parse_log(item: Mapping[str, Any]) -> Log:
    """A ``Log`` from one log object of the node's JSON (``eth_getLogs``, a receipt's logs)."""
    return Log(
        address=str(item["address"]),
        topics=tuple(bytes.fromhex(t[2:]) for t in item["topics"]),
        data=bytes.fromhex(str(item["data"])[2:]),
        block_number=int(item["blockNumber"], 16),
        log_index=int(item["logIndex"], 16),
        transaction_hash=str(item.get("transactionHash") or ""),
    )
