"""The spender check of transferFrom, transferFromWithData and redeemFrom (issue 12).

A spender other than the owner must be a verified investor (record, valid KYC) not frozen on the
token or in the registry and not recovered (else code 23, SPENDER_FROZEN), or an operator the
compliance officer approved on this token (else code 24, SPENDER_NOT_ALLOWED). An approved
operator's registry record is not read; a token-level freeze still stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest

SPENDER_FROZEN, SPENDER_NOT_ALLOWED = 23, 24
SENDER_FROZEN = 4


@pytest.fixture
def spender(accounts: Any) -> Any:
    return accounts[7]


def can_transfer_from(token: Any, owner: Any, to: Any, value: int, by: Any) -> tuple[bool, int]:
    ok, _status, reason = token.canTransferFrom(owner, to, value, b"", sender=by)
    return ok, int.from_bytes(reason, "big")


def refused(token: Any, owner: Any, to: Any, by: Any, code: int) -> None:
    """Every spending entry point refuses `by` with `code`, and the view says so first."""
    assert can_transfer_from(token, owner, to, 10, by) == (False, code)
    with ape.reverts(token.TransferRestricted, code=code):
        token.transferFrom(owner, to, 10, sender=by)
    with ape.reverts(token.TransferRestricted, code=code):
        token.transferFromWithData(owner, to, 10, b"", sender=by)
    with ape.reverts(token.TransferRestricted, code=code):
        token.redeemFrom(owner, 10, b"", sender=by)


def test_a_verified_spender_moves_tokens(
    funded: Any, verify: Callable[..., None], alice: Any, bob: Any, spender: Any
) -> None:
    verify(spender)
    funded.approve(spender, 100, sender=alice)
    assert can_transfer_from(funded, alice, bob, 10, spender) == (True, 0)
    funded.transferFrom(alice, bob, 10, sender=spender)
    funded.transferFromWithData(alice, bob, 10, b"ref", sender=spender)
    funded.redeemFrom(alice, 10, b"", sender=spender)
    assert (funded.balanceOf(alice), funded.balanceOf(bob)) == (970, 520)
    assert funded.allowance(alice, spender) == 70


def test_a_spender_without_record_or_with_expired_kyc_is_not_allowed(
    funded: Any,
    verify: Callable[..., None],
    chain: Any,
    alice: Any,
    bob: Any,
    spender: Any,
) -> None:
    funded.approve(spender, 100, sender=alice)
    refused(funded, alice, bob, spender, SPENDER_NOT_ALLOWED)  # no record
    expiry = chain.pending_timestamp + 5
    verify(spender, kyc_expiry=expiry)
    funded.transferFrom(alice, bob, 10, sender=spender)
    chain.mine(timestamp=expiry + 1)
    refused(funded, alice, bob, spender, SPENDER_NOT_ALLOWED)  # KYC expired
    assert funded.allowance(alice, spender) == 90


def test_a_spender_frozen_in_the_registry_is_refused_first(
    funded: Any,
    verify: Callable[..., None],
    alice: Any,
    bob: Any,
    spender: Any,
) -> None:
    """The registry freeze of a spender is read (it comes with the parties' records); it is
    refused before the allowance: no allowance at all still answers SPENDER_FROZEN."""
    verify(spender, frozen=True)
    refused(funded, alice, bob, spender, SPENDER_FROZEN)


def test_an_approved_operator_needs_no_record_but_a_token_freeze_stops_it(
    funded: Any,
    verify: Callable[..., None],
    compliance_officer: Any,
    alice: Any,
    bob: Any,
    spender: Any,
) -> None:
    funded.approve(spender, 100, sender=alice)
    receipt = funded.setApprovedOperator(spender, True, sender=compliance_officer)
    assert funded.isApprovedOperator(spender)
    events = funded.ApprovedOperatorSet.from_receipt(receipt)
    assert [(e.officer, e.operator, e.approved) for e in events] == [
        (compliance_officer.address, spender.address, True)
    ]
    assert can_transfer_from(funded, alice, bob, 10, spender) == (True, 0)
    funded.transferFrom(alice, bob, 10, sender=spender)
    # a registry record frozen there is not read for an approved operator
    verify(spender, frozen=True)
    funded.transferFrom(alice, bob, 10, sender=spender)
    funded.setWalletFrozen(spender, True, sender=compliance_officer)
    refused(funded, alice, bob, spender, SPENDER_FROZEN)
    funded.setWalletFrozen(spender, False, sender=compliance_officer)
    funded.setApprovedOperator(spender, False, sender=compliance_officer)
    assert not funded.isApprovedOperator(spender)
    refused(funded, alice, bob, spender, SPENDER_FROZEN)  # back to its frozen registry record
    assert funded.balanceOf(bob) == 520


def test_the_owner_spending_its_own_allowance_is_not_checked_as_a_spender(
    funded: Any, compliance_officer: Any, alice: Any, bob: Any
) -> None:
    """alice frozen on the token is refused as the SENDER (code 4), not as a spender."""
    funded.approve(alice, 100, sender=alice)
    funded.transferFrom(alice, bob, 10, sender=alice)
    funded.setWalletFrozen(alice, True, sender=compliance_officer)
    assert can_transfer_from(funded, alice, bob, 10, alice) == (False, SENDER_FROZEN)
    with ape.reverts(funded.TransferRestricted, code=SENDER_FROZEN):
        funded.transferFrom(alice, bob, 10, sender=alice)


def test_only_the_compliance_officer_approves_operators(
    token: Any, issuer: Any, compliance_officer: Any, spender: Any
) -> None:
    with ape.reverts(token.AccessControlUnauthorizedAccount):
        token.setApprovedOperator(spender, True, sender=issuer)
    with ape.reverts(token.ZeroAddress):
        token.setApprovedOperator(ape.utils.ZERO_ADDRESS, True, sender=compliance_officer)
    assert not token.isApprovedOperator(spender)
