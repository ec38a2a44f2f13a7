"""Batches: split, send in order, stop at the first failure with what landed."""

from __future__ import annotations

import pytest
from eth_utils import keccak, to_checksum_address

from sectoken.batching import Batch, BatchFailed, make_batches, registry_sender, send_batches
from sectoken.plan import compute_plan
from sectoken.records import InvestorRecord
from sectoken.registry import TxResult


def wallet(i: int) -> str:
    return to_checksum_address(keccak(text=f"batch-{i}")[-20:])


REC = InvestorRecord(kyc_expiry=10, country=840)


def plan(adds: int, removes: int) -> object:
    desired = {wallet(i): REC for i in range(adds)}
    current = {wallet(1000 + i): REC.pack() for i in range(removes)}
    return compute_plan(desired, current, prune=True)


def test_make_batches() -> None:
    batches = make_batches(plan(250, 30), 100)  # type: ignore[arg-type]
    assert [(b.kind, len(b.changes)) for b in batches] == [
        ("set", 100),
        ("set", 100),
        ("set", 50),
        ("remove", 30),
    ]
    assert [b.index for b in batches] == [1, 2, 3, 4] and {b.total for b in batches} == {4}
    assert batches[0].describe() == "batch 1/4 (set 100 investors)"
    assert batches[0].records == [REC.pack()] * 100
    assert make_batches(plan(0, 0), 10) == []  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        make_batches(plan(1, 0), 0)  # type: ignore[arg-type]


class FakeWriter:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def set_investors(self, wallets: list[str], records: list[int]) -> TxResult:
        self.calls.append(("set", len(wallets)))
        return TxResult(tx_hash=f"0x{len(self.calls):064x}", gas_used=1000 * len(wallets), block=1)

    def remove_investors(self, wallets: list[str]) -> TxResult:
        self.calls.append(("remove", len(wallets)))
        return TxResult(tx_hash="0x0", gas_used=10, block=1)


def test_send_all() -> None:
    writer = FakeWriter()
    batches = make_batches(plan(25, 3), 10)  # type: ignore[arg-type]
    report = send_batches(batches, registry_sender(writer), progress=False)
    assert writer.calls == [("set", 10), ("set", 10), ("set", 5), ("remove", 3)]
    assert report.transactions == 4 and report.investors == 28
    assert report.gas_used == 25_000 + 10


def test_send_stops_at_the_first_failure() -> None:
    writer = FakeWriter()
    send = registry_sender(writer)

    def flaky(batch: Batch) -> TxResult:
        if batch.index == 3:
            raise ConnectionError("lost")
        return send(batch)

    batches = make_batches(plan(50, 0), 10)  # type: ignore[arg-type]
    with pytest.raises(BatchFailed) as caught:
        send_batches(batches, flaky, progress=False, describe_error=lambda e: f"decoded {e}")
    failure = caught.value
    assert failure.sent == 2 and failure.batch.index == 3
    assert failure.report.transactions == 2
    assert "batch 3/5" in str(failure) and "decoded lost" in str(failure)
    assert "run the same command again" in str(failure)
    assert len(writer.calls) == 2


def test_nothing_to_send() -> None:
    report = send_batches([], lambda b: TxResult("0x", 0, 0), progress=False)
    assert report.transactions == 0 and report.gas_used == 0
