"""`ape run offering create|status|subscribe|close|refund` end to end: pre-flights with the
token's rule, tables, and re-runs that send nothing twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import register

from sectoken.chain.suite import Suite, role_id

MUSD = 10**6


@pytest.fixture
def market(project: Any, suite: Suite, deployer: Any, alice: Any, bob: Any) -> tuple[Any, Any]:
    offerings = project.PrimaryOffering.deploy(sender=deployer)
    suite.require("token").grantRole(role_id("ISSUER_ROLE"), offerings, sender=deployer)
    coin = project.MockStablecoin.deploy(sender=deployer)
    for wallet in (alice, bob):
        coin.mint(wallet, 10_000 * MUSD, sender=deployer)
    register(suite, deployer, [alice.address, bob.address])
    return offerings, coin


def test_offering_commands(
    run: Any,
    chain: Any,
    suite: Suite,
    market: tuple[Any, Any],
    deployer: Any,
    accounts: Any,
    alice: Any,
    deployments: Path,
) -> None:
    offerings, coin = market
    treasury = accounts[8]
    where = ("--offerings", offerings.address, "--deployments", deployments)
    create = (
        "create",
        "--asset",
        coin.address,
        "--treasury",
        treasury.address,
        "--price",
        "10",
        "--hard-cap",
        "1000",
        "--soft-cap",
        "100",
        "--end",
        "2099-01-01",
        *where,
    )
    created = run("offering", *create)
    assert "offering 1: up to 1000 shares at 10 a share" in created.output
    again = run("offering", *create)
    assert "already done" in again.output
    assert offerings.offeringCount() == 1

    subscribed = run("offering", "subscribe", 1, 50, *where, "--account", "TEST::4")
    assert "subscribed 50 shares in offering 1 for 500 mUSD" in subscribed.output
    assert coin.balanceOf(alice) == 9_500 * MUSD
    nonce = alice.nonce
    repeat = run("offering", "subscribe", 1, 50, *where, "--account", "TEST::4")
    assert "already done" in repeat.output
    assert alice.nonce == nonce and offerings.subscriptionOf(1, alice)[0] == 50

    # carol (TEST::6) has no registry record: refused with the token's rule, nothing sent
    refused = run("offering", "subscribe", 1, 10, *where, "--account", "TEST::6", expect=2)
    assert "code 3" in refused.output and "Receiver is not verified" in refused.output
    assert "Traceback" not in refused.output
    too_many = run("offering", "subscribe", 1, 2000, *where, "--account", "TEST::5", expect=2)
    assert "only 950 shares remain" in too_many.output
    run("offering", "subscribe", 1, 100, *where, "--account", "TEST::5")  # soft cap 100 reached

    early = run("offering", "close", 1, *where, expect=2)
    assert "is not sold out" in early.output
    chain.mine(timestamp=offerings.offering(1).params.end)
    closed = run("offering", "close", 1, *where)
    assert "offering 1 is succeeded" in closed.output
    assert "nothing to do" in run("offering", "close", 1, *where).output
    status = run("offering", "status", 1, *where)
    assert "Offering 1 (succeeded)" in status.output
    assert "150 shares" in status.output
    window = run("offering", "refund", 1, *where, "--account", "TEST::4", expect=2)
    assert "refunds only after that" in window.output


def test_refund_after_a_cancel(
    run: Any,
    chain: Any,
    suite: Suite,
    market: tuple[Any, Any],
    deployer: Any,
    accounts: Any,
    bob: Any,
    deployments: Path,
) -> None:
    offerings, coin = market
    where = ("--offerings", offerings.address, "--deployments", deployments)
    run(
        "offering",
        "create",
        "--asset",
        coin.address,
        "--treasury",
        accounts[8].address,
        "--price",
        "2.5",
        "--hard-cap",
        "400",
        "--end",
        "+3d",
        *where,
    )
    run("offering", "subscribe", 1, 40, *where, "--account", "TEST::5")
    assert coin.balanceOf(bob) == 9_900 * MUSD
    offerings.cancel(1, sender=deployer)
    refunded = run("offering", "refund", 1, *where, "--account", "TEST::5")
    assert "refunded from offering 1" in refunded.output
    assert coin.balanceOf(bob) == 10_000 * MUSD
    assert (
        "nothing to refund" in run("offering", "refund", 1, *where, "--account", "TEST::5").output
    )
    missing = run("offering", "status", 7, *where, expect=2)
    assert "offering 7 does not exist" in missing.output


def test_cancel_then_refund_and_batched_delivery(
    run: Any,
    chain: Any,
    suite: Suite,
    market: tuple[Any, Any],
    deployer: Any,
    accounts: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    deployments: Path,
) -> None:
    offerings, coin = market
    token = suite.require("token")
    where = ("--offerings", offerings.address, "--deployments", deployments)
    register(suite, deployer, [carol.address])
    coin.mint(carol, 1_000 * MUSD, sender=deployer)

    def create() -> None:
        run(
            "offering",
            "create",
            "--asset",
            coin.address,
            "--treasury",
            accounts[8].address,
            "--price",
            "2",
            "--hard-cap",
            "400",
            "--end",
            "+3d",
            *where,
            "--again",
        )

    # offering 1 is cancelled by the issuer; its subscriber takes the refund
    create()
    run("offering", "subscribe", 1, 40, *where, "--account", "TEST::4")
    stranger = run("offering", "cancel", 1, *where, "--account", "TEST::4", expect=2)
    assert "does not hold ISSUER_ROLE" in stranger.output
    cancelled = run("offering", "cancel", 1, *where)
    assert "offering 1 cancelled; 80 mUSD held for refunds" in cancelled.output
    nonce = deployer.nonce
    assert "already cancelled" in run("offering", "cancel", 1, *where).output
    assert deployer.nonce == nonce
    run("offering", "refund", 1, *where, "--account", "TEST::4")
    assert coin.balanceOf(alice) == 10_000 * MUSD

    # offering 2 succeeds and is delivered one investor per transaction; carol's frozen wallet
    # is refused by the token and reported with its rule
    create()
    for account, shares in (("TEST::4", 50), ("TEST::5", 100), ("TEST::6", 30)):
        run("offering", "subscribe", 2, shares, *where, "--account", account)
    early = run("offering", "deliver", 2, "--batch", 1, *where, expect=2)
    assert "is active" in early.output
    chain.mine(timestamp=offerings.offering(2).params.end)
    run("offering", "close", 2, *where)
    token.setWalletFrozen(carol, True, sender=deployer)
    delivered = run("offering", "deliver", 2, "--batch", 1, *where)
    assert delivered.output.count("batch of 1: 1 delivered") == 2
    assert "refused by the token: code" in delivered.output
    assert (token.balanceOf(alice), token.balanceOf(bob), token.balanceOf(carol)) == (50, 100, 0)
    assert offerings.offering(2).toTreasury == 300 * MUSD
    nonce = deployer.nonce
    again = run("offering", "deliver", 2, "--batch", 1, *where)
    assert "nothing to deliver" in again.output and deployer.nonce == nonce
    token.setWalletFrozen(carol, False, sender=deployer)
    last = run("offering", "deliver", 2, "--batch", 5, *where)
    assert "batch of 1: 1 delivered" in last.output and token.balanceOf(carol) == 30
    bad = run("offering", "deliver", 2, "--batch", 0, *where, expect=2)
    assert "Traceback" not in bad.output
