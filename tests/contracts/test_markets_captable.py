"""The cap table (rebuilt from the token's Transfer events) after the money flows: shares issued by
an offering, moved by a settled trade and redeemed by a buy-back all appear, and the replayed
balances match the chain's."""

from __future__ import annotations

from typing import Any

from sectoken.jobs.captable import build_cap_table

from .markets_fixtures import *  # noqa: F403
from .markets_fixtures import DAY, MUSD, buyback_params, offering_params, trade_terms


def test_cap_table_includes_offerings_trades_and_buybacks(
    chain: Any,
    offerings: Any,
    settlement: Any,
    buybacks: Any,
    suite: Any,
    musd: Any,
    issuer: Any,
    treasury: Any,
    alice: Any,
    bob: Any,
    carol: Any,
) -> None:
    start_block = chain.blocks.head.number
    begin = chain.pending_timestamp
    offerings.createOffering(
        offering_params(suite, musd, treasury, begin, duration=DAY), sender=issuer
    )
    for wallet, shares in ((alice, 300), (bob, 200)):
        musd.approve(offerings, 10**12, sender=wallet)
        offerings.subscribe(1, shares, sender=wallet)
    chain.mine(timestamp=begin + DAY)
    offerings.close(1, sender=alice)
    offerings.claimShares(1, sender=alice)
    offerings.deliver(1, [bob], sender=issuer)
    # a trade: alice sells 50 to carol
    settlement.propose(
        trade_terms(suite, alice, carol, musd, 50, 600 * MUSD, begin + 3 * DAY), sender=alice
    )
    suite.approve(settlement, 50, sender=alice)
    musd.approve(settlement, 600 * MUSD, sender=carol)
    settlement.acceptAndSettle(1, sender=carol)
    # a buy-back: bob tenders 80
    musd.approve(buybacks, 10**12, sender=issuer)
    buybacks.createBuyback(buyback_params(suite, musd, begin + 5 * DAY), sender=issuer)
    suite.approve(buybacks, 80, sender=bob)
    buybacks.tender(1, 80, sender=bob)

    table = build_cap_table(chain.provider.web3, suite, start_block=start_block)
    assert table.checked and not table.mismatches and table.supply_matches
    assert table.total_supply == 420
    held = {h.wallet: h.balance for h in table.holders}
    assert held == {alice.address: 250, bob.address: 120, carol.address: 50}
    assert table.transfers == 4  # two issuances, one trade, one redemption
