"""PrimaryOffering: opening, subscriptions (limits, window, the token's rule, payment measured),
close (soft cap, hard cap), pulled and pushed delivery with the decision taken again, refunds
after a failure, a cancellation or a lapsed delivery window, many tokens in one contract.

Price 10 mUSD per share unless said; alice, bob and carol are verified (US, accredited).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_utils import keccak

from sectoken.chain.contracts import container

from .conftest import US
from .markets_fixtures import *  # noqa: F403
from .markets_fixtures import DAY, MUSD, offering_params

ACTIVE, SUCCEEDED, FAILED, CANCELLED = 1, 2, 3, 4
RECEIVER_NOT_VERIFIED = 3
MAX_BALANCE = 14
ZERO = "0x" + "00" * 20


class Sale:
    """Opens offerings of ``token`` paid in ``asset`` and drives subscriptions."""

    def __init__(
        self, chain: Any, offerings: Any, token: Any, asset: Any, issuer: Any, treasury: Any
    ):
        self.chain, self.offerings, self.token = chain, offerings, token
        self.asset, self.issuer, self.treasury = asset, issuer, treasury

    def open(self, *, delay: int = 0, **kwargs: Any) -> int:
        start = self.chain.pending_timestamp + delay
        params = offering_params(self.token, self.asset, self.treasury, start, **kwargs)
        self.offerings.createOffering(params, sender=self.issuer)
        return int(self.offerings.offeringCount())

    def subscribe(self, oid: int, investor: Any, shares: int) -> Any:
        self.asset.approve(self.offerings, self.offerings.cost(oid, shares), sender=investor)
        return self.offerings.subscribe(oid, shares, sender=investor)

    def end(self, oid: int) -> None:
        self.chain.mine(timestamp=self.offerings.offering(oid).params.end)

    def end_delivery(self, oid: int) -> None:
        self.chain.mine(timestamp=self.offerings.offering(oid).deliveryDeadline)


@pytest.fixture
def sale(chain: Any, offerings: Any, suite: Any, musd: Any, issuer: Any, treasury: Any) -> Sale:
    return Sale(chain, offerings, suite, musd, issuer, treasury)


def test_open_records_terms_and_event(sale: Sale, offerings: Any, issuer: Any) -> None:
    oid = sale.open(min_shares=5, max_shares=400, soft_cap=100)
    view = offerings.offering(oid)
    assert oid == 1
    assert view.status == ACTIVE
    assert (view.params.price, view.params.minShares, view.params.maxShares) == (10 * MUSD, 5, 400)
    assert (view.params.hardCap, view.params.softCap) == (1_000, 100)
    assert (view.sold, view.held, view.issued) == (0, 0, 0)


def test_only_the_tokens_issuer_opens(
    sale: Sale, offerings: Any, suite: Any, musd: Any, alice: Any
) -> None:
    params = offering_params(suite, musd, alice, sale.chain.pending_timestamp)
    with ape.reverts(offerings.NotIssuer, token=suite.address, account=alice.address):
        offerings.createOffering(params, sender=alice)


@pytest.mark.parametrize(
    ("overrides", "what"),
    [
        ({"price": 0}, "price"),
        ({"hard_cap": 0}, "hardCap"),
        ({"soft_cap": 2_000}, "softCap"),
        ({"max_shares": 2_000}, "minShares/maxShares"),
        ({"min_shares": 50, "max_shares": 10}, "minShares/maxShares"),
        ({"duration": 0}, "start/end"),
        ({"delivery_window": 0}, "deliveryWindow"),
    ],
)
def test_invalid_terms_are_named(
    sale: Sale, offerings: Any, overrides: dict[str, Any], what: str
) -> None:
    with ape.reverts(offerings.InvalidOffering, what=what):
        sale.open(**overrides)


def test_subscribe_takes_the_exact_cost(sale: Sale, offerings: Any, musd: Any, alice: Any) -> None:
    oid = sale.open()
    before = musd.balanceOf(alice)
    receipt = sale.subscribe(oid, alice, 30)
    [event] = receipt.decode_logs(offerings.Subscribed)
    assert (event.investor, event.shares, event.paid) == (alice.address, 30, 300 * MUSD)
    assert musd.balanceOf(alice) == before - 300 * MUSD
    assert musd.balanceOf(offerings) == 300 * MUSD
    assert offerings.subscriptionOf(oid, alice) == (30, 300 * MUSD)
    assert offerings.offering(oid).sold == 30
    assert offerings.offering(oid).held == 300 * MUSD


def test_costs_are_exact_never_rounded(
    project: Any,
    sale: Sale,
    offerings: Any,
    registry: Any,
    deployer: Any,
    musd: Any,
    alice: Any,
    treasury: Any,
) -> None:
    oid = sale.open(price=1_000_001)  # 1.000001 mUSD per share (0 decimals: always exact)
    assert offerings.cost(oid, 3) == 3_000_003
    # A 2-decimal token at 0.05 mUSD (50,000 units) per whole share: one unit costs 500.
    cents = container(project, "SecurityToken").deploy(
        "Cents",
        "CNT",
        2,
        registry,
        deployer,
        project.SecurityTokenAdmin.deploy(sender=deployer),
        sender=deployer,
    )
    cents.grantRole(cents.ISSUER_ROLE(), deployer, sender=deployer)
    cents.grantRole(cents.ISSUER_ROLE(), offerings, sender=deployer)
    start = sale.chain.pending_timestamp
    offerings.createOffering(
        offering_params(cents, musd, treasury, start, price=50_001), sender=deployer
    )
    odd = offerings.offeringCount()
    assert offerings.cost(odd, 100) == 50_001
    with ape.reverts(offerings.InexactCost, shares=3, price=50_001, unit=100):
        offerings.cost(odd, 3)
    musd.approve(offerings, 10**12, sender=alice)
    with ape.reverts(offerings.InexactCost):
        offerings.subscribe(odd, 7, sender=alice)
    offerings.subscribe(odd, 200, sender=alice)
    assert offerings.subscriptionOf(odd, alice) == (200, 100_002)


def test_subscription_window(sale: Sale, offerings: Any, alice: Any) -> None:
    oid = sale.open(delay=DAY)
    with ape.reverts(offerings.OutsideWindow, id=oid):
        sale.subscribe(oid, alice, 10)
    sale.chain.mine(timestamp=offerings.offering(oid).params.start)
    sale.subscribe(oid, alice, 10)
    sale.end(oid)
    with ape.reverts(offerings.OutsideWindow, id=oid):
        sale.subscribe(oid, alice, 10)


def test_investor_limits_apply_to_the_total(sale: Sale, offerings: Any, alice: Any) -> None:
    oid = sale.open(min_shares=10, max_shares=50)
    with ape.reverts(offerings.InvestorLimit, total=5, min=10, max=50):
        sale.subscribe(oid, alice, 5)
    sale.subscribe(oid, alice, 40)
    with ape.reverts(offerings.InvestorLimit, total=51, min=10, max=50):
        sale.subscribe(oid, alice, 11)
    sale.subscribe(oid, alice, 10)  # a top-up below the minimum is fine: the total counts
    assert offerings.subscriptionOf(oid, alice)[0] == 50


def test_hard_cap(sale: Sale, offerings: Any, alice: Any, bob: Any) -> None:
    oid = sale.open(hard_cap=100)
    sale.subscribe(oid, alice, 70)
    with ape.reverts(offerings.HardCapExceeded, requested=31, available=30):
        sale.subscribe(oid, bob, 31)
    sale.subscribe(oid, bob, 30)
    # Sold out: it may close before its end.
    offerings.close(oid, sender=bob)
    assert offerings.offering(oid).status == SUCCEEDED


def test_unverified_investor_refused_with_the_rules_message(
    sale: Sale, offerings: Any, musd: Any, dave: Any, deployer: Any
) -> None:
    oid = sale.open()
    musd.mint(dave, 1_000 * MUSD, sender=deployer)
    with ape.reverts(
        offerings.SubscriptionRestricted,
        code=RECEIVER_NOT_VERIFIED,
        reason="Receiver is not verified: no registry record or KYC expired",
    ):
        sale.subscribe(oid, dave, 10)


def test_the_tokens_cap_is_decided_at_delivery(
    sale: Sale,
    offerings: Any,
    suite: Any,
    musd: Any,
    compliance_officer: Any,
    issuer: Any,
    alice: Any,
) -> None:
    """Subscription asks the registry (verified investor); the token's quantity rules (here its
    balance cap) decide at delivery, and a refused subscription is refunded in full."""
    from .conftest import rules_with

    suite.setRules(rules_with(maxBalance=60), sender=compliance_officer)
    oid = sale.open()
    sale.subscribe(oid, alice, 40)
    sale.subscribe(oid, alice, 40)  # a total of 80 > the cap of 60: accepted here
    assert suite.detectTransferRestriction(ZERO, alice, 80) == MAX_BALANCE
    sale.end(oid)
    offerings.close(oid, sender=alice)
    receipt = offerings.deliver(oid, [alice], sender=issuer)
    skipped = [(e.investor, e.code) for e in receipt.decode_logs(offerings.DeliverySkipped)]
    assert skipped == [(alice.address, MAX_BALANCE)]
    with ape.reverts(suite.TransferRestricted, code=MAX_BALANCE):
        offerings.claimShares(oid, sender=alice)
    sale.end_delivery(oid)
    before = musd.balanceOf(alice)
    offerings.refund(oid, sender=alice)
    assert musd.balanceOf(alice) == before + 800 * MUSD
    assert suite.balanceOf(alice) == 0


def test_fee_on_transfer_asset_is_refused(
    sale: Sale, offerings: Any, project: Any, deployer: Any, suite: Any, alice: Any, treasury: Any
) -> None:
    fee = project.FeeOnTransferToken.deploy(100, sender=deployer)
    fee.mint(alice, 10**12, sender=deployer)
    start = sale.chain.pending_timestamp
    offerings.createOffering(offering_params(suite, fee, treasury, start), sender=sale.issuer)
    oid = offerings.offeringCount()
    fee.approve(offerings, 10**12, sender=alice)
    with ape.reverts(offerings.PaymentMismatch, expected=100 * MUSD, received=99 * MUSD):
        offerings.subscribe(oid, 10, sender=alice)


def test_close_waits_for_the_end(sale: Sale, offerings: Any, alice: Any) -> None:
    oid = sale.open()
    sale.subscribe(oid, alice, 10)
    with ape.reverts(offerings.NotEnded, id=oid):
        offerings.close(oid, sender=alice)
    sale.end(oid)
    receipt = offerings.close(oid, sender=alice)
    [event] = receipt.decode_logs(offerings.OfferingClosed)
    assert event.succeeded and event.sold == 10
    with ape.reverts(offerings.WrongStatus, id=oid, status=SUCCEEDED):
        offerings.close(oid, sender=alice)


def test_pulled_delivery_issues_and_pays_the_treasury(
    sale: Sale, offerings: Any, suite: Any, musd: Any, alice: Any, treasury: Any
) -> None:
    oid = sale.open()
    sale.subscribe(oid, alice, 30)
    with ape.reverts(offerings.WrongStatus, id=oid, status=ACTIVE):
        offerings.claimShares(oid, sender=alice)
    sale.end(oid)
    offerings.close(oid, sender=alice)
    receipt = offerings.claimShares(oid, sender=alice)
    [issued] = receipt.decode_logs(suite.Issued)
    assert (issued.operator, issued.to, issued.value) == (offerings.address, alice.address, 30)
    assert suite.balanceOf(alice) == 30
    assert musd.balanceOf(treasury) == 300 * MUSD
    assert musd.balanceOf(offerings) == 0
    view = offerings.offering(oid)
    assert (view.issued, view.held, view.toTreasury) == (30, 0, 300 * MUSD)
    with ape.reverts(offerings.NothingToSettle, id=oid, investor=alice.address):
        offerings.claimShares(oid, sender=alice)


def test_pushed_delivery_skips_whom_the_token_refuses_now(
    sale: Sale,
    offerings: Any,
    suite: Any,
    musd: Any,
    verify: Callable[..., None],
    issuer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    dave: Any,
) -> None:
    oid = sale.open()
    for wallet, shares in ((alice, 10), (bob, 20), (carol, 30)):
        sale.subscribe(oid, wallet, shares)
    sale.end(oid)
    offerings.close(oid, sender=alice)
    verify(bob, US, kyc_expiry=sale.chain.pending_timestamp)  # bob's KYC lapses before delivery
    with ape.reverts(offerings.NotIssuer):
        offerings.deliver(oid, [alice], sender=alice)
    receipt = offerings.deliver(oid, [alice, bob, carol, dave], sender=issuer)
    delivered = [(e.investor, e.shares) for e in receipt.decode_logs(offerings.SharesDelivered)]
    skipped = [(e.investor, e.code) for e in receipt.decode_logs(offerings.DeliverySkipped)]
    assert delivered == [(alice.address, 10), (carol.address, 30)]
    assert skipped == [(bob.address, RECEIVER_NOT_VERIFIED), (dave.address, 0)]
    assert suite.balanceOf(bob) == 0
    assert offerings.subscriptionOf(oid, bob) == (20, 200 * MUSD)
    # Bob's pulled delivery is refused by the token itself, with its rule.
    with ape.reverts(suite.TransferRestricted, code=RECEIVER_NOT_VERIFIED):
        offerings.claimShares(oid, sender=bob)
    # Undelivered at the end of the window: bob takes his payment back.
    with ape.reverts(offerings.DeliveryWindowOpen, id=oid):
        offerings.refund(oid, sender=bob)
    sale.end_delivery(oid)
    with ape.reverts(offerings.DeliveryWindowClosed, id=oid):
        offerings.claimShares(oid, sender=bob)
    before = musd.balanceOf(bob)
    offerings.refund(oid, sender=bob)
    assert musd.balanceOf(bob) == before + 200 * MUSD
    view = offerings.offering(oid)
    assert (view.held, view.toTreasury, view.refunded, view.issued) == (
        0,
        400 * MUSD,
        200 * MUSD,
        40,
    )


def test_soft_cap_missed_refunds_everyone(
    sale: Sale, offerings: Any, musd: Any, alice: Any, bob: Any, carol: Any, treasury: Any
) -> None:
    oid = sale.open(soft_cap=500)
    sale.subscribe(oid, alice, 100)
    sale.subscribe(oid, bob, 50)
    sale.end(oid)
    receipt = offerings.close(oid, sender=carol)
    assert not receipt.decode_logs(offerings.OfferingClosed)[0].succeeded
    assert offerings.offering(oid).status == FAILED
    with ape.reverts(offerings.WrongStatus, id=oid, status=FAILED):
        offerings.claimShares(oid, sender=alice)
    alice_before, bob_before = musd.balanceOf(alice), musd.balanceOf(bob)
    offerings.refund(oid, sender=alice)
    receipt = offerings.refundMany(oid, [bob, carol, alice], sender=carol)  # pushed by anyone
    assert [e.investor for e in receipt.decode_logs(offerings.Refunded)] == [bob.address]
    assert musd.balanceOf(alice) == alice_before + 1_000 * MUSD
    assert musd.balanceOf(bob) == bob_before + 500 * MUSD
    assert musd.balanceOf(offerings) == 0
    assert musd.balanceOf(treasury) == 0
    with ape.reverts(offerings.NothingToSettle, id=oid, investor=alice.address):
        offerings.refund(oid, sender=alice)


def test_nothing_sold_fails(sale: Sale, offerings: Any, alice: Any) -> None:
    oid = sale.open()
    sale.end(oid)
    offerings.close(oid, sender=alice)
    assert offerings.offering(oid).status == FAILED


def test_issuer_cancels_and_investors_are_refunded(
    sale: Sale, offerings: Any, musd: Any, issuer: Any, alice: Any
) -> None:
    oid = sale.open()
    sale.subscribe(oid, alice, 10)
    with ape.reverts(offerings.NotIssuer):
        offerings.cancel(oid, sender=alice)
    with ape.reverts(offerings.WrongStatus, id=oid, status=ACTIVE):
        offerings.refund(oid, sender=alice)
    receipt = offerings.cancel(oid, sender=issuer)
    assert receipt.decode_logs(offerings.OfferingCancelled)[0].issuer == issuer.address
    with ape.reverts(offerings.WrongStatus, id=oid, status=CANCELLED):
        sale.subscribe(oid, alice, 10)
    with ape.reverts(offerings.WrongStatus, id=oid, status=CANCELLED):
        offerings.cancel(oid, sender=issuer)
    before = musd.balanceOf(alice)
    offerings.refund(oid, sender=alice)
    assert musd.balanceOf(alice) == before + 100 * MUSD


def test_unknown_offering(offerings: Any, alice: Any) -> None:
    with ape.reverts(offerings.UnknownOffering, id=9):
        offerings.subscribe(9, 1, sender=alice)


def test_one_contract_serves_many_tokens(
    project: Any,
    sale: Sale,
    offerings: Any,
    registry: Any,
    deployer: Any,
    issuer: Any,
    musd: Any,
    treasury: Any,
    alice: Any,
) -> None:
    other = container(project, "SecurityToken").deploy(
        "Beta",
        "BETA",
        0,
        registry,
        deployer,
        project.SecurityTokenAdmin.deploy(sender=deployer),
        sender=deployer,
    )
    other.grantRole(other.ISSUER_ROLE(), offerings, sender=deployer)
    other.grantRole(other.ISSUER_ROLE(), deployer, sender=deployer)
    first = sale.open()
    params = offering_params(other, musd, treasury, sale.chain.pending_timestamp)
    with ape.reverts(offerings.NotIssuer, token=other.address, account=issuer.address):
        offerings.createOffering(params, sender=issuer)
    offerings.createOffering(params, sender=deployer)  # Beta's issuer is the deployer
    second = offerings.offeringCount()
    assert offerings.offering(second).params.token == other.address
    with ape.reverts(offerings.NotIssuer, token=other.address, account=issuer.address):
        offerings.cancel(second, sender=issuer)
    musd.approve(offerings, 10**12, sender=alice)
    offerings.subscribe(first, 10, sender=alice)
    offerings.subscribe(second, 20, sender=alice)
    sale.end(first)
    offerings.close(first, sender=alice)
    offerings.close(second, sender=alice)
    offerings.claimShares(first, sender=alice)
    offerings.claimShares(second, sender=alice)
    assert (sale.token.balanceOf(alice), other.balanceOf(alice)) == (10, 20)


def test_supports_interface(offerings: Any) -> None:
    assert offerings.supportsInterface(keccak(text="supportsInterface(bytes4)")[:4])
    assert not offerings.supportsInterface(b"\xff\xff\xff\xff")
    selectors = [
        "createOffering((address,address,address,uint256,uint256,uint256,uint256,uint256,uint64,uint64,uint64))",
        "subscribe(uint256,uint256)",
        "cancel(uint256)",
        "close(uint256)",
        "claimShares(uint256)",
        "deliver(uint256,address[])",
        "refund(uint256)",
        "refundMany(uint256,address[])",
        "cost(uint256,uint256)",
        "offering(uint256)",
        "subscriptionOf(uint256,address)",
        "offeringCount()",
    ]
    interface_id = 0
    for signature in selectors:
        interface_id ^= int.from_bytes(keccak(text=signature)[:4], "big")
    assert offerings.supportsInterface(interface_id.to_bytes(4, "big"))
