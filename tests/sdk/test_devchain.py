"""sectoken.jobs.devchain: moving a development node's clock, and refusing anywhere else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from web3 import HTTPProvider, Web3

from sectoken.dev.devnode import running_node
from sectoken.errors import SectokenError
from sectoken.jobs.devchain import NotADevNode, advance, clock, parse_duration, travel_to
from sectoken.model.dates import parse_timestamp


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30d", 30 * 86_400), ("1d12h", 36 * 3_600), ("90m", 5_400), ("2w", 14 * 86_400), ("45", 45)],
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "3x", "d", "10d5", "-1d", "0d", "1.5d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(SectokenError):
        parse_duration(text)


def test_moves_a_local_anvil_forward(tmp_path: Path) -> None:
    with running_node(tmp_path) as node:
        w3 = Web3(HTTPProvider(node.url))
        start = clock(w3)
        assert start.chain_id == 31337 and "anvil" in start.client
        after = advance(w3, 30 * 86_400)
        assert after.timestamp == start.timestamp + 30 * 86_400
        assert after.block == start.block + 1
        target = parse_timestamp("2031-01-01")
        assert travel_to(w3, target).date == "2031-01-01"
        with pytest.raises(SectokenError, match="only moves forward"):
            travel_to(w3, parse_timestamp("2030-06-01"))


class _FakeNode:
    """Just enough of web3 for the refusal checks: a chain id and a client name."""

    def __init__(self, chain_id: int, client: str) -> None:
        self.calls: list[str] = []
        self.eth = self
        self.provider = self
        self.chain_id = chain_id
        self._client = client

    def make_request(self, method: str, params: Any) -> dict[str, Any]:
        self.calls.append(method)
        return {"result": self._client if method == "web3_clientVersion" else None}

    def get_block(self, _which: Any) -> dict[str, int]:
        return {"number": 7, "timestamp": 1_800_000_000}


@pytest.mark.parametrize(
    ("chain_id", "client", "reason"),
    [
        (1, "anvil/v1.7.1", "chain 1 is not a local development chain"),
        (11155111, "Geth/v1.14", "chain 11155111 is not a local development chain"),
        (31337, "Geth/v1.14.0-stable", "reports 'Geth/v1.14.0-stable', not Anvil"),
        (1337, "HardhatNetwork/2.22", "not Anvil"),
    ],
)
def test_refused_on_anything_else(chain_id: int, client: str, reason: str) -> None:
    fake: Any = _FakeNode(chain_id, client)
    with pytest.raises(NotADevNode, match=reason):
        advance(fake, 86_400)
    with pytest.raises(NotADevNode, match="refused"):
        travel_to(fake, 1_900_000_000)
    assert not {"evm_setNextBlockTimestamp", "evm_mine"} & set(fake.calls)


def test_chain_relative_dates(tmp_path: Path) -> None:
    from sectoken.jobs.devchain import chain_date

    with running_node(tmp_path) as node:
        w3 = Web3(HTTPProvider(node.url))
        travel_to(w3, parse_timestamp("2031-01-01"))
        assert chain_date("+7d", w3) == parse_timestamp("2031-01-08")
        assert chain_date("2032-02-29", w3) == parse_timestamp("2032-02-29")
        with pytest.raises(SectokenError, match="not a duration"):
            chain_date("+soon", w3)
