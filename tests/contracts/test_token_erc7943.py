"""ERC-7943 (uRWA, fungible) conformance of the token, from the standard's text.

canSend/canReceive: account-level, never revert, no amount. canTransfer(from, to, amount): false
for pause, freezes (the amount above the unfrozen part), lockups, caps; not for a plain balance
shortfall. setFrozenTokens: absolute, may exceed the balance, emits Frozen. forcedTransfer:
restricted, Frozen before Transfer when frozen tokens are taken, ForcedTransfer, and a receiver
that canReceive refuses makes it revert (controllerTransfer too). ERC-165 id 0x3edbb4c4.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_utils.crypto import keccak

from ..contracts.conftest import KP, rules_with

ERC7943_ID = 0x3EDBB4C4
ZERO = "0x0000000000000000000000000000000000000000"


def interface_id(abi: list[Any]) -> int:
    """XOR of the selectors of the functions an interface declares (ERC-165): those inherited
    from IERC165 (supportsInterface) are not part of its id, as type(I).interfaceId has it."""
    value = 0
    for entry in abi:
        if entry.type == "function" and entry.name != "supportsInterface":
            value ^= int.from_bytes(keccak(text=entry.selector)[:4], "big")
    return value


def can_transfer(token: Any, sender: Any, receiver: Any, amount: int) -> bool:
    """ERC-7943's canTransfer(address,address,uint256), called by its own ABI entry (Ape picks
    among same-arity overloads by what the arguments encode to, and an account encodes as a
    uint256 too: ERC-1594's canTransfer(address,uint256,bytes) would be taken)."""
    from ape.contracts.base import ContractCallHandler

    [abi] = [
        m
        for m in token.contract_type.view_methods
        if m.name == "canTransfer"
        and [i.type for i in m.inputs] == ["address", "address", "uint256"]
    ]
    return bool(ContractCallHandler(token, [abi])(sender, receiver, amount))


@pytest.fixture
def outsider(accounts: Any) -> Any:
    return accounts[8]


def test_interface_id_comes_from_the_compiled_interface(project: Any, token: Any) -> None:
    abi = project.IERC7943Fungible.contract_type.abi
    assert interface_id(abi) == ERC7943_ID
    assert token.supportsInterface(ERC7943_ID.to_bytes(4, "big"))
    assert token.supportsInterface(bytes.fromhex("01ffc9a7"))  # IERC165
    assert token.supportsInterface(bytes.fromhex("7965db0b"))  # IAccessControl
    assert token.supportsInterface(bytes.fromhex("36372b07"))  # IERC20
    assert not token.supportsInterface(bytes.fromhex("ffffffff"))


def test_can_send_and_can_receive_are_account_level(
    funded: Any,
    registry: Any,
    verify: Callable[..., None],
    compliance_officer: Any,
    chain: Any,
    alice: Any,
    bob: Any,
    outsider: Any,
) -> None:
    assert funded.canSend(alice) and funded.canReceive(alice)
    assert not funded.canSend(ZERO) and not funded.canReceive(ZERO)
    # no record: may not receive; it holds nothing, but nothing freezes it either
    assert funded.canSend(outsider) and not funded.canReceive(outsider)
    funded.setWalletFrozen(alice, True, sender=compliance_officer)
    assert not funded.canSend(alice) and not funded.canReceive(alice)
    registry.setFrozen(bob, True, sender=compliance_officer)
    assert not funded.canSend(bob) and not funded.canReceive(bob)
    # an expired KYC stops receiving; sending in the ERC's sense (redemption) stays open
    expiry = chain.pending_timestamp + 5
    verify(outsider, kyc_expiry=expiry)
    assert funded.canReceive(outsider)
    chain.mine(timestamp=expiry + 1)
    assert funded.canSend(outsider) and not funded.canReceive(outsider)
    # jurisdiction: a blocked country cannot receive
    verify(outsider, KP)
    assert funded.canReceive(outsider)
    funded.setCountryRule(KP, True, 0, sender=compliance_officer)
    assert not funded.canReceive(outsider)


def test_can_transfer_follows_the_decision_but_not_a_balance_shortfall(
    funded: Any, compliance_officer: Any, alice: Any, bob: Any, outsider: Any
) -> None:
    assert can_transfer(funded, alice, bob, 10)
    assert can_transfer(funded, alice, bob, 5_000)  # above the balance: ERC-20's matter, not ours
    assert not can_transfer(funded, alice, outsider, 10)  # cannot receive
    assert not can_transfer(funded, ZERO, bob, 10) and not can_transfer(funded, alice, ZERO, 10)
    funded.setFrozenTokens(alice, 995, sender=compliance_officer)
    assert can_transfer(funded, alice, bob, 5) and not can_transfer(funded, alice, bob, 6)
    funded.setFrozenTokens(alice, 0, sender=compliance_officer)
    funded.setRules(rules_with(maxBalance=600), sender=compliance_officer)
    assert can_transfer(funded, alice, bob, 100) and not can_transfer(funded, alice, bob, 101)
    funded.setRules(rules_with(), sender=compliance_officer)
    funded.pause(sender=compliance_officer)
    assert not can_transfer(funded, alice, bob, 10)


