"""Paged log queries (halving on refusal) and batched eth_call, against fake providers."""

from __future__ import annotations

from typing import Any

import pytest

from sectoken.abi import topic
from sectoken.chain.logs import LogQueryError, iter_logs

TOPIC = topic("SecurityToken", "Transfer")


class FakeProvider:
    """Refuses log queries wider than ``limit`` blocks; one log per block."""

    def __init__(self, limit: int, batch: bool = True) -> None:
        self.limit = limit
        self.batch = batch
        self.queries: list[tuple[int, int]] = []

    def make_request(self, method: str, params: list[Any]) -> Any:
        if method == "eth_getLogs":
            start, end = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
            self.queries.append((start, end))
            if end - start + 1 > self.limit:
                return {"error": {"code": -32005, "message": "query returned too many results"}}
            return {"result": [_log(b) for b in range(start, end + 1)]}
        if method == "eth_call":
            return {"result": "0x" + params[0]["data"][2:].rjust(64, "0")[-64:]}
        raise AssertionError(method)

    def make_batch_request(self, requests: list[tuple[str, list[Any]]]) -> Any:
        if not self.batch:
            raise NotImplementedError
        return [
            {"id": i, **self.make_request(m, p)}
            for i, (m, p) in reversed(list(enumerate(requests)))
        ]


def _log(block: int) -> dict[str, Any]:
    return {
        "address": "0x" + "11" * 20,
        "topics": [TOPIC, "0x" + "00" * 32],
        "data": "0x" + block.to_bytes(32, "big").hex(),
        "blockNumber": hex(block),
        "logIndex": "0x0",
    }


class FakeWeb3:
    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider


def test_pages_halve_until_accepted_and_grow_back() -> None:
    provider = FakeProvider(limit=30)
    pages: list[int] = []
    logs = list(
        iter_logs(
            FakeWeb3(provider),
            address="0x" + "11" * 20,
            topics=[TOPIC],
            from_block=0,
            to_block=299,
            page_size=100,
            on_page=lambda done, _end: pages.append(done),
        )
    )
    assert [log.block_number for log in logs] == list(range(300))
    assert int.from_bytes(logs[7].data, "big") == 7
    assert pages[-1] == 299
    sizes = [end - start + 1 for start, end in provider.queries]
    assert sizes[:3] == [100, 50, 25]
    assert max(sizes[3:]) <= 50


def test_a_node_refusing_one_block_is_an_error() -> None:
    with pytest.raises(LogQueryError, match="block 0"):
        list(
            iter_logs(
                FakeWeb3(FakeProvider(limit=0)),
                address="0x" + "11" * 20,
                topics=[TOPIC],
                from_block=0,
                to_block=5,
                page_size=4,
            )
        )
    with pytest.raises(ValueError):
        list(
            iter_logs(
                FakeWeb3(FakeProvider(limit=5)),
                address="0x",
                topics=[],
                from_block=0,
                to_block=1,
                page_size=0,
            )
        )
