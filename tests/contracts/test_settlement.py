"""TradeSettlement: delivery versus payment between two verified investors.

alice holds 1,000 shares and sells to bob, who pays in mUSD; both approve the settlement
contract (shares for alice, mUSD for bob). bob's payment is held by the contract from his
affirmation; alice's shares move at settlement, where the token decides compliance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_utils import keccak

from .conftest import US
from .markets_fixtures import *  # noqa: F403
from .markets_fixtures import DAY, MUSD, trade_terms

PROPOSED, SETTLED, CANCELLED = 1, 2, 3
RECEIVER_NOT_VERIFIED = 3


class Desk:
    def __init__(
        self, chain: Any, settlement: Any, token: Any, asset: Any, seller: Any, buyer: Any
    ):
        self.chain, self.settlement, self.token, self.asset = chain, settlement, token, asset
        self.seller, self.buyer = seller, buyer

    def terms(
        self, shares: int = 100, amount: int = 1_500 * MUSD, days: int = 2
    ) -> tuple[Any, ...]:
        expiry = self.chain.pending_timestamp + days * DAY
        return trade_terms(self.token, self.seller, self.buyer, self.asset, shares, amount, expiry)

    def propose(self, by: Any = None, **kwargs: Any) -> int:
        self.settlement.propose(self.terms(**kwargs), sender=by or self.seller)
        return int(self.settlement.tradeCount())

    def approve_both(self) -> None:
        self.token.approve(self.settlement, 10**9, sender=self.seller)
        self.asset.approve(self.settlement, 10**15, sender=self.buyer)

    def agreed(self, **kwargs: Any) -> int:
        self.approve_both()
        tid = self.propose(**kwargs)
        self.settlement.accept(tid, sender=self.buyer)
        return tid


@pytest.fixture
def desk(
    chain: Any, settlement: Any, suite: Any, musd: Any, issuer: Any, alice: Any, bob: Any
) -> Desk:
    suite.issue(alice, 1_000, b"", sender=issuer)
    return Desk(chain, settlement, suite, musd, alice, bob)


def test_propose_by_either_party(
    desk: Desk, settlement: Any, musd: Any, alice: Any, bob: Any, carol: Any
) -> None:
    tid = desk.propose(by=alice)
    view = settlement.trade(tid)
    assert (view.status, view.sellerAffirmed, view.buyerAffirmed) == (PROPOSED, True, False)
    assert view.held == 0
    with ape.reverts():  # a proposing buyer pays now: no allowance, no proposal
        desk.propose(by=bob)
    desk.approve_both()
    bob_usd = musd.balanceOf(bob)
    receipt = settlement.propose(desk.terms(), sender=bob)
    tid2 = int(settlement.tradeCount())
    [held] = receipt.decode_logs(settlement.PaymentHeld)
    assert (held.id, held.buyer, held.amount) == (tid2, bob.address, 1_500 * MUSD)
    view2 = settlement.trade(tid2)
    assert (view2.sellerAffirmed, view2.buyerAffirmed, view2.held) == (False, True, 1_500 * MUSD)
    assert musd.balanceOf(bob) == bob_usd - 1_500 * MUSD
    assert musd.balanceOf(settlement) == 1_500 * MUSD
    with ape.reverts(settlement.NotParty, account=carol.address):
        settlement.propose(desk.terms(), sender=carol)


@pytest.mark.parametrize(
    ("field", "value", "what"),
    [(4, 0, "shares"), (5, 0, "amount"), (6, 1, "expiry"), (2, None, "parties")],
)
def test_invalid_terms(
    desk: Desk, settlement: Any, alice: Any, field: int, value: Any, what: str
) -> None:
    terms = list(desk.terms())
    terms[field] = alice if value is None else value  # buyer == seller, or a bad number
    with ape.reverts(settlement.InvalidTrade, what=what):
        settlement.propose(tuple(terms), sender=alice)


def test_settle_moves_both_legs(
    desk: Desk, settlement: Any, suite: Any, musd: Any, alice: Any, bob: Any
) -> None:
    tid = desk.propose()
    desk.approve_both()
    with ape.reverts(settlement.NotAffirmed, id=tid, seller=True, buyer=False):
        settlement.settle(tid, sender=alice)
    alice_usd, bob_usd = musd.balanceOf(alice), musd.balanceOf(bob)
    receipt = settlement.accept(tid, sender=bob)
    assert receipt.decode_logs(settlement.TradeAffirmed)[0].party == bob.address
    assert receipt.decode_logs(settlement.PaymentHeld)[0].amount == 1_500 * MUSD
    assert musd.balanceOf(bob) == bob_usd - 1_500 * MUSD  # held from the affirmation
    assert settlement.trade(tid).held == 1_500 * MUSD
    with ape.reverts(settlement.AlreadyAffirmed, id=tid, account=bob.address):
        settlement.accept(tid, sender=bob)
    receipt = settlement.settle(tid, sender=bob)
    [event] = receipt.decode_logs(settlement.TradeSettled)
    assert (event.seller, event.buyer, event.shares, event.amount) == (
        alice.address,
        bob.address,
        100,
        1_500 * MUSD,
    )
    assert (suite.balanceOf(alice), suite.balanceOf(bob)) == (900, 100)
    assert musd.balanceOf(alice) == alice_usd + 1_500 * MUSD
    assert musd.balanceOf(bob) == bob_usd - 1_500 * MUSD
    assert settlement.trade(tid).status == SETTLED
    assert (settlement.trade(tid).held, musd.balanceOf(settlement)) == (0, 0)
    with ape.reverts(settlement.WrongStatus, id=tid, status=SETTLED):
        settlement.settle(tid, sender=alice)
    with ape.reverts(settlement.WrongStatus, id=tid, status=SETTLED):
        settlement.cancel(tid, sender=alice)


def test_accept_and_settle_in_one_call(desk: Desk, settlement: Any, suite: Any, bob: Any) -> None:
    tid = desk.propose()
    desk.approve_both()
    settlement.acceptAndSettle(tid, sender=bob)
    assert suite.balanceOf(bob) == 100
    assert settlement.trade(tid).status == SETTLED


def test_compliance_is_decided_at_settlement(
    desk: Desk,
    settlement: Any,
    suite: Any,
    musd: Any,
    verify: Callable[..., None],
    alice: Any,
    bob: Any,
) -> None:
    tid = desk.agreed()
    verify(bob, US, kyc_expiry=desk.chain.pending_timestamp)  # bob's KYC lapses after agreeing
    usd = musd.balanceOf(alice)
    with ape.reverts(suite.TransferRestricted, code=RECEIVER_NOT_VERIFIED):
        settlement.settle(tid, sender=alice)
    assert (suite.balanceOf(alice), suite.balanceOf(bob), musd.balanceOf(alice)) == (1_000, 0, usd)
    assert settlement.trade(tid).status == PROPOSED
    verify(bob, US)  # renewed: the same trade settles
    settlement.settle(tid, sender=alice)
    assert suite.balanceOf(bob) == 100


def test_no_half_settlement_when_the_seller_cannot_deliver(
    desk: Desk, settlement: Any, suite: Any, musd: Any, alice: Any, bob: Any, carol: Any
) -> None:
    tid = desk.agreed()
    suite.transfer(carol, 950, sender=alice)  # alice sells her shares elsewhere
    alice_usd, bob_usd = musd.balanceOf(alice), musd.balanceOf(bob)
    with ape.reverts(suite.TransferRestricted):
        settlement.settle(tid, sender=bob)
    assert (suite.balanceOf(alice), suite.balanceOf(bob)) == (50, 0)
    assert musd.balanceOf(alice) == alice_usd
    assert (settlement.trade(tid).status, musd.balanceOf(settlement)) == (PROPOSED, 1_500 * MUSD)
    settlement.cancel(tid, sender=bob)  # bob walks away with his whole payment
    assert (musd.balanceOf(bob), musd.balanceOf(settlement)) == (bob_usd + 1_500 * MUSD, 0)


def test_expiry(
    desk: Desk, settlement: Any, suite: Any, musd: Any, alice: Any, bob: Any, carol: Any
) -> None:
    tid = desk.propose(days=1)
    desk.approve_both()
    expiry = settlement.trade(tid).terms.expiry
    desk.chain.mine(timestamp=expiry)
    with ape.reverts(settlement.TradeExpired, id=tid, expiry=expiry):
        settlement.accept(tid, sender=bob)
    assert settlement.trade(tid).expired
    settlement.cancel(tid, sender=bob)  # an expired trade can still be cancelled (tidy views)
    assert not settlement.trade(tid).expired
    tid2 = desk.agreed(days=1)
    bob_usd = musd.balanceOf(bob)
    with ape.reverts(settlement.NotParty, id=tid2, account=carol.address):
        settlement.cancel(tid2, sender=carol)  # not before the expiry
    desk.chain.mine(timestamp=settlement.trade(tid2).terms.expiry)
    with ape.reverts(settlement.TradeExpired, id=tid2):
        settlement.settle(tid2, sender=alice)
    assert suite.balanceOf(bob) == 0
    # Expired: anyone releases the held payment, which goes back to the buyer only.
    carol_usd = musd.balanceOf(carol)
    receipt = settlement.cancel(tid2, sender=carol)
    [returned] = receipt.decode_logs(settlement.PaymentReturned)
    assert (returned.buyer, returned.amount) == (bob.address, 1_500 * MUSD)
    assert musd.balanceOf(bob) == bob_usd + 1_500 * MUSD
    assert musd.balanceOf(carol) == carol_usd


def test_either_party_cancels(
    desk: Desk, settlement: Any, musd: Any, alice: Any, bob: Any, carol: Any
) -> None:
    bob_usd = musd.balanceOf(bob)
    tid = desk.agreed()
    with ape.reverts(settlement.NotParty, id=tid, account=carol.address):
        settlement.cancel(tid, sender=carol)
    receipt = settlement.cancel(tid, sender=bob)
    assert receipt.decode_logs(settlement.TradeCancelled)[0].party == bob.address
    assert receipt.decode_logs(settlement.PaymentReturned)[0].amount == 1_500 * MUSD
    assert (musd.balanceOf(bob), settlement.trade(tid).held) == (bob_usd, 0)
    with ape.reverts(settlement.WrongStatus, id=tid, status=CANCELLED):
        settlement.settle(tid, sender=alice)
    with ape.reverts(settlement.WrongStatus, id=tid, status=CANCELLED):
        settlement.cancel(tid, sender=bob)  # the payment goes back once
    tid2 = desk.agreed()
    settlement.cancel(tid2, sender=alice)
    assert settlement.trade(tid2).status == CANCELLED
    assert (musd.balanceOf(bob), musd.balanceOf(settlement)) == (bob_usd, 0)
    tid3 = desk.propose()  # the seller alone affirmed: nothing held, nothing returned
    receipt = settlement.cancel(tid3, sender=alice)
    assert receipt.decode_logs(settlement.PaymentReturned) == []


def test_only_parties_settle(desk: Desk, settlement: Any, carol: Any) -> None:
    tid = desk.agreed()
    with ape.reverts(settlement.NotParty, id=tid, account=carol.address):
        settlement.settle(tid, sender=carol)


def test_fee_on_transfer_payment_is_refused(
    desk: Desk, settlement: Any, project: Any, deployer: Any, suite: Any, alice: Any, bob: Any
) -> None:
    fee = project.FeeOnTransferToken.deploy(100, sender=deployer)
    fee.mint(bob, 10**12, sender=deployer)
    expiry = desk.chain.pending_timestamp + DAY
    settlement.propose(trade_terms(suite, alice, bob, fee, 10, 1_000_000, expiry), sender=alice)
    tid = settlement.tradeCount()
    suite.approve(settlement, 10, sender=alice)
    fee.approve(settlement, 10**12, sender=bob)
    with ape.reverts(settlement.PaymentMismatch, expected=1_000_000, received=990_000):
        settlement.acceptAndSettle(tid, sender=bob)
    with ape.reverts(settlement.PaymentMismatch, expected=1_000_000, received=990_000):
        settlement.accept(tid, sender=bob)  # refused when taken, before any settlement
    assert suite.balanceOf(bob) == 0


def test_unknown_trade(settlement: Any, alice: Any) -> None:
    with ape.reverts(settlement.UnknownTrade, id=5):
        settlement.settle(5, sender=alice)


def test_supports_interface(settlement: Any) -> None:
    selectors = [
        "propose((address,address,address,address,uint256,uint256,uint64))",
        "accept(uint256)",
        "settle(uint256)",
        "acceptAndSettle(uint256)",
        "cancel(uint256)",
        "trade(uint256)",
        "tradeCount()",
    ]
    interface_id = 0
    for signature in selectors:
        interface_id ^= int.from_bytes(keccak(text=signature)[:4], "big")
    assert settlement.supportsInterface(interface_id.to_bytes(4, "big"))
    assert settlement.supportsInterface(keccak(text="supportsInterface(bytes4)")[:4])
    assert not settlement.supportsInterface(b"\x00\x00\x00\x01")