def test_set_frozen_tokens_is_absolute_and_may_exceed_the_balance(
    funded: Any, compliance_officer: Any, issuer: Any, alice: Any, bob: Any
) -> None:
    receipt = funded.setFrozenTokens(alice, 1500, sender=compliance_officer)
    assert [(e.account, e.amount) for e in funded.Frozen.from_receipt(receipt)] == [
        (alice.address, 1500)
    ]
    assert funded.getFrozenTokens(alice) == 1500 == funded.walletState(alice).frozenAmount
    with ape.reverts(funded.TransferRestricted, code=7):  # FROZEN_BALANCE
        funded.transfer(bob, 1, sender=alice)
    funded.issue(alice, 600, b"", sender=issuer)  # future receipts are withheld up to 1500
    funded.transfer(bob, 100, sender=alice)
    funded.setFrozenTokens(alice, 200, sender=compliance_officer)  # overwrites, not adds
    assert funded.getFrozenTokens(alice) == 200
    funded.unfreezePartial(alice, 50, sender=compliance_officer)  # the same amount, by a delta
    assert funded.getFrozenTokens(alice) == 150
    with ape.reverts(funded.AccessControlUnauthorizedAccount):
        funded.setFrozenTokens(alice, 0, sender=issuer)
    with ape.reverts():
        funded.setFrozenTokens(alice, 2**128, sender=compliance_officer)


def test_forced_transfer_releases_frozen_tokens_first_and_overrides_the_rules(
    funded: Any, compliance_officer: Any, controller: Any, alice: Any, bob: Any
) -> None:
    funded.setFrozenTokens(alice, 800, sender=compliance_officer)
    funded.pause(sender=compliance_officer)
    receipt = funded.forcedTransfer(alice, bob, 900, sender=controller)
    names = [log.event_name for log in receipt.events]
    assert names.index("Frozen") < names.index("Transfer") < names.index("ForcedTransfer")
    assert [(e.account, e.amount) for e in funded.Frozen.from_receipt(receipt)] == [
        (alice.address, 100)
    ]
    [forced] = funded.ForcedTransfer.from_receipt(receipt)
    assert (forced["from"], forced.to, forced.amount) == (alice.address, bob.address, 900)
    assert (funded.balanceOf(alice), funded.balanceOf(bob)) == (100, 1400)
    with ape.reverts(funded.AccessControlUnauthorizedAccount):
        funded.forcedTransfer(bob, alice, 1, sender=compliance_officer)


def test_a_frozen_amount_above_the_balance_keeps_its_excess_after_a_forced_move(
    funded: Any, compliance_officer: Any, controller: Any, alice: Any, bob: Any
) -> None:
    funded.setFrozenTokens(alice, 1500, sender=compliance_officer)
    funded.forcedTransfer(alice, bob, 300, sender=controller)
    assert funded.getFrozenTokens(alice) == 1200  # all 300 came out of the frozen amount


@pytest.mark.parametrize("path", ["forcedTransfer", "controllerTransfer"])
def test_both_forced_paths_refuse_a_receiver_that_cannot_receive(
    path: str,
    funded: Any,
    verify: Callable[..., None],
    compliance_officer: Any,
    controller: Any,
    chain: Any,
    alice: Any,
    outsider: Any,
) -> None:
    def force() -> Any:
        if path == "forcedTransfer":
            return funded.forcedTransfer(alice, outsider, 10, sender=controller)
        return funded.controllerTransfer(alice, outsider, 10, b"", b"order", sender=controller)

    with ape.reverts(funded.ERC7943CannotReceive, account=outsider.address):
        force()  # no record
    expiry = chain.pending_timestamp + 5
    verify(outsider, kyc_expiry=expiry)
    force()
    chain.mine(timestamp=expiry + 1)
    with ape.reverts(funded.ERC7943CannotReceive):
        force()  # KYC expired
    verify(outsider)
    funded.setWalletFrozen(outsider, True, sender=compliance_officer)
    with ape.reverts(funded.ERC7943CannotReceive):
        force()  # frozen
    funded.setWalletFrozen(outsider, False, sender=compliance_officer)
    funded.setWalletFrozen(
        alice, True, sender=compliance_officer
    )  # the sender's freeze: overridden
    force()
    assert funded.balanceOf(outsider) == 20
