"""The compliance decision, rule by rule: each rule blocks with its own code, status and message,
``canTransfer`` predicts the transfer, and lifting the rule lets the same transfer through."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sectoken.model.restrictions import RESTRICTIONS

from .conftest import DE, FR, KP, US
from .conftest import rules_with as rules

# ERC-1404 codes (contracts/compliance/Restrictions.sol)
SUCCESS, PAUSED, SENDER_NOT_VERIFIED, RECEIVER_NOT_VERIFIED = 0, 1, 2, 3
SENDER_FROZEN, RECEIVER_FROZEN, INSUFFICIENT_BALANCE, FROZEN_BALANCE = 4, 5, 6, 7
SENDER_LOCKED, HOLDING_PERIOD, COUNTRY_NOT_ALLOWED, NOT_ACCREDITED = 8, 9, 10, 11
MAX_HOLDERS, MAX_HOLDERS_COUNTRY, MAX_BALANCE, INVALID_RECEIVER = 12, 13, 14, 15
INSUFFICIENT_ALLOWANCE, INVALID_SENDER = 16, 17
ZERO = "0x" + "00" * 20


def expect_blocked(token: Any, sender: Any, to: Any, value: int, code: int) -> None:
    """canTransfer, detectTransferRestriction and the transfer itself agree on `code`."""
    ok, status, reason = token.canTransfer(to, value, b"", sender=sender)
    assert not ok
    assert int.from_bytes(reason, "big") == code
    assert status == token.statusForTransferRestriction(code)
    assert token.detectTransferRestriction(sender, to, value) == code
    message = token.messageForTransferRestriction(code)
    with ape.reverts(token.TransferRestricted, code=code, reason=message):
        token.transfer(to, value, sender=sender)


def expect_allowed(token: Any, sender: Any, to: Any, value: int) -> None:
    ok, status, reason = token.canTransfer(to, value, b"", sender=sender)
    assert ok and status == b"\x51" and int.from_bytes(reason, "big") == SUCCESS
    before = token.balanceOf(to)
    token.transfer(to, value, sender=sender)
    assert token.balanceOf(to) == before + value


def test_transfer_between_verified_holders(funded: Any, alice: Any, bob: Any) -> None:
    expect_allowed(funded, alice, bob, 10)


def test_every_code_has_a_distinct_message(token: Any) -> None:
    messages = [token.messageForTransferRestriction(code) for code in range(25)]
    assert len(set(messages)) == 25
    assert token.messageForTransferRestriction(200) == "Unknown restriction code"


def test_python_mirror_matches_the_contract(token: Any) -> None:
    """sectoken.model.restrictions (pre-flight, error decoding) says what the token says."""
    for code, rule in RESTRICTIONS.items():
        assert token.messageForTransferRestriction(code) == rule.message
        assert token.statusForTransferRestriction(code) == bytes([rule.status])
    assert token.messageForTransferRestriction(max(RESTRICTIONS) + 1) == "Unknown restriction code"


def test_pause(funded: Any, compliance_officer: Any, alice: Any, bob: Any) -> None:
    funded.pause(sender=compliance_officer)
    assert funded.paused()
    expect_blocked(funded, alice, bob, 1, PAUSED)
    with ape.reverts(funded.PauseUnchanged):
        funded.pause(sender=compliance_officer)
    funded.unpause(sender=compliance_officer)
    expect_allowed(funded, alice, bob, 1)


def test_receiver_without_record(funded: Any, alice: Any, accounts: Any) -> None:
    expect_blocked(funded, alice, accounts[9], 1, RECEIVER_NOT_VERIFIED)


def test_receiver_kyc_expired(funded: Any, verify: Any, alice: Any, bob: Any, chain: Any) -> None:
    expiry = chain.pending_timestamp + 1000
    verify(bob, kyc_expiry=expiry)
    chain.mine(timestamp=expiry)  # at expiry the KYC no longer holds
    expect_blocked(funded, alice, bob, 1, RECEIVER_NOT_VERIFIED)


def test_sender_kyc_expired(funded: Any, verify: Any, alice: Any, bob: Any, chain: Any) -> None:
    expiry = chain.pending_timestamp + 1000
    verify(alice, kyc_expiry=expiry)
    chain.mine(timestamp=expiry + 1)
    expect_blocked(funded, alice, bob, 1, SENDER_NOT_VERIFIED)


def test_registry_freeze_blocks_both_directions(
    funded: Any, registry: Any, compliance_officer: Any, alice: Any, bob: Any
) -> None:
    registry.setFrozen(bob, True, sender=compliance_officer)
    expect_blocked(funded, alice, bob, 1, RECEIVER_FROZEN)
    expect_blocked(funded, bob, alice, 1, SENDER_FROZEN)


def test_token_freeze_blocks_both_directions(
    funded: Any, compliance_officer: Any, alice: Any, bob: Any
) -> None:
    receipt = funded.setWalletFrozen(bob, True, sender=compliance_officer)
    assert receipt.decode_logs(funded.WalletFrozen)[0].frozen
    expect_blocked(funded, alice, bob, 1, RECEIVER_FROZEN)
    expect_blocked(funded, bob, alice, 1, SENDER_FROZEN)
    funded.setWalletFrozen(bob, False, sender=compliance_officer)
    expect_allowed(funded, bob, alice, 1)


def test_partial_freeze(funded: Any, compliance_officer: Any, alice: Any, bob: Any) -> None:
    funded.freezePartial(alice, 900, sender=compliance_officer)
    assert funded.walletState(alice).frozenAmount == 900
    expect_blocked(funded, alice, bob, 101, FROZEN_BALANCE)
    expect_allowed(funded, alice, bob, 100)
    with ape.reverts(funded.FreezeExceedsBalance, wallet=alice.address, requested=1, available=0):
        funded.freezePartial(alice, 1, sender=compliance_officer)
    with ape.reverts(funded.UnfreezeExceedsFrozen):
        funded.unfreezePartial(alice, 901, sender=compliance_officer)
    funded.unfreezePartial(alice, 900, sender=compliance_officer)
    expect_allowed(funded, alice, bob, 900)


def test_insufficient_balance(funded: Any, alice: Any, bob: Any) -> None:
    expect_blocked(funded, alice, bob, 1001, INSUFFICIENT_BALANCE)


def test_lockup(funded: Any, verify: Any, alice: Any, bob: Any, chain: Any) -> None:
    unlock = chain.pending_timestamp + 10_000
    verify(alice, lockup_until=unlock)
    expect_blocked(funded, alice, bob, 1, SENDER_LOCKED)
    # Receiving is not restricted by the receiver's own lockup.
    expect_allowed(funded, bob, alice, 1)
    chain.mine(timestamp=unlock)
    expect_allowed(funded, alice, bob, 1)


def test_holding_period_after_issuance(
    suite: Any, compliance_officer: Any, issuer: Any, alice: Any, bob: Any, chain: Any
) -> None:
    suite.setRules(rules(holdingPeriod=3600), sender=compliance_officer)
    suite.issue(alice, 10, b"", sender=issuer)
    issued_at = suite.walletState(alice).acquiredAt
    expect_blocked(suite, alice, bob, 1, HOLDING_PERIOD)
    chain.mine(timestamp=issued_at + 3600)
    expect_allowed(suite, alice, bob, 1)
    # bob received by transfer, not issuance: no holding period for him
    expect_allowed(suite, bob, alice, 1)


def test_country_block_list(
    funded: Any, verify: Any, compliance_officer: Any, alice: Any, carol: Any
) -> None:
    verify(carol, KP)
    expect_allowed(funded, alice, carol, 1)
    receipt = funded.setCountryRule(KP, True, 0, sender=compliance_officer)
    assert receipt.decode_logs(funded.CountryRuleUpdated)[0].country == KP
    expect_blocked(funded, alice, carol, 1, COUNTRY_NOT_ALLOWED)


def test_country_allow_list(
    funded: Any, verify: Any, compliance_officer: Any, alice: Any, bob: Any
) -> None:
    funded.setRules(rules(countryAllowList=True), sender=compliance_officer)
    expect_blocked(funded, alice, bob, 1, COUNTRY_NOT_ALLOWED)
    funded.setCountryRules([US, DE], [True, True], [0, 0], sender=compliance_officer)
    expect_allowed(funded, alice, bob, 1)
    verify(bob, FR)
    expect_blocked(funded, alice, bob, 1, COUNTRY_NOT_ALLOWED)


def test_accreditation(
    funded: Any, verify: Any, compliance_officer: Any, alice: Any, carol: Any
) -> None:
    verify(carol, accredited=False)
    funded.setRules(rules(requireAccreditation=True), sender=compliance_officer)
    expect_blocked(funded, alice, carol, 1, NOT_ACCREDITED)
    verify(carol, accredited=True)
    expect_allowed(funded, alice, carol, 1)


def test_max_holders(
    funded: Any, compliance_officer: Any, alice: Any, bob: Any, carol: Any
) -> None:
    assert funded.holderCount() == 2
    funded.setRules(rules(maxHolders=2), sender=compliance_officer)
    expect_blocked(funded, alice, carol, 1, MAX_HOLDERS)
    # Moving a whole balance swaps holders: the count does not grow.
    expect_allowed(funded, bob, carol, 500)
    assert funded.holderCount() == 2
    # Transfers between existing holders are fine at the limit.
    expect_allowed(funded, alice, carol, 1)


def test_max_holders_per_country(
    funded: Any, verify: Any, compliance_officer: Any, alice: Any, bob: Any, carol: Any
) -> None:
    verify(bob, DE)
    verify(carol, DE)
    funded.setCountryRule(DE, False, 1, sender=compliance_officer)
    # bob was issued as US (counted under US at the time), so DE has no holder yet.
    assert funded.countryRule(DE).holders == 0
    expect_allowed(funded, alice, carol, 1)
    assert funded.countryRule(DE).holders == 1
    # bob leaves (he is counted under US, where he joined), then tries to join again as DE
    funded.transfer(alice, 500, sender=bob)
    assert funded.countryRule(US).holders == 1
    expect_blocked(funded, alice, bob, 1, MAX_HOLDERS_COUNTRY)


def test_max_balance_absolute(funded: Any, compliance_officer: Any, alice: Any, bob: Any) -> None:
    funded.setRules(rules(maxBalance=600), sender=compliance_officer)
    expect_blocked(funded, alice, bob, 101, MAX_BALANCE)
    expect_allowed(funded, alice, bob, 100)


def test_max_balance_share_of_supply(
    funded: Any, compliance_officer: Any, issuer: Any, alice: Any, bob: Any, carol: Any
) -> None:
    funded.setRules(rules(maxBalanceBps=5000), sender=compliance_officer)  # 50% of 1,500 = 750
    expect_blocked(funded, alice, bob, 251, MAX_BALANCE)
    expect_allowed(funded, alice, bob, 250)
    # the share cap does not bind issuance (bob may be issued past 750) ...
    assert funded.detectTransferRestriction(ZERO, bob, 100) == SUCCESS
    # ... and follows the supply: 1,600 after issuing 100 -> cap 800
    funded.issue(carol, 100, b"", sender=issuer)
    assert funded.detectTransferRestriction(alice, bob, 50) == SUCCESS
    assert funded.detectTransferRestriction(alice, bob, 51) == MAX_BALANCE


def test_first_issuance_under_share_cap_and_absolute_cap_on_issuance(
    suite: Any, compliance_officer: Any, issuer: Any, alice: Any
) -> None:
    suite.setRules(rules(maxBalanceBps=1000, maxBalance=500), sender=compliance_officer)
    suite.issue(alice, 500, b"", sender=issuer)  # 100% of supply: issuance ignores the share cap
    assert suite.detectTransferRestriction(ZERO, alice, 1) == MAX_BALANCE  # the absolute cap binds
    with ape.reverts(suite.TransferRestricted, code=MAX_BALANCE):
        suite.issue(alice, 1, b"", sender=issuer)


def test_invalid_receiver_and_sender(funded: Any, alice: Any) -> None:
    zero = "0x" + "00" * 20
    ok, status, reason = funded.canTransfer(zero, 1, b"", sender=alice)
    assert not ok and int.from_bytes(reason, "big") == INVALID_RECEIVER and status == b"\x57"
    ok, _, reason = funded.canTransferFrom(zero, alice, 1, b"", sender=alice)
    assert not ok and int.from_bytes(reason, "big") == INVALID_SENDER


def test_can_transfer_from_checks_allowance(funded: Any, alice: Any, bob: Any, carol: Any) -> None:
    ok, status, reason = funded.canTransferFrom(alice, bob, 5, b"", sender=carol)
    assert not ok and status == b"\x53" and int.from_bytes(reason, "big") == INSUFFICIENT_ALLOWANCE
    funded.approve(carol, 5, sender=alice)
    ok, _, _ = funded.canTransferFrom(alice, bob, 5, b"", sender=carol)
    assert ok
    funded.transferFrom(alice, bob, 5, sender=carol)


def test_rules_view_and_event(token: Any, compliance_officer: Any) -> None:
    wanted = rules(
        requireAccreditation=True,
        maxHolders=99,
        holdingPeriod=60,
        maxBalance=10**6,
        maxBalanceBps=2500,
        minPosition=25 * 10**21,
    )
    receipt = token.setRules(wanted, sender=compliance_officer)
    assert tuple(token.rules()) == wanted
    assert len(receipt.decode_logs(token.RulesUpdated)) == 1


@pytest.mark.parametrize("bps", [10_001, 65_535])
def test_rules_bad_bps(token: Any, compliance_officer: Any, bps: int) -> None:
    with ape.reverts(token.InvalidBps):
        token.setRules(rules(maxBalanceBps=bps), sender=compliance_officer)


@pytest.mark.parametrize("country", [0, 1000])
def test_country_rule_bad_country(token: Any, compliance_officer: Any, country: int) -> None:
    with ape.reverts(token.InvalidCountry):
        token.setCountryRule(country, True, 0, sender=compliance_officer)


def test_country_rules_length_mismatch(token: Any, compliance_officer: Any) -> None:
    with ape.reverts(token.LengthMismatch):
        token.setCountryRules([US, DE], [True], [0, 0], sender=compliance_officer)


def test_decimals_and_registry(token: Any, registry: Any) -> None:
    assert token.decimals() == 0
    assert token.registry() == registry.address
