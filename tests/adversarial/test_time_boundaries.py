"""Every calendar rule at its boundary: one second before, at, and one second after.

Each movement is a real transaction mined in a block whose timestamp is set exactly
(``chain.pending_timestamp = t``), from a chain snapshot, so the three cases see the same state.
Rules: a lockup ends at ``lockupUntil`` (locked while ``now < lockupUntil``); a holding period ends
at ``acquiredAt + holdingPeriod``; KYC is valid while ``now < kycExpiry``; a record date ``T``
counts balances after the last block before ``T`` (a movement in the block at ``T`` does not
count); a distribution can be claimed while ``now < expiry`` and reclaimed from ``expiry`` on.
(Voting windows are covered at their boundaries in ``tests/contracts/test_voting.py``.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ..contracts.conftest import record
from ..contracts.corporate_fixtures import DAY, eth_params
from .abi_calls import Raw

OFFSETS = (-1, 0, 1)


def at(chain: Any, timestamp: int, send: Callable[[], Any]) -> Any:
    """Mine ``send()`` in a block at exactly ``timestamp``; returns the receipt."""
    chain.pending_timestamp = timestamp
    receipt = send()
    assert chain.blocks.head.timestamp == timestamp
    return receipt


def outcomes(chain: Any, boundary: int, send: Callable[[], Any]) -> list[int]:
    """Receipt status of ``send()`` mined at boundary-1, boundary and boundary+1 (same state)."""
    statuses = []
    for offset in OFFSETS:
        snapshot = chain.snapshot()
        statuses.append(int(at(chain, boundary + offset, send).status))
        chain.restore(snapshot)
    return statuses


@pytest.mark.parametrize("entry", ["transfer", "transferFrom", "transferWithData"])
def test_lockup_at_unlock_minus_one_unlock_and_unlock_plus_one(
    chain: Any,
    funded: Any,
    registry: Any,
    compliance_officer: Any,
    alice: Any,
    bob: Any,
    entry: str,
) -> None:
    raw = Raw(chain)
    unlock = chain.pending_timestamp + 10_000
    registry.setInvestor(alice, record(lockup_until=unlock), sender=compliance_officer)
    funded.approve(bob, 10, sender=alice)
    calls = {
        "transfer": lambda: raw.send(funded, "transfer", [bob, 1], alice),
        "transferFrom": lambda: raw.send(funded, "transferFrom", [alice, bob, 1], bob),
        "transferWithData": lambda: raw.send(funded, "transferWithData", [bob, 1, b""], alice),
    }
    assert outcomes(chain, unlock, calls[entry]) == [0, 1, 1]


def test_holding_period_ends_exactly_at_acquisition_plus_period(
    chain: Any, suite: Any, compliance_officer: Any, issuer: Any, alice: Any, bob: Any
) -> None:
    raw = Raw(chain)
    period = 3600
    suite.setRules((False, False, 0, period, 0, 0, 0), sender=compliance_officer)
    receipt = suite.issue(alice, 100, b"", sender=issuer)
    acquired = chain.blocks[receipt.block_number].timestamp
    assert suite.walletState(alice).acquiredAt == acquired
    send = lambda: raw.send(suite, "transfer", [bob, 1], alice)  # noqa: E731
    assert outcomes(chain, acquired + period, send) == [0, 1, 1]


def test_kyc_expiry_of_the_receiver_and_of_the_sender(
    chain: Any, funded: Any, registry: Any, compliance_officer: Any, alice: Any, bob: Any
) -> None:
    raw = Raw(chain)
    expiry = chain.pending_timestamp + 10_000
    registry.setInvestor(bob, record(kyc_expiry=expiry), sender=compliance_officer)
    to_bob = lambda: raw.send(funded, "transfer", [bob, 1], alice)  # noqa: E731
    from_bob = lambda: raw.send(funded, "transfer", [alice, 1], bob)  # noqa: E731
    assert outcomes(chain, expiry, to_bob) == [1, 0, 0]
    assert outcomes(chain, expiry, from_bob) == [1, 0, 0]


MOVES = ["transfer", "transferFrom", "issue", "redeem", "controllerTransfer", "recoverWallet"]


@pytest.mark.parametrize("move", MOVES)
def test_movement_one_second_before_at_and_after_the_record_date(
    chain: Any,
    holders: Any,
    issuer: Any,
    controller: Any,
    alice: Any,
    dave: Any,
    move: str,
) -> None:
    """alice 600 and dave 0 before; the movement gives dave 100 of alice's (or new) tokens.
    Only a movement mined before the record date's timestamp is in the record-date balances."""
    token, raw = holders, Raw(chain)
    token.approve(dave, 100, sender=alice)
    sends = {
        "transfer": lambda: raw.send(token, "transfer", [dave, 100], alice),
        "transferFrom": lambda: raw.send(token, "transferFrom", [alice, dave, 100], dave),
        "issue": lambda: raw.send(token, "issue", [dave, 100, b""], issuer),
        "redeem": lambda: raw.send(token, "redeem", [100, b""], alice),
        "controllerTransfer": lambda: raw.send(
            token, "controllerTransfer", [alice, dave, 100, b"", b"order"], controller
        ),
        "recoverWallet": lambda: raw.send(
            token, "recoverWallet", [alice, dave, b"lost"], controller
        ),
    }
    moved = 600 if move == "recoverWallet" else 100
    alice_after = 600 if move == "issue" else 600 - moved
    dave_after = 0 if move == "redeem" else moved
    supply_after = 1000 + (100 if move == "issue" else -100 if move == "redeem" else 0)
    record_time = chain.pending_timestamp + 1000
    token.scheduleRecordDate(record_time, sender=issuer)
    rid = token.latestRecordDateId()
    seen = []
    for offset in OFFSETS:
        snapshot = chain.snapshot()
        assert at(chain, record_time + offset, sends[move]).status == 1
        chain.mine(timestamp=record_time + 2)
        seen.append(
            (token.balanceOfAt(alice, rid), token.balanceOfAt(dave, rid), token.totalSupplyAt(rid))
        )
        assert (token.balanceOf(alice), token.balanceOf(dave)) == (alice_after, dave_after)
        chain.restore(snapshot)
    before, after = (600, 0, 1000), (alice_after, dave_after, supply_after)
    assert seen == [after, before, before]


def test_claim_until_expiry_and_reclaim_from_expiry(
    chain: Any, holders: Any, distributor: Any, issuer: Any, alice: Any
) -> None:
    raw = Raw(chain)
    record_time = chain.pending_timestamp + 60
    holders.scheduleRecordDate(record_time, sender=issuer)
    chain.mine(timestamp=record_time)
    expiry = record_time + DAY
    params = eth_params(holders, holders.latestRecordDateId(), 10**18, expiry)
    distributor.createDistribution(params, value=10**18, sender=issuer)
    claim = lambda: raw.send(distributor, "claim", [1], alice)  # noqa: E731
    reclaim = lambda: raw.send(distributor, "reclaim", [1], issuer)  # noqa: E731
    assert outcomes(chain, expiry, claim) == [1, 0, 0]
    assert outcomes(chain, expiry, reclaim) == [0, 1, 1]
