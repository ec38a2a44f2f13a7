"""The demo's money flows: a primary offering paid in a mock stablecoin and one settled trade.

The market contracts (PrimaryOffering, TradeSettlement) and the mock stablecoin are deployed from
the project, then driven through their ABI: an offering of the suite's token at 10 mUSD a share
(alice and bob subscribe, the offering closes, alice takes delivery and the issuer pushes bob's),
then carol sells 100 shares to bob against 1,200 mUSD, both legs in one transaction. The cap
table printed after it (step 7 of the demo) shows the result, rebuilt from Transfer events.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

from sectoken.chain.suite import Suite, role_id

__all__ = ["run_money_flows"]

DAY = 86_400
MUSD = 10**6


def run_money_flows(project: Any, suite: Suite, accounts: Any, chain: Any, say: Console) -> int:
    """Run the offering and the trade; returns the number of transactions sent."""
    issuer, alice, bob, carol = (accounts[i] for i in range(4))
    treasury = accounts[8]
    token = suite.require("token")
    sent = 0

    def tx(receipt: Any) -> Any:
        nonlocal sent
        sent += 1
        return receipt

    coin = project.MockStablecoin.deploy(sender=issuer)
    offerings = project.PrimaryOffering.deploy(sender=issuer)
    settlement = project.TradeSettlement.deploy(sender=issuer)
    sent += 3
    tx(token.grantRole(role_id("ISSUER_ROLE"), offerings, sender=issuer))
    tx(token.setApprovedOperator(settlement, True, sender=issuer))
    say.print(f"  PrimaryOffering {offerings.address}, TradeSettlement {settlement.address}")
    for wallet in (alice, bob):
        tx(coin.mint(wallet, 100_000 * MUSD, sender=issuer))
        tx(coin.approve(offerings, 100_000 * MUSD, sender=wallet))

    start = int(chain.pending_timestamp)
    params = (
        token,
        coin,
        treasury,
        10 * MUSD,
        10,
        2_000,
        5_000,
        500,
        start,
        start + 7 * DAY,
        30 * DAY,
    )
    tx(offerings.createOffering(params, sender=issuer))
    oid = int(offerings.offeringCount())
    say.print("  [green]✓[/green] offering open: 10 mUSD a share, soft cap 500, hard cap 5,000")
    for wallet, shares in ((alice, 800), (bob, 400)):
        tx(offerings.subscribe(oid, shares, sender=wallet))
        say.print(
            f"  [green]✓[/green] {wallet.address} subscribed {shares} for {shares * 10:,} mUSD"
        )
    chain.mine(timestamp=start + 7 * DAY)
    tx(offerings.close(oid, sender=issuer))
    tx(offerings.claimShares(oid, sender=alice))
    tx(offerings.deliver(oid, [bob], sender=issuer))
    view = offerings.offering(oid)
    say.print(
        f"  [green]✓[/green] closed and delivered: {view.issued:,} shares issued, "
        f"{view.toTreasury // MUSD:,} mUSD at the treasury {treasury.address}"
    )

    expiry = int(chain.pending_timestamp) + DAY
    terms = (token, carol, bob, coin, 100, 1_200 * MUSD, expiry)
    tx(settlement.propose(terms, sender=carol))
    tid = int(settlement.tradeCount())
    tx(token.approve(settlement, 100, sender=carol))
    tx(coin.approve(settlement, 1_200 * MUSD, sender=bob))
    tx(settlement.acceptAndSettle(tid, sender=bob))
    say.print(
        "  [green]✓[/green] trade settled: carol delivered 100 shares, bob paid 1,200 mUSD, "
        "in one transaction"
    )
    return sent
