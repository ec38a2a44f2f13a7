"""BuybackOffers: the issuer deposits mUSD and buys back shares, first come or pro rata; tendered
shares are redeemed through the token (ERC-1594 Redeemed) and paid from the deposit.

alice holds 600, bob 300, carol 100; the offer buys up to 100 shares at 12 mUSD unless said.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import keccak

from .markets_fixtures import *  # noqa: F403
from .markets_fixtures import DAY, MUSD, buyback_params

OPEN, CLOSED = 1, 2
SENDER_FROZEN, INSUFFICIENT_BALANCE = 4, 6


class Desk:
    def __init__(self, chain: Any, buybacks: Any, token: Any, asset: Any, issuer: Any):
        self.chain, self.buybacks, self.token, self.asset, self.issuer = (
            chain,
            buybacks,
            token,
            asset,
            issuer,
        )

    def open(self, days: int = 7, **kwargs: Any) -> int:
        deadline = self.chain.pending_timestamp + days * DAY
        self.asset.approve(self.buybacks, 10**15, sender=self.issuer)
        self.buybacks.createBuyback(
            buyback_params(self.token, self.asset, deadline, **kwargs), sender=self.issuer
        )
        return int(self.buybacks.buybackCount())

    def tender(self, bid: int, holder: Any, shares: int) -> Any:
        self.token.approve(self.buybacks, shares, sender=holder)
        return self.buybacks.tender(bid, shares, sender=holder)

    def past_deadline(self, bid: int) -> None:
        self.chain.mine(timestamp=self.buybacks.buyback(bid).params.deadline)


@pytest.fixture
def desk(
    chain: Any, buybacks: Any, suite: Any, musd: Any, issuer: Any, alice: Any, bob: Any, carol: Any
) -> Desk:
    for wallet, amount in ((alice, 600), (bob, 300), (carol, 100)):
        suite.issue(wallet, amount, b"", sender=issuer)
    return Desk(chain, buybacks, suite, musd, issuer)


def test_create_takes_the_deposit(desk: Desk, buybacks: Any, musd: Any, issuer: Any) -> None:
    before = musd.balanceOf(issuer)
    bid = desk.open()
    view = buybacks.buyback(bid)
    assert (view.status, view.deposit, view.issuer) == (OPEN, 1_200 * MUSD, issuer.address)
    assert musd.balanceOf(issuer) == before - 1_200 * MUSD
    assert musd.balanceOf(buybacks) == 1_200 * MUSD


def test_only_the_issuer_creates(
    desk: Desk, buybacks: Any, suite: Any, musd: Any, alice: Any
) -> None:
    with ape.reverts(buybacks.NotIssuer, token=suite.address, account=alice.address):
        buybacks.createBuyback(
            buyback_params(suite, musd, desk.chain.pending_timestamp + DAY), sender=alice
        )


def test_invalid_terms(desk: Desk, buybacks: Any) -> None:
    with ape.reverts(buybacks.InvalidBuyback, what="maxShares"):
        desk.open(max_shares=0)
    with ape.reverts(buybacks.InvalidBuyback, what="price"):
        desk.open(price=0)
    with ape.reverts(buybacks.InvalidBuyback, what="settlementWindow"):
        desk.open(pro_rata=True, settlement_window=0)


def test_first_come_redeems_and_pays_at_once(
    desk: Desk, buybacks: Any, suite: Any, musd: Any, alice: Any, bob: Any
) -> None:
    bid = desk.open()
    before = musd.balanceOf(alice)
    receipt = desk.tender(bid, alice, 70)
    [redeemed] = receipt.decode_logs(suite.Redeemed)
    assert (redeemed.operator, redeemed["from"], redeemed.value) == (
        buybacks.address,
        alice.address,
        70,
    )
    [settled] = receipt.decode_logs(buybacks.TenderSettled)
    assert (settled.holder, settled.shares, settled.paid) == (alice.address, 70, 840 * MUSD)
    assert suite.balanceOf(alice) == 530
    assert suite.totalSupply() == 930
    assert musd.balanceOf(alice) == before + 840 * MUSD
    with ape.reverts(buybacks.OfferFull, requested=31, available=30):
        desk.tender(bid, bob, 31)
    desk.tender(bid, bob, 30)
    view = buybacks.buyback(bid)
    assert (view.redeemed, view.paid) == (100, 1_200 * MUSD)


def test_tender_refused_with_the_rules_message(
    desk: Desk, buybacks: Any, suite: Any, compliance_officer: Any, alice: Any, carol: Any
) -> None:
    bid = desk.open(max_shares=200)
    suite.setWalletFrozen(alice, True, sender=compliance_officer)
    # The token's own decision, with its rule's message, refuses the redemption.
    with ape.reverts(
        suite.TransferRestricted, code=SENDER_FROZEN, reason="Sender wallet is frozen"
    ):
        desk.tender(bid, alice, 10)
    with ape.reverts(suite.TransferRestricted, code=INSUFFICIENT_BALANCE):
        desk.tender(bid, carol, 100 + 1)
    pro_rata = desk.open(pro_rata=True)
    with ape.reverts(buybacks.BalanceTooLow, needed=101, balance=100):
        desk.tender(pro_rata, carol, 101)


def test_tender_period(desk: Desk, buybacks: Any, alice: Any) -> None:
    bid = desk.open()
    desk.past_deadline(bid)
    with ape.reverts(buybacks.TenderPeriodOver, id=bid):
        desk.tender(bid, alice, 10)


def test_close_returns_the_unspent_deposit(
    desk: Desk, buybacks: Any, musd: Any, issuer: Any, alice: Any
) -> None:
    bid = desk.open()
    desk.tender(bid, alice, 25)
    with ape.reverts(buybacks.NotIssuer):
        buybacks.close(bid, sender=alice)
    desk.past_deadline(bid)
    before = musd.balanceOf(issuer)
    receipt = buybacks.close(bid, sender=issuer)
    [event] = receipt.decode_logs(buybacks.BuybackClosed)
    assert (event.returned, event.early) == (900 * MUSD, False)
    assert musd.balanceOf(issuer) == before + 900 * MUSD
    assert musd.balanceOf(buybacks) == 0
    with ape.reverts(buybacks.OfferClosed, id=bid):
        buybacks.close(bid, sender=issuer)


def test_withdrawn_early(desk: Desk, buybacks: Any, issuer: Any, alice: Any) -> None:
    bid = desk.open()
    receipt = buybacks.close(bid, sender=issuer)
    assert receipt.decode_logs(buybacks.BuybackClosed)[0].early
    with ape.reverts(buybacks.OfferClosed, id=bid):
        desk.tender(bid, alice, 1)


def test_pro_rata_scales_an_oversubscribed_offer(
    desk: Desk, buybacks: Any, suite: Any, musd: Any, issuer: Any, alice: Any, bob: Any, carol: Any
) -> None:
    bid = desk.open(pro_rata=True)
    desk.tender(bid, alice, 150)
    desk.tender(bid, bob, 90)
    with ape.reverts(buybacks.AllowanceTooLow, needed=100, allowance=0):
        buybacks.tender(bid, 100, sender=carol)
    desk.tender(bid, carol, 60)  # 300 tendered for 100: one in three accepted
    assert suite.balanceOf(alice) == 600  # nothing redeemed before the deadline
    with ape.reverts(buybacks.NotSettlementPeriod, id=bid):
        buybacks.settleTender(bid, alice, sender=alice)
    desk.past_deadline(bid)
    assert buybacks.tenderOf(bid, alice) == (150, 50)
    with ape.reverts(buybacks.NotIssuer):
        buybacks.settleTender(bid, alice, sender=bob)
    before = musd.balanceOf(alice)
    receipt = buybacks.settleTender(bid, alice, sender=alice)
    assert receipt.decode_logs(suite.Redeemed)[0].value == 50
    assert musd.balanceOf(alice) == before + 600 * MUSD
    buybacks.settleTender(bid, bob, sender=issuer)  # pushed by the issuer
    assert suite.balanceOf(bob) == 270
    with ape.reverts(buybacks.NothingTendered, id=bid, holder=bob.address):
        buybacks.settleTender(bid, bob, sender=bob)
    with ape.reverts(buybacks.TooEarlyToClose, id=bid):
        buybacks.close(bid, sender=issuer)
    # carol never settles: her part returns to the issuer after the settlement window
    desk.chain.mine(timestamp=buybacks.buyback(bid).params.deadline + 7 * DAY)
    with ape.reverts(buybacks.NotSettlementPeriod, id=bid):
        buybacks.settleTender(bid, carol, sender=carol)
    receipt = buybacks.close(bid, sender=issuer)
    assert receipt.decode_logs(buybacks.BuybackClosed)[0].returned == 240 * MUSD
    assert suite.balanceOf(carol) == 100
    assert musd.balanceOf(buybacks) == 0


def test_pro_rata_undersubscribed_takes_everything(
    desk: Desk, buybacks: Any, suite: Any, alice: Any
) -> None:
    bid = desk.open(pro_rata=True)
    desk.tender(bid, alice, 40)
    desk.past_deadline(bid)
    assert buybacks.tenderOf(bid, alice) == (40, 40)
    buybacks.settleTender(bid, alice, sender=alice)
    assert suite.balanceOf(alice) == 560


def test_pro_rata_holder_who_moved_the_shares_cannot_settle(
    desk: Desk, buybacks: Any, suite: Any, alice: Any, bob: Any
) -> None:
    bid = desk.open(pro_rata=True)
    desk.tender(bid, alice, 100)
    suite.transfer(bob, 600, sender=alice)
    desk.past_deadline(bid)
    with ape.reverts(suite.TransferRestricted, code=INSUFFICIENT_BALANCE):
        buybacks.settleTender(bid, alice, sender=alice)
    assert buybacks.tenderOf(bid, alice)[0] == 100


def test_fee_on_transfer_deposit_is_refused(
    desk: Desk, buybacks: Any, project: Any, deployer: Any, suite: Any, issuer: Any
) -> None:
    fee = project.FeeOnTransferToken.deploy(100, sender=deployer)
    fee.mint(issuer, 10**12, sender=deployer)
    fee.approve(buybacks, 10**12, sender=issuer)
    params = buyback_params(suite, fee, desk.chain.pending_timestamp + DAY)
    with ape.reverts(buybacks.PaymentMismatch, expected=1_200 * MUSD, received=1_188 * MUSD):
        buybacks.createBuyback(params, sender=issuer)


def test_supports_interface(buybacks: Any) -> None:
    selectors = [
        "createBuyback((address,address,uint256,uint256,uint64,uint8,uint64))",
        "tender(uint256,uint256)",
        "settleTender(uint256,address)",
        "close(uint256)",
        "payout(uint256,uint256)",
        "buyback(uint256)",
        "tenderOf(uint256,address)",
        "buybackCount()",
    ]
    interface_id = 0
    for signature in selectors:
        interface_id ^= int.from_bytes(keccak(text=signature)[:4], "big")
    assert buybacks.supportsInterface(interface_id.to_bytes(4, "big"))
    assert not buybacks.supportsInterface(b"\x00\x00\x00\x01")
