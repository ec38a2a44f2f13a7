"""The token-side findings of the independent review (issue 11), one test per attack.

- holder limits filled by unsolicited dust: the minimum position makes each slot cost N units;
- a recovered wallet's freeze lifted so that it trades again while its corporate actions follow
  the successor;
- a frozen or recovered wallet spending the allowances it was given;
- ``recoverWallet`` adding two 128-bit frozen amounts into the holding-period clock;
- a pending record date set by mistake blocking every later one;
- ``Paused``/``Unpaused`` with another layout than OpenZeppelin's under the same topic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
from eth_abi.abi import decode
from eth_utils.crypto import keccak

from ..contracts.conftest import rules_with

BELOW_MIN_POSITION, REMAINDER_BELOW_MIN_POSITION, SPENDER_FROZEN = 21, 22, 23
MAX_HOLDERS = 12


# ------------------------------------------------------------------ Medium: dust in holder slots


def test_holder_limit_dust_attack_costs_the_minimum_position_per_slot(
    token: Any,
    verify: Callable[..., None],
    issuer: Any,
    compliance_officer: Any,
    accounts: Any,
    alice: Any,
) -> None:
    """A verified holder (alice, the attacker) fills the free holder slots of a 99-holder-style
    fund with unsolicited transfers to verified wallets that hold none. With a minimum position
    N configured, 1 unit per slot is refused (code 21); each slot costs N units, which the
    attacker cannot pull back without emptying the wallet (code 22) and so freeing the slot."""
    limit, minimum = 6, 1_000
    victims = [accounts[i] for i in range(5, 10)]  # verified, hold nothing
    for wallet in (alice, *victims):
        verify(wallet)
    token.issue(alice, 100_000, b"", sender=issuer)
    token.setRules(rules_with(maxHolders=limit, minPosition=minimum), sender=compliance_officer)
    assert token.rules().minPosition == minimum

    # Dust: refused, with its own code and message, before any holder slot is taken.
    assert token.detectTransferRestriction(alice, victims[0], 1) == BELOW_MIN_POSITION
    with ape.reverts(token.TransferRestricted, code=BELOW_MIN_POSITION):
        token.transfer(victims[0], 1, sender=alice)
    with ape.reverts(token.TransferRestricted, code=BELOW_MIN_POSITION):
        token.transfer(victims[0], minimum - 1, sender=alice)
    assert token.holderCount() == 1

    # Filling the free slots now costs N units each (plus gas); measured here.
    free_slots = limit - token.holderCount()
    gas = []
    for wallet in victims[:free_slots]:
        gas.append(token.transfer(wallet, minimum, sender=alice).gas_used)
    assert token.holderCount() == limit
    units = free_slots * minimum
    assert token.balanceOf(alice) == 100_000 - units
    print(
        f"\ndust attack with minimum position {minimum:,}: {free_slots} slots cost "
        f"{units:,} units ({free_slots} x {minimum:,}) and {sum(gas):,} gas "
        f"({sum(gas) // free_slots:,} per slot); without the rule: {free_slots} units"
    )

    # The attacker's own wallets cannot hand the units back and keep the slot with dust...
    sybil = victims[0]
    assert token.detectTransferRestriction(sybil, alice, minimum - 1) == (
        REMAINDER_BELOW_MIN_POSITION
    )
    with ape.reverts(token.TransferRestricted, code=REMAINDER_BELOW_MIN_POSITION):
        token.transfer(alice, minimum - 1, sender=sybil)
    with ape.reverts(token.TransferRestricted, code=REMAINDER_BELOW_MIN_POSITION):
        token.redeem(minimum - 1, b"", sender=sybil)
    # ...only the whole position moves, and the slot is freed with it.
    token.transfer(alice, minimum, sender=sybil)
    assert token.holderCount() == limit - 1

    # A holder above the minimum sells down to it, not below.
    assert token.detectTransferRestriction(alice, victims[1], 10) == 0
    left = token.balanceOf(alice)
    assert token.detectTransferRestriction(alice, sybil, left - minimum + 1) == (
        REMAINDER_BELOW_MIN_POSITION
    )
    # Issuance to a new investor obeys the same minimum (a minimum investment).
    newcomer = accounts.generate_test_account()
    verify(newcomer)
    token.transfer(victims[1], minimum, sender=victims[2])  # frees one slot
    assert token.detectTransferRestriction(ape.utils.ZERO_ADDRESS, newcomer, minimum - 1) == (
        BELOW_MIN_POSITION
    )
    token.issue(newcomer, minimum, b"", sender=issuer)


def test_minimum_position_must_be_storable(token: Any, compliance_officer: Any) -> None:
    """The rule is kept exactly (m x 10^e, m <= 32,767) or refused with a named error."""
    token.setRules(rules_with(minPosition=25 * 10**21), sender=compliance_officer)
    assert token.rules().minPosition == 25 * 10**21
    token.setRules(rules_with(minPosition=32_767), sender=compliance_officer)
    assert token.rules().minPosition == 32_767
    with ape.reverts(token.MinPositionNotRepresentable, minPosition=32_768):
        token.setRules(rules_with(minPosition=32_768), sender=compliance_officer)
    token.setRules(rules_with(minPosition=0), sender=compliance_officer)
    assert token.rules().minPosition == 0


# ------------------------------------------------------------------ Low: recovered, then unfrozen


def test_recovered_wallet_cannot_be_unfrozen_to_trade_again(
    funded: Any,
    verify: Callable[..., None],
    controller: Any,
    compliance_officer: Any,
    alice: Any,
    accounts: Any,
) -> None:
    """After a recovery, lifting the lost wallet's freeze would let it trade while its later
    dividends and votes silently go to the successor: the unfreeze is refused."""
    new_wallet = accounts[9]
    verify(new_wallet)
    funded.recoverWallet(alice, new_wallet, b"court order 7", sender=controller)
    assert funded.walletState(alice).frozen
    with ape.reverts(
        funded.RecoveredWalletStaysFrozen, wallet=alice.address, successor=new_wallet.address
    ):
        funded.setWalletFrozen(alice, False, sender=compliance_officer)
    assert funded.walletState(alice).frozen
    funded.setWalletFrozen(alice, True, sender=compliance_officer)  # freezing again is harmless


# ------------------------------------------------------------------ Low: frozen spenders


def test_frozen_or_recovered_spender_cannot_spend_allowances(
    funded: Any,
    verify: Callable[..., None],
    controller: Any,
    compliance_officer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    accounts: Any,
) -> None:
    """carol holds allowances from alice; frozen on the token, or recovered because her key
    was stolen, she may not move alice's tokens (transferFrom, transferFromWithData,
    redeemFrom), and canTransferFrom says so with its own code."""
    funded.approve(carol, 300, sender=alice)
    funded.setWalletFrozen(carol, True, sender=compliance_officer)
    ok, status, reason = funded.canTransferFrom(alice, bob, 10, b"", sender=carol)
    assert not ok and status == b"\x56" and int.from_bytes(reason, "big") == SPENDER_FROZEN
    with ape.reverts(funded.TransferRestricted, code=SPENDER_FROZEN):
        funded.transferFrom(alice, bob, 10, sender=carol)
    with ape.reverts(funded.TransferRestricted, code=SPENDER_FROZEN):
        funded.transferFromWithData(alice, bob, 10, b"", sender=carol)
    with ape.reverts(funded.TransferRestricted, code=SPENDER_FROZEN):
        funded.redeemFrom(alice, 10, b"", sender=carol)

    funded.setWalletFrozen(carol, False, sender=compliance_officer)
    funded.transferFrom(alice, bob, 10, sender=carol)  # unfrozen: allowed again

    # Recovered (stolen key): the thief keeps the allowance but cannot use it.
    carol_new = accounts[9]
    verify(carol_new)
    funded.recoverWallet(carol, carol_new, b"stolen key", sender=controller)
    with ape.reverts(funded.TransferRestricted, code=SPENDER_FROZEN):
        funded.transferFrom(alice, bob, 10, sender=carol)
    assert funded.allowance(alice, carol) == 290
    # The compliant transfer path is unchanged: alice still moves her own tokens.
    funded.transfer(bob, 10, sender=alice)


# ------------------------------------------------------------------ Low: frozen sum overflow


def test_recovery_cannot_overflow_frozen_amount_into_holding_clock(
    token: Any,
    verify: Callable[..., None],
    issuer: Any,
    compliance_officer: Any,
    controller: Any,
    alice: Any,
    bob: Any,
) -> None:
    """Both wallets have 2^128 - 1 frozen; the sum does not fit the 128-bit field. Before the
    fix it spilled into the holding-period clock and left 2^128 units movable while the event
    reported the full amount; now the checked writer refuses the recovery."""
    verify(alice)
    verify(bob)
    big = 2**128 - 1
    token.issue(alice, big, b"", sender=issuer)
    token.issue(bob, big, b"", sender=issuer)
    token.freezePartial(alice, big, sender=compliance_officer)
    token.freezePartial(bob, big, sender=compliance_officer)
    with ape.reverts(token.PackedFieldOverflow, shift=0, bits=128, value=2 * big):
        token.recoverWallet(alice, bob, b"court order", sender=controller)
    # Nothing moved, nothing spilled.
    assert token.walletState(bob).frozenAmount == big
    assert token.balanceOf(alice) == big
    # Freezing more than 128 bits directly is refused the same way (no silent truncation).
    token.issue(alice, 1, b"", sender=issuer)
    with ape.reverts(token.PackedFieldOverflow):
        token.freezePartial(alice, 1, sender=compliance_officer)


# ------------------------------------------------------------------ Info: cancel a record date


def test_pending_record_date_set_by_mistake_can_be_cancelled(
    funded: Any, chain: Any, issuer: Any, alice: Any, bob: Any, mallory: Any
) -> None:
    """A record date set in the wrong year blocks every later one: the issuer cancels it (the
    latest, pending one only); the next record date takes its id."""
    now = chain.pending_timestamp
    funded.scheduleRecordDate(now + 10, sender=issuer)
    chain.mine(timestamp=now + 11)
    first_passed = funded.latestRecordDateId()
    wrong = chain.pending_timestamp + 365 * 86_400
    funded.scheduleRecordDate(wrong, sender=issuer)
    rid = funded.latestRecordDateId()
    with ape.reverts(funded.RecordDatePending):
        funded.scheduleRecordDate(chain.pending_timestamp + 100, sender=issuer)
    with ape.reverts(funded.AccessControlUnauthorizedAccount):
        funded.cancelRecordDate(rid, sender=mallory)
    with ape.reverts(funded.RecordDateNotPending, id=first_passed):
        funded.cancelRecordDate(first_passed, sender=issuer)  # passed: history stays
    with ape.reverts(funded.RecordDateNotPending, id=rid + 1):
        funded.cancelRecordDate(rid + 1, sender=issuer)

    receipt = funded.cancelRecordDate(rid, sender=issuer)
    logs = receipt.decode_logs(funded.RecordDateCancelled)
    cancelled = [(e.event_arguments["id"], e.event_arguments["timestamp"]) for e in logs]
    assert cancelled == [(rid, wrong)]
    assert funded.latestRecordDateId() == first_passed
    with ape.reverts(funded.RecordDateNotReached):
        funded.recordDate(rid)
    with ape.reverts(funded.RecordDateNotPending, id=rid):
        funded.cancelRecordDate(rid, sender=issuer)  # a second cancel has nothing to cancel

    # Transfers and the passed record date are unaffected; the right date takes the id.
    funded.transfer(bob, 5, sender=alice)
    assert funded.balanceOfAt(alice, first_passed) == 1000
    right = chain.pending_timestamp + 50
    funded.scheduleRecordDate(right, sender=issuer)
    assert funded.latestRecordDateId() == rid
    assert funded.recordDate(rid) == right


# ------------------------------------------------------------------ event layout


def test_pause_events_use_openzeppelin_layout(token: Any, compliance_officer: Any) -> None:
    """Paused/Unpaused share their topic with OpenZeppelin Pausable's events; indexers decode
    them with that ABI: no indexed argument, the account in the data."""
    for call, name in ((token.pause, "Paused"), (token.unpause, "Unpaused")):
        receipt = call(sender=compliance_officer)
        (log,) = [lg for lg in receipt.logs if lg["address"] == token.address]
        topics = [bytes(t) for t in log["topics"]]
        assert topics == [keccak(text=f"{name}(address)")]
        (account,) = decode(["address"], bytes(log["data"]))
        assert account.lower() == compliance_officer.address.lower()
