"""Every state-changing selector of the token, from every kind of caller, aimed at a non-verified
wallet: only the controller's forced transfer may put tokens there, and it says so in its event.

``tests/contracts/test_entry_points.py`` checks the known token-moving entry points one by one
against five kinds of bad wallet. This file does not repeat that: it enumerates the compiled
ABI instead (so a function added later is attacked too), calls each function with every address
argument in turn (and all of them) set to the non-verified wallet, from a holder, a spender with
allowances, an unknown account and each role holder, and checks the wallet's balance after each.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sectoken.abi import event

from ..contracts.conftest import record
from .abi_calls import Raw, state_changing, variants

#: (function, caller) pairs allowed to credit a non-verified wallet: none. The forced paths
#: (controllerTransfer, forcedTransfer) override pause, freezes, lockups and caps, not the
#: receiver's eligibility (ERC-7943 canReceive).
BYPASS: set[tuple[str, str]] = set()
KINDS = ["no_record", "kyc_expired", "frozen_in_registry"]


def make_unverified(kind: str, wallet: Any, registry: Any, officer: Any, chain: Any) -> None:
    if kind == "no_record":
        return
    if kind == "kyc_expired":
        expiry = chain.pending_timestamp + 5
        registry.setInvestor(wallet, record(kyc_expiry=expiry), sender=officer)
        chain.mine(timestamp=expiry + 1)
    elif kind == "frozen_in_registry":
        registry.setInvestor(wallet, record(frozen=True), sender=officer)
    assert not registry.isVerified(wallet)


@pytest.mark.parametrize("kind", KINDS)
def test_no_selector_but_the_forced_transfer_credits_an_unverified_wallet(
    chain: Any,
    funded: Any,
    registry: Any,
    issuer: Any,
    compliance_officer: Any,
    controller: Any,
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    mallory: Any,
    kind: str,
) -> None:
    token = funded
    raw = Raw(chain)
    token.issue(carol, 100, b"", sender=issuer)
    callers = {
        "alice": alice,
        "bob": bob,
        "mallory": mallory,
        "issuer": issuer,
        "compliance": compliance_officer,
        "controller": controller,
        "admin": deployer,
    }
    # every holder lets every caller spend: allowances are no obstacle to the attack
    for holder in (alice, bob, carol):
        for spender in callers.values():
            raw.send(token, "approve", [spender, 10**9], holder)
    make_unverified(kind, mallory, registry, compliance_officer, chain)

    transfer_topic = bytes.fromhex(event("SecurityToken", "Transfer").topic[2:])
    forced_topic = bytes.fromhex(event("SecurityToken", "ControllerTransfer").topic[2:])
    credited: set[tuple[str, str]] = set()
    attempts = 0
    for fn, method in sorted(state_changing(token.contract_type).items()):
        for caller_name, caller in callers.items():
            for args in variants(method, target=mallory, other=alice):
                attempts += 1
                if not raw.call(token, fn, args, caller)[0]:
                    continue  # reverts: nothing moved
                snapshot = chain.snapshot()
                receipt = raw.send(token, fn, args, caller)
                if token.balanceOf(mallory) != 0:
                    credited.add((fn, caller_name))
                    topics = [log.topics[0] for log in receipt.logs]
                    assert transfer_topic in topics and forced_topic in topics, (fn, caller_name)
                chain.restore(snapshot)
    assert credited == BYPASS, f"{attempts} attempts; credited the unverified wallet: {credited}"
    assert token.balanceOf(mallory) == 0


def test_an_unverified_spender_may_not_move_tokens_until_approved(
    funded: Any, registry: Any, compliance_officer: Any, alice: Any, bob: Any, mallory: Any
) -> None:
    """The spender is part of the decision: mallory (no registry record) holds an allowance but
    may not use it (code 24, SPENDER_NOT_ALLOWED) until the compliance officer approves her as an
    operator of the token; withdrawing the approval stops her again."""
    assert not registry.isVerified(mallory)
    funded.approve(mallory, 30, sender=alice)
    ok, status, reason = funded.canTransferFrom(alice, bob, 10, b"", sender=mallory)
    assert (ok, status, int.from_bytes(reason, "big")) == (False, b"\x56", 24)
    with ape.reverts(funded.TransferRestricted, code=24):
        funded.transferFrom(alice, bob, 10, sender=mallory)
    funded.setApprovedOperator(mallory, True, sender=compliance_officer)
    funded.transferFrom(alice, bob, 10, sender=mallory)
    funded.setApprovedOperator(mallory, False, sender=compliance_officer)
    with ape.reverts(funded.TransferRestricted, code=24):
        funded.transferFrom(alice, bob, 10, sender=mallory)
    assert (funded.balanceOf(alice), funded.balanceOf(bob), funded.balanceOf(mallory)) == (
        990,
        510,
        0,
    )
