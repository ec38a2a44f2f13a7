"""`ape run buyback create|tender|status` end to end: the deposit and the tendered shares are
approved before the transaction that takes them, the token's own refusal of a redemption comes
back with its rule, and re-runs send nothing twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import register

from sectoken.chain.suite import Suite

MUSD = 10**6


@pytest.fixture
def desk(project: Any, suite: Suite, deployer: Any, alice: Any, bob: Any) -> tuple[Any, Any]:
    buybacks = project.BuybackOffers.deploy(sender=deployer)
    token = suite.require("token")
    token.setApprovedOperator(buybacks, True, sender=deployer)
    coin = project.MockStablecoin.deploy(sender=deployer)
    coin.mint(deployer, 10_000 * MUSD, sender=deployer)
    register(suite, deployer, [alice.address, bob.address])
    token.issue(alice, 100, b"", sender=deployer)
    token.issue(bob, 50, b"", sender=deployer)
    return buybacks, coin


def test_buyback_commands(
    run: Any,
    suite: Suite,
    desk: tuple[Any, Any],
    deployer: Any,
    alice: Any,
    bob: Any,
    deployments: Path,
) -> None:
    buybacks, coin = desk
    token = suite.require("token")
    where = ("--buybacks", buybacks.address, "--deployments", deployments)
    create = (
        "create",
        "--asset",
        coin.address,
        "--price",
        "12.5",
        "--max-shares",
        "60",
        "--deadline",
        "2099-01-01",
        *where,
    )
    created = run("buyback", *create)
    assert "buy-back 1: up to 60 shares at 12.5 a share (first come)" in created.output
    assert "750 deposited" in created.output
    assert "already done" in run("buyback", *create).output
    assert buybacks.buybackCount() == 1
    assert coin.balanceOf(buybacks) == 750 * MUSD

    tendered = run("buyback", "tender", 1, 40, *where, "--account", "TEST::4")
    assert "redeemed for 500 mUSD" in tendered.output
    assert (token.balanceOf(alice), coin.balanceOf(alice)) == (60, 500 * MUSD)
    nonce = alice.nonce
    assert "already done" in run("buyback", "tender", 1, 40, *where, "--account", "TEST::4").output
    assert alice.nonce == nonce and token.balanceOf(alice) == 60

    full = run("buyback", "tender", 1, 30, *where, "--account", "TEST::5", expect=2)
    assert "buys only 20 more shares" in full.output
    token.setWalletFrozen(bob, True, sender=deployer)
    frozen = run("buyback", "tender", 1, 20, *where, "--account", "TEST::5", expect=2)
    assert "Sender wallet is frozen" in frozen.output and "Traceback" not in frozen.output

    status = run("buyback", "status", 1, *where)
    assert "Buy-back 1 (open)" in status.output
    assert "40 shares" in status.output and "500 mUSD" in status.output
    missing = run("buyback", "status", 9, *where, expect=2)
    assert "buy-back 9 does not exist" in missing.output


def test_pro_rata_settle_and_close(
    run: Any,
    chain: Any,
    suite: Suite,
    desk: tuple[Any, Any],
    deployer: Any,
    alice: Any,
    bob: Any,
    deployments: Path,
) -> None:
    """Pro rata, oversubscribed (60 + 30 tendered for 45): the issuer settles every tender, one
    transaction each (alice 30, bob 15 accepted), then closes and takes the rest back."""
    buybacks, coin = desk
    token = suite.require("token")
    where = ("--buybacks", buybacks.address, "--deployments", deployments)
    run(
        "buyback",
        "create",
        "--asset",
        coin.address,
        "--price",
        "2",
        "--max-shares",
        "45",
        "--deadline",
        "+2d",
        "--pro-rata",
        "--settlement-days",
        "3",
        *where,
    )
    run("buyback", "tender", 1, 60, *where, "--account", "TEST::4")
    run("buyback", "tender", 1, 30, *where, "--account", "TEST::5")
    early = run("buyback", "settle", 1, "--all", *where, expect=2)
    assert "settles tenders from" in early.output
    chain.mine(timestamp=buybacks.buyback(1).params.deadline)
    stranger = run("buyback", "settle", 1, "--all", *where, "--account", "TEST::4", expect=2)
    assert "does not hold ISSUER_ROLE" in stranger.output
    not_yet = run("buyback", "close", 1, *where, expect=2)
    assert "it closes after that" in not_yet.output
    settled = run("buyback", "settle", 1, "--all", *where)
    assert "30 of 60 shares redeemed for 60 mUSD" in settled.output
    assert "15 of 30 shares redeemed for 30 mUSD" in settled.output
    assert (token.balanceOf(alice), token.balanceOf(bob)) == (70, 35)
    assert (coin.balanceOf(alice), coin.balanceOf(bob)) == (60 * MUSD, 30 * MUSD)
    nonce = deployer.nonce
    again = run("buyback", "settle", 1, "--all", *where)
    assert "nothing to settle" in again.output and deployer.nonce == nonce
    own = run("buyback", "settle", 1, *where, "--account", "TEST::4")
    assert "has no pending tender" in own.output

    chain.mine(timestamp=buybacks.buyback(1).params.deadline + 3 * 86_400)
    closed = run("buyback", "close", 1, *where)
    assert "buy-back 1 closed: 0 mUSD returned" in closed.output  # 45 bought of 45
    assert "already closed" in run("buyback", "close", 1, *where).output
