"""`ape run trade propose|accept|settle|cancel` end to end: both legs in one transaction, the
token's rule before sending, re-runs that send nothing twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import register

from sectoken.chain.suite import Suite

MUSD = 10**6


@pytest.fixture
def desk(project: Any, suite: Suite, deployer: Any, alice: Any, bob: Any) -> tuple[Any, Any]:
    settlement = project.TradeSettlement.deploy(sender=deployer)
    token = suite.require("token")
    token.setApprovedOperator(settlement, True, sender=deployer)
    coin = project.MockStablecoin.deploy(sender=deployer)
    coin.mint(bob, 1_000 * MUSD, sender=deployer)
    register(suite, deployer, [alice.address, bob.address])
    token.issue(alice, 100, b"", sender=deployer)
    return settlement, coin


def test_trade_commands(
    run: Any,
    suite: Suite,
    desk: tuple[Any, Any],
    alice: Any,
    bob: Any,
    carol: Any,
    deployments: Path,
) -> None:
    settlement, coin = desk
    token = suite.require("token")
    where = ("--settlement", settlement.address, "--deployments", deployments)

    def propose(buyer: Any, *extra: Any, expect: int = 0) -> Any:
        return run(
            "trade",
            "propose",
            "--seller",
            alice.address,
            "--buyer",
            buyer.address,
            "--shares",
            "10",
            "--asset",
            coin.address,
            "--amount",
            "120",
            "--expiry",
            "2099-01-01",
            *where,
            "--account",
            "TEST::4",
            *extra,
            expect=expect,
        )

    assert "trade 1:" in propose(bob).output
    assert "already done" in propose(bob).output
    assert settlement.tradeCount() == 1
    assert token.allowance(alice, settlement) == 10  # proposing approved the seller's leg

    waiting = run("trade", "settle", 1, *where, "--account", "TEST::4", expect=2)
    assert "waits for the buyer to accept" in waiting.output
    assert "accepted trade 1" in run("trade", "accept", 1, *where, "--account", "TEST::5").output
    assert coin.balanceOf(settlement) == 120 * MUSD  # bob's payment, held from his acceptance
    status = run("trade", "status", 1, *where).output
    assert "Trade 1 (proposed)" in status and "payment held" in status and "120 mUSD" in status
    again = run("trade", "accept", 1, *where, "--account", "TEST::5")
    assert "already accepted" in again.output
    assert coin.allowance(bob, settlement) == 0  # the re-run approved nothing again
    settled = run("trade", "settle", 1, *where, "--account", "TEST::5")
    assert "trade 1 settled: both legs moved" in settled.output
    assert (token.balanceOf(alice), token.balanceOf(bob)) == (90, 10)
    assert coin.balanceOf(alice) == 120 * MUSD
    assert "already settled" in run("trade", "settle", 1, *where, "--account", "TEST::4").output
    assert "Trade 1 (settled)" in run("trade", "status", 1, *where).output
    assert "trade 9 does not exist" in run("trade", "status", 9, *where, expect=2).output
    late = run("trade", "cancel", 1, *where, "--account", "TEST::4", expect=2)
    assert "has settled" in late.output

    refused = propose(carol, expect=2)  # carol has no registry record
    assert "code 3" in refused.output and "Receiver is not verified" in refused.output
    assert "Traceback" not in refused.output

    propose(bob, "--again")
    bob_usd = coin.balanceOf(bob)
    run("trade", "accept", 2, *where, "--account", "TEST::5")
    assert coin.balanceOf(bob) == bob_usd - 120 * MUSD
    cancelled = run("trade", "cancel", 2, *where, "--account", "TEST::5").output
    assert "trade 2 cancelled" in cancelled and "returned to the buyer" in cancelled
    assert (coin.balanceOf(bob), coin.balanceOf(settlement)) == (bob_usd, 0)
    assert "already cancelled" in run("trade", "cancel", 2, *where, "--account", "TEST::4").output
    stranger = run("trade", "cancel", 2, *where, "--account", "TEST::6", expect=2)
    assert "is not a party to trade 2" in stranger.output
