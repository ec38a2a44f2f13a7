"""Batches: split, send in order, stop at the first failure with what landed."""

from __future__ import annotations

import pytest
from eth_utils import keccak, to_checksum_address

from sectoken.chain.batching import (
    Batch,
    BatchFailed,
    make_batches,
    registry_sender,
    send_batches,
    wait_for_pending,
)
from sectoken.chain.registry import TxResult
from sectoken.errors import SectokenError
from sectoken.model.plan import compute_plan
from sectoken.model.records import InvestorRecord


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


class _Failed(Exception):
    """Shaped like Ape's TransactionError: the signed transaction rides along as ``txn``."""

    def __init__(self, message: str, txn_hash: str) -> None:
        super().__init__(message)
        self.txn = type("Txn", (), {"txn_hash": txn_hash})()


def test_failure_counts_a_batch_whose_reply_was_lost_but_which_landed() -> None:
    """The node applied batch 3 and the reply was lost: 3 batches landed, not 2."""
    writer = FakeWriter()
    send = registry_sender(writer)

    def reply_lost_on_third(batch: Batch) -> TxResult:
        result = send(batch)
        if batch.index == 3:
            raise TimeoutError("no answer")
        return result

    batches = make_batches(plan(50, 0), 10)  # type: ignore[arg-type]
    with pytest.raises(BatchFailed) as caught:
        send_batches(
            batches,
            reply_lost_on_third,
            progress=False,
            landed=lambda batch: batch.index <= len(writer.calls),
        )
    failure = caught.value
    assert failure.sent == 3 and failure.landed_itself
    assert "3 of 5 batches landed" in str(failure)
    assert "is on chain nonetheless" in str(failure)


def test_failure_without_landing_and_a_broken_landed_check() -> None:
    def refused(batch: Batch) -> TxResult:
        raise ConnectionError("lost")

    def node_gone(batch: Batch) -> bool:
        raise ConnectionError("still lost")

    batches = make_batches(plan(20, 0), 10)  # type: ignore[arg-type]
    with pytest.raises(BatchFailed) as caught:
        send_batches(batches, refused, progress=False, landed=node_gone, earlier=4)
    assert caught.value.sent == 4 and not caught.value.landed_itself
    assert "4 of 6 batches landed" in str(caught.value)


def test_failure_shows_the_hash_of_the_reverted_transaction() -> None:
    tx_hash = "0x" + "ab" * 32

    def reverted(batch: Batch) -> TxResult:
        raise _Failed("InvalidRecord", tx_hash)

    batches = make_batches(plan(5, 0), 10)  # type: ignore[arg-type]
    with pytest.raises(BatchFailed) as caught:
        send_batches(batches, reverted, progress=False)
    assert caught.value.tx_hash == tx_hash
    assert f"batch 1/1 (set 5 investors) failed (transaction {tx_hash}): InvalidRecord" in str(
        caught.value
    )


class _Eth:
    """Nonces of one account: ``pending`` fixed, ``latest`` rising by one per ``mine_every``."""

    def __init__(self, latest: int, pending: int, mine_every: int) -> None:
        self.latest, self.pending, self.mine_every, self.reads = latest, pending, mine_every, 0

    def get_transaction_count(self, address: str, block: str) -> int:
        if block == "pending":
            return self.pending
        self.reads += 1
        if self.reads % self.mine_every == 0 and self.latest < self.pending:
            self.latest += 1
        return self.latest


def test_wait_for_pending_reports_what_it_waits_for() -> None:
    w3 = type("W3", (), {"eth": _Eth(latest=5, pending=7, mine_every=4)})()
    seen: list[tuple[int, float]] = []
    waited = wait_for_pending(
        w3,  # type: ignore[arg-type]
        wallet(1),
        poll=0.01,
        report_every=0.0,
        on_wait=lambda left, seconds: seen.append((left, seconds)),
    )
    assert waited == 2
    assert seen[0] == (2, 0.0)  # said before the first sleep
    assert len(seen) > 2 and {left for left, _ in seen} == {1, 2}


def test_wait_for_pending_gives_up_with_the_nonces() -> None:
    w3 = type("W3", (), {"eth": _Eth(latest=5, pending=7, mine_every=10**9)})()
    with pytest.raises(SectokenError, match=r"nonce 5 to 6\) are still pending after 0 s"):
        wait_for_pending(w3, wallet(1), timeout=0.05, poll=0.01)  # type: ignore[arg-type]
