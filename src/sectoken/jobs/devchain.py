"""The clock of a local development node: where it stands, and moving it forward.

Record dates, lock-ups, ballots and dividend expiries are dates; on a local node they only pass
when its clock is moved. ``advance`` moves it by a duration (``30d``, ``1d12h``, ``90m``) and
``travel_to`` to a date; both mine one block at the new time (``evm_setNextBlockTimestamp`` then
``evm_mine``), so the next transactions see it.

Refused on anything that is not a local development node: the chain id must be a development
id (31337 or 1337) *and* the node must say it is Anvil (``web3_clientVersion``). A public network
or a fork of one cannot have its clock moved by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from sectoken.errors import SectokenError
from sectoken.model.dates import format_timestamp

__all__ = [
    "DEV_CHAIN_IDS",
    "ChainClock",
    "NotADevNode",
    "advance",
    "chain_date",
    "clock",
    "parse_duration",
    "require_dev_node",
    "travel_to",
]

DEV_CHAIN_IDS = (31337, 1337)
_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_PART = re.compile(r"(\d+)([smhdw])")


class NotADevNode(SectokenError):
    """The connected node is not a local development node: its clock is not ours to move."""


@dataclass(frozen=True, slots=True)
class ChainClock:
    chain_id: int
    client: str
    block: int
    timestamp: int

    @property
    def date(self) -> str:
        return format_timestamp(self.timestamp)


def _request(w3: Web3, method: str, params: list[Any]) -> Any:
    reply: Any = w3.provider.make_request(method, params)  # type: ignore[arg-type]
    if isinstance(reply, dict) and reply.get("error"):
        error = reply["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise SectokenError(f"{method} failed: {message}")
    return reply.get("result") if isinstance(reply, dict) else reply


def clock(w3: Web3) -> ChainClock:
    """Chain id, client, latest block and its time (read-only; works on any network)."""
    try:
        client = str(_request(w3, "web3_clientVersion", []))
    except Exception:
        client = "unknown"
    latest = w3.eth.get_block("latest")
    return ChainClock(
        chain_id=int(w3.eth.chain_id),
        client=client,
        block=int(latest["number"]),
        timestamp=int(latest["timestamp"]),
    )


def require_dev_node(w3: Web3) -> ChainClock:
    """The clock, if this is a local Anvil on a development chain id; else ``NotADevNode``."""
    now = clock(w3)
    if now.chain_id not in DEV_CHAIN_IDS:
        raise NotADevNode(
            f"refused: chain {now.chain_id} is not a local development chain "
            f"({' or '.join(map(str, DEV_CHAIN_IDS))}); only a development node's clock can move",
            hint="on a real network time passes by itself; locally, use the node from `make node`",
        )
    if "anvil" not in now.client.lower():
        raise NotADevNode(
            f"refused: the node reports {now.client!r}, not Anvil; chain {now.chain_id} may be a "
            "development id, but only a local Anvil's clock is moved by this command",
            hint="start the local node with `make node`",
        )
    return now


def parse_duration(text: str) -> int:
    """Seconds in ``30d``, ``1d12h``, ``90m``, ``2w``, ``45s`` (a bare number is seconds)."""
    value = text.strip().lower().replace(" ", "")
    if value.isdigit():
        seconds = int(value)
    else:
        parts = _PART.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value:
            raise SectokenError(
                f"{text!r} is not a duration",
                hint="write it like 30d, 1d12h, 90m, 2w or 45s (s, m, h, d, w)",
            )
        seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise SectokenError(f"{text!r} does not move the clock forward", hint="use a duration > 0")
    return seconds


def travel_to(w3: Web3, when: int) -> ChainClock:
    """Mine one block at ``when`` (unix seconds, later than the latest block)."""
    now = require_dev_node(w3)
    if when <= now.timestamp:
        raise SectokenError(
            f"{format_timestamp(when)} is not after the chain's time {now.date} "
            f"(block {now.block}): a chain's clock only moves forward",
            hint="give a later date, or `ape run chain advance DURATION`",
        )
    _request(w3, "evm_setNextBlockTimestamp", [when])
    _request(w3, "evm_mine", [])
    return clock(w3)


def advance(w3: Web3, seconds: int) -> ChainClock:
    """Mine one block ``seconds`` after the latest block."""
    if seconds <= 0:
        raise SectokenError(f"{seconds} s does not move the clock forward")
    now = require_dev_node(w3)
    return travel_to(w3, now.timestamp + seconds)


def chain_date(text: str | int, w3: Web3) -> int:
    """Unix seconds for a date option: an ISO 8601 date (``2027-01-01``, ``...T17:00:00Z``), unix
    seconds, or ``+DURATION`` (``+7d``, ``+1d12h``) counted from the chain's latest block, which
    on a development node whose clock was moved is not today."""
    from sectoken.model.dates import parse_timestamp

    if isinstance(text, int):
        return text
    value = text.strip()
    if value.startswith("+"):
        now = int(w3.eth.get_block("latest")["timestamp"])
        return now + parse_duration(value[1:])
    return parse_timestamp(value)
