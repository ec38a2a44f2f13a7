"""Every token-moving entry point against a non-verified, expired, frozen, blocked-country and
locked wallet. Receiving rules bind transfer, transferFrom, the *WithData variants and issue;
sending rules bind the same transfers and (for freezes) redemption; controller operations are the
one documented bypass and say so in their events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest

from .conftest import KP, record

ZERO = "0x" + "00" * 20
BAD_KINDS = ["unverified", "expired", "frozen", "blocked_country", "locked"]

# What the compliance decision answers when the bad wallet receives / sends.
RECEIVE_CODE = {"unverified": 3, "expired": 3, "frozen": 5, "blocked_country": 10, "locked": 0}
SEND_CODE = {"unverified": 2, "expired": 2, "frozen": 4, "blocked_country": 0, "locked": 8}
REDEEM_CODE = {"unverified": 0, "expired": 0, "frozen": 4, "blocked_country": 0, "locked": 0}


def make_bad(kind: str, wallet: Any, registry: Any, token: Any, officer: Any, chain: Any) -> None:
    if kind == "unverified":
        registry.removeInvestor(wallet, sender=officer)
    elif kind == "expired":
        expiry = chain.pending_timestamp + 5
        registry.setInvestor(wallet, record(kyc_expiry=expiry), sender=officer)
        chain.mine(timestamp=expiry + 1)
    elif kind == "frozen":
        registry.setFrozen(wallet, True, sender=officer)
    elif kind == "blocked_country":
        registry.setInvestor(wallet, record(KP), sender=officer)
        token.setCountryRule(KP, True, 0, sender=officer)
    elif kind == "locked":
        registry.setInvestor(
            wallet, record(lockup_until=chain.pending_timestamp + 10**6), sender=officer
        )
    else:  # pragma: no cover
        raise AssertionError(kind)


@pytest.fixture
def world(
    funded: Any,
    registry: Any,
    issuer: Any,
    compliance_officer: Any,
    carol: Any,
    alice: Any,
    bob: Any,
) -> Any:
    funded.issue(carol, 100, b"", sender=issuer)
    funded.approve(bob, 10**6, sender=alice)
    funded.approve(alice, 10**6, sender=carol)
    return funded


Mover = Callable[[Any, Any, Any, Any], Any]


def receive_movers(issuer: Any, alice: Any, bob: Any) -> dict[str, Mover]:
    return {
        "transfer": lambda t, to, v, _: t.transfer(to, v, sender=alice),
        "transferWithData": lambda t, to, v, _: t.transferWithData(to, v, b"ref", sender=alice),
        "transferFrom": lambda t, to, v, _: t.transferFrom(alice, to, v, sender=bob),
        "transferFromWithData": lambda t, to, v, _: t.transferFromWithData(
            alice, to, v, b"ref", sender=bob
        ),
        "issue": lambda t, to, v, _: t.issue(to, v, b"", sender=issuer),
    }


@pytest.mark.parametrize(
    "entry", ["transfer", "transferWithData", "transferFrom", "transferFromWithData", "issue"]
)
@pytest.mark.parametrize("kind", BAD_KINDS)
def test_receiving(
    world: Any,
    registry: Any,
    compliance_officer: Any,
    chain: Any,
    issuer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    entry: str,
    kind: str,
) -> None:
    make_bad(kind, carol, registry, world, compliance_officer, chain)
    code = RECEIVE_CODE[kind]
    source = ZERO if entry == "issue" else alice.address
    assert world.detectTransferRestriction(source, carol, 7) == code
    move = receive_movers(issuer, alice, bob)[entry]
    before = world.balanceOf(carol)
    if code:
        with ape.reverts(world.TransferRestricted, code=code):
            move(world, carol, 7, None)
        assert world.balanceOf(carol) == before
    else:
        move(world, carol, 7, None)
        assert world.balanceOf(carol) == before + 7


@pytest.mark.parametrize(
    "entry", ["transfer", "transferWithData", "transferFrom", "transferFromWithData"]
)
@pytest.mark.parametrize("kind", BAD_KINDS)
def test_sending(
    world: Any,
    registry: Any,
    compliance_officer: Any,
    chain: Any,
    alice: Any,
    carol: Any,
    entry: str,
    kind: str,
) -> None:
    make_bad(kind, carol, registry, world, compliance_officer, chain)
    code = SEND_CODE[kind]
    movers: dict[str, Callable[[], Any]] = {
        "transfer": lambda: world.transfer(alice, 7, sender=carol),
        "transferWithData": lambda: world.transferWithData(alice, 7, b"", sender=carol),
        "transferFrom": lambda: world.transferFrom(carol, alice, 7, sender=alice),
        "transferFromWithData": lambda: world.transferFromWithData(
            carol, alice, 7, b"", sender=alice
        ),
    }
    assert world.detectTransferRestriction(carol, alice, 7) == code
    if code:
        with ape.reverts(world.TransferRestricted, code=code):
            movers[entry]()
        assert world.balanceOf(carol) == 100
    else:
        movers[entry]()
        assert world.balanceOf(carol) == 93


@pytest.mark.parametrize("entry", ["redeem", "redeemFrom"])
@pytest.mark.parametrize("kind", BAD_KINDS)
def test_redemption(
    world: Any,
    registry: Any,
    compliance_officer: Any,
    chain: Any,
    alice: Any,
    carol: Any,
    entry: str,
    kind: str,
) -> None:
    make_bad(kind, carol, registry, world, compliance_officer, chain)
    code = REDEEM_CODE[kind]
    supply = world.totalSupply()

    def run() -> Any:
        if entry == "redeem":
            return world.redeem(7, b"", sender=carol)
        return world.redeemFrom(carol, 7, b"", sender=alice)

    if code:
        with ape.reverts(world.TransferRestricted, code=code):
            run()
        assert world.totalSupply() == supply
    else:
        receipt = run()
        [event] = receipt.decode_logs(world.Redeemed)
        assert event["from"] == carol.address and event.value == 7
        assert world.totalSupply() == supply - 7


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_controller_transfer_bypasses_rules_but_not_the_receivers_eligibility(
    world: Any,
    registry: Any,
    compliance_officer: Any,
    controller: Any,
    chain: Any,
    alice: Any,
    carol: Any,
    kind: str,
) -> None:
    """The controller overrides every rule on the sending side; on the receiving side it
    overrides lockups but not the receiver's eligibility (ERC-7943 canReceive: record, KYC,
    freeze, country), which makes it revert with ERC7943CannotReceive."""
    make_bad(kind, carol, registry, world, compliance_officer, chain)
    held = world.balanceOf(carol)
    if RECEIVE_CODE[kind]:
        with ape.reverts(world.ERC7943CannotReceive, account=carol.address):
            world.controllerTransfer(alice, carol, 5, b"d", b"court order 42", sender=controller)
    else:
        receipt = world.controllerTransfer(
            alice, carol, 5, b"d", b"court order 42", sender=controller
        )
        [event] = receipt.decode_logs(world.ControllerTransfer)
        assert (event.controller, event.to, event.value, event.operatorData) == (
            controller.address,
            carol.address,
            5,
            b"court order 42",
        )
        held += 5
    world.controllerTransfer(carol, alice, held, b"", b"", sender=controller)
    assert world.balanceOf(carol) == 0


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_controller_redeem_bypasses_rules(
    world: Any,
    registry: Any,
    compliance_officer: Any,
    controller: Any,
    chain: Any,
    carol: Any,
    kind: str,
) -> None:
    make_bad(kind, carol, registry, world, compliance_officer, chain)
    world.setWalletFrozen(carol, True, sender=compliance_officer)
    receipt = world.controllerRedeem(carol, 100, b"", b"regulator", sender=controller)
    [event] = receipt.decode_logs(world.ControllerRedemption)
    assert event.tokenHolder == carol.address and event.operatorData == b"regulator"
    assert world.balanceOf(carol) == 0


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_recovery_refuses_a_bad_target(
    world: Any,
    registry: Any,
    compliance_officer: Any,
    controller: Any,
    chain: Any,
    alice: Any,
    carol: Any,
    kind: str,
) -> None:
    make_bad(kind, carol, registry, world, compliance_officer, chain)
    if kind in ("blocked_country", "locked"):
        # verified in the registry: recovery to it is allowed (the court order decides)
        world.recoverWallet(alice, carol, b"order", sender=controller)
        assert world.balanceOf(carol) == 1100
        return
    with ape.reverts(world.RecoveryTargetInvalid, wallet=carol.address):
        world.recoverWallet(alice, carol, b"order", sender=controller)


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_recovery_from_a_bad_wallet(
    world: Any,
    registry: Any,
    compliance_officer: Any,
    controller: Any,
    chain: Any,
    verify: Any,
    accounts: Any,
    carol: Any,
    kind: str,
) -> None:
    make_bad(kind, carol, registry, world, compliance_officer, chain)
    fresh = accounts[9]
    verify(fresh)
    world.recoverWallet(carol, fresh, b"lost keys", sender=controller)
    assert world.balanceOf(fresh) == 100
    assert world.successorOf(carol) == fresh.address
