"""Attacks on the money flows: a payment asset that calls back into the market contract, a
fee-on-transfer asset, a settlement racing its expiry, a subscriber whose KYC lapses before
delivery, and a cancel front-run by a settlement (both in one block, ordered by fee).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_utils import keccak

from ..contracts.conftest import US
from ..contracts.markets_fixtures import DAY, MUSD, buyback_params, offering_params, trade_terms

REENTRANT_CALL = keccak(text="ReentrancyGuardReentrantCall()")[:4]
RECEIVER_NOT_VERIFIED = 3


@pytest.fixture
def attacker(project: Any, deployer: Any, verify: Callable[..., None]) -> Any:
    """A verified contract investor that re-enters when paid in the callback token."""
    wallet = project.ReentrantInvestor.deploy(sender=deployer)
    verify(wallet)
    return wallet


@pytest.fixture
def cbk(callback_token: Any, deployer: Any, attacker: Any, alice: Any, bob: Any) -> Any:
    for wallet in (attacker, alice, bob):
        callback_token.mint(wallet, 10**12, sender=deployer)
    return callback_token


def act(attacker: Any, contract: Any, method: str, *args: Any) -> Any:
    """Call ``contract.method(*args)`` as the attacker contract (any account may make it act)."""
    data = getattr(contract, method).encode_input(*args)
    return attacker.act(contract, data, sender=ape.accounts.test_accounts[0])


def test_reentrant_asset_cannot_refund_twice(
    chain: Any, offerings: Any, suite: Any, cbk: Any, issuer: Any, treasury: Any, attacker: Any
) -> None:
    offerings.createOffering(
        offering_params(suite, cbk, treasury, chain.pending_timestamp), sender=issuer
    )
    oid = offerings.offeringCount()
    act(attacker, cbk, "approve", offerings, 10**12)
    act(attacker, offerings, "subscribe", oid, 50)
    offerings.cancel(oid, sender=issuer)
    attacker.configure(offerings, offerings.refund.encode_input(oid), sender=issuer)
    before = cbk.balanceOf(attacker)
    act(attacker, offerings, "refund", oid)
    assert attacker.paymentsReceived() == 1
    assert attacker.reentryAttempts() == 1
    assert attacker.reentrySuccesses() == 0
    assert bytes(attacker.lastReentryError())[:4] == REENTRANT_CALL
    assert cbk.balanceOf(attacker) == before + 500 * MUSD
    assert cbk.balanceOf(offerings) == 0


def test_reentrant_asset_cannot_tender_twice(
    chain: Any, buybacks: Any, suite: Any, cbk: Any, issuer: Any, attacker: Any, deployer: Any
) -> None:
    suite.issue(attacker, 100, b"", sender=issuer)
    cbk.mint(issuer, 10**12, sender=deployer)
    cbk.approve(buybacks, 10**12, sender=issuer)
    buybacks.createBuyback(
        buyback_params(suite, cbk, chain.pending_timestamp + DAY, max_shares=60), sender=issuer
    )
    bid = buybacks.buybackCount()
    act(attacker, suite, "approve", buybacks, 100)
    attacker.configure(buybacks, buybacks.tender.encode_input(bid, 30), sender=issuer)
    act(attacker, buybacks, "tender", bid, 30)
    assert attacker.reentrySuccesses() == 0
    assert bytes(attacker.lastReentryError())[:4] == REENTRANT_CALL
    assert suite.balanceOf(attacker) == 70
    assert buybacks.buyback(bid).redeemed == 30
    assert cbk.balanceOf(buybacks) == 30 * 12 * MUSD


def test_reentrant_asset_cannot_cancel_inside_its_own_settlement(
    chain: Any, settlement: Any, suite: Any, cbk: Any, issuer: Any, attacker: Any, bob: Any
) -> None:
    suite.issue(attacker, 100, b"", sender=issuer)
    terms = trade_terms(suite, attacker, bob, cbk, 40, 400 * MUSD, chain.pending_timestamp + DAY)
    act(attacker, settlement, "propose", terms)
    tid = settlement.tradeCount()
    act(attacker, suite, "approve", settlement, 40)
    cbk.approve(settlement, 400 * MUSD, sender=bob)
    # paid by bob's settlement, the seller tries to cancel the trade it is being paid for
    attacker.configure(settlement, settlement.cancel.encode_input(tid), sender=issuer)
    settlement.acceptAndSettle(tid, sender=bob)
    assert attacker.reentrySuccesses() == 0
    assert bytes(attacker.lastReentryError())[:4] == REENTRANT_CALL
    assert settlement.trade(tid).status == 2  # Settled, both legs
    assert (suite.balanceOf(attacker), suite.balanceOf(bob)) == (60, 40)


def test_fee_on_transfer_asset_refused_everywhere(
    chain: Any,
    offerings: Any,
    settlement: Any,
    buybacks: Any,
    suite: Any,
    fee_token: Any,
    deployer: Any,
    issuer: Any,
    treasury: Any,
    alice: Any,
    bob: Any,
) -> None:
    fee_token.mint(bob, 10**12, sender=deployer)
    fee_token.approve(offerings, 10**12, sender=bob)
    offerings.createOffering(
        offering_params(suite, fee_token, treasury, chain.pending_timestamp), sender=issuer
    )
    with ape.reverts(offerings.PaymentMismatch):
        offerings.subscribe(offerings.offeringCount(), 10, sender=bob)
    fee_token.approve(buybacks, 10**12, sender=issuer)
    with ape.reverts(buybacks.PaymentMismatch):
        buybacks.createBuyback(
            buyback_params(suite, fee_token, chain.pending_timestamp + DAY), sender=issuer
        )
    suite.issue(alice, 10, b"", sender=issuer)
    suite.approve(settlement, 10, sender=alice)
    fee_token.approve(settlement, 10**12, sender=bob)
    settlement.propose(
        trade_terms(suite, alice, bob, fee_token, 10, 10**6, chain.pending_timestamp + DAY),
        sender=alice,
    )
    with ape.reverts(settlement.PaymentMismatch):
        settlement.acceptAndSettle(settlement.tradeCount(), sender=bob)
    assert suite.balanceOf(bob) == 0
    assert fee_token.balanceOf(offerings) == fee_token.balanceOf(buybacks) == 0


def test_settlement_racing_expiry(
    chain: Any, settlement: Any, suite: Any, musd: Any, issuer: Any, alice: Any, bob: Any
) -> None:
    suite.issue(alice, 100, b"", sender=issuer)
    suite.approve(settlement, 100, sender=alice)
    musd.approve(settlement, 10**12, sender=bob)
    expiry = chain.pending_timestamp + DAY
    for _ in range(2):
        settlement.propose(
            trade_terms(suite, alice, bob, musd, 10, 100 * MUSD, expiry), sender=alice
        )
    # the last second before expiry settles; at the expiry second the other one cannot
    chain.pending_timestamp = expiry - 1
    settlement.acceptAndSettle(1, sender=bob)
    chain.pending_timestamp = expiry
    with ape.reverts(settlement.TradeExpired, id=2, expiry=expiry):
        settlement.acceptAndSettle(2, sender=bob)
    assert suite.balanceOf(bob) == 10
    settlement.cancel(2, sender=alice)  # and an expired trade cancels cleanly, nothing moved
    assert (suite.balanceOf(alice), musd.balanceOf(settlement)) == (90, 0)


def test_kyc_lapsing_before_delivery(
    chain: Any,
    offerings: Any,
    suite: Any,
    musd: Any,
    verify: Callable[..., None],
    issuer: Any,
    treasury: Any,
    alice: Any,
) -> None:
    start = chain.pending_timestamp
    offerings.createOffering(
        offering_params(suite, musd, treasury, start, duration=DAY), sender=issuer
    )
    oid = offerings.offeringCount()
    musd.approve(offerings, 10**12, sender=alice)
    offerings.subscribe(oid, 25, sender=alice)
    chain.mine(timestamp=start + DAY)
    offerings.close(oid, sender=alice)
    verify(alice, US, kyc_expiry=chain.pending_timestamp)  # lapses before delivery
    with ape.reverts(suite.TransferRestricted, code=RECEIVER_NOT_VERIFIED):
        offerings.claimShares(oid, sender=alice)
    receipt = offerings.deliver(oid, [alice], sender=issuer)
    assert receipt.decode_logs(offerings.DeliverySkipped)[0].code == RECEIVER_NOT_VERIFIED
    assert (suite.balanceOf(alice), musd.balanceOf(treasury)) == (0, 0)
    verify(alice, US)  # renewed within the delivery window: delivered, and only now paid out
    offerings.claimShares(oid, sender=alice)
    assert (suite.balanceOf(alice), musd.balanceOf(treasury)) == (25, 250 * MUSD)


def _send_unmined(chain: Any, sender: Any, contract: Any, data: bytes, tip: int) -> str:
    web3 = chain.provider.web3
    tx = {
        "from": sender.address,
        "to": contract.address,
        "data": "0x" + bytes(data).hex(),
        "gas": 400_000,
        "maxFeePerGas": 10**11,
        "maxPriorityFeePerGas": tip,
    }
    return web3.eth.send_transaction(tx).hex()  # type: ignore[arg-type]


def test_front_running_a_cancel(
    chain: Any, settlement: Any, suite: Any, musd: Any, issuer: Any, alice: Any, bob: Any
) -> None:
    """Alice cancels; bob sees it in the mempool and settles with a higher tip. Both land in one
    block, the settlement first (Anvil mines in arrival order, so the test submits it first, as
    a builder ordering by tip would place it): the settlement moves both legs, the cancel fails;
    never half of each."""
    suite.issue(alice, 100, b"", sender=issuer)
    suite.approve(settlement, 100, sender=alice)
    musd.approve(settlement, 10**12, sender=bob)
    settlement.propose(
        trade_terms(suite, alice, bob, musd, 10, 100 * MUSD, chain.pending_timestamp + DAY),
        sender=alice,
    )
    settlement.accept(1, sender=bob)
    alice_usd = musd.balanceOf(alice)
    web3 = chain.provider.web3
    web3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        # bob's settlement lands first in the block, as a builder ordering by tip would put it
        settle = _send_unmined(chain, bob, settlement, settlement.settle.encode_input(1), 5 * 10**9)
        cancel = _send_unmined(chain, alice, settlement, settlement.cancel.encode_input(1), 10**9)
        web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    finally:
        web3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    settled, cancelled = (
        web3.eth.get_transaction_receipt(settle),
        web3.eth.get_transaction_receipt(cancel),
    )
    assert settled["blockNumber"] == cancelled["blockNumber"]
    assert settled["transactionIndex"] < cancelled["transactionIndex"]
    assert (settled["status"], cancelled["status"]) == (1, 0)
    assert settlement.trade(1).status == 2
    assert (suite.balanceOf(alice), suite.balanceOf(bob)) == (90, 10)
    assert musd.balanceOf(alice) == alice_usd + 100 * MUSD


def test_front_running_an_offering_cancel_leaves_the_subscription_refundable(
    chain: Any, offerings: Any, suite: Any, musd: Any, issuer: Any, treasury: Any, alice: Any
) -> None:
    """A subscription slipped in just before the issuer's cancel, in the same block, is refunded
    in full: money cannot be trapped by the ordering."""
    offerings.createOffering(
        offering_params(suite, musd, treasury, chain.pending_timestamp), sender=issuer
    )
    musd.approve(offerings, 10**12, sender=alice)
    before = musd.balanceOf(alice)
    web3 = chain.provider.web3
    web3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        sub = _send_unmined(
            chain, alice, offerings, offerings.subscribe.encode_input(1, 40), 5 * 10**9
        )
        cancel = _send_unmined(chain, issuer, offerings, offerings.cancel.encode_input(1), 10**9)
        web3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    finally:
        web3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]
    assert web3.eth.get_transaction_receipt(sub)["status"] == 1
    assert web3.eth.get_transaction_receipt(cancel)["status"] == 1
    assert offerings.offering(1).status == 4  # Cancelled after the subscription
    offerings.refund(1, sender=alice)
    assert musd.balanceOf(alice) == before
    assert suite.totalSupply() == 0
