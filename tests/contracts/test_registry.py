"""InvestorRegistry: records, batches, events, bad input, access."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sectoken.model.records import InvestorRecord, record_layout, unpack

from .conftest import DE, FAR_FUTURE, US, record


def test_set_investor_stores_packed_record_and_emits_added(
    registry: Any, compliance_officer: Any, alice: Any
) -> None:
    word = record(US, lockup_until=123)
    receipt = registry.setInvestor(alice, word, sender=compliance_officer)
    assert registry.recordOf(alice) == word
    assert registry.isVerified(alice)
    decoded = registry.investor(alice)
    assert (
        decoded.kycExpiry,
        decoded.lockupUntil,
        decoded.country,
        decoded.flags,
        decoded.frozen,
    ) == (
        FAR_FUTURE,
        123,
        US,
        1,
        False,
    )
    events = receipt.decode_logs(registry.InvestorAdded)
    assert [(e.wallet, e.record) for e in events] == [(alice.address, word)]


def test_python_layout_matches_the_contracts_decoding(
    registry: Any, compliance_officer: Any, alice: Any
) -> None:
    """model.records computes the word's layout from the ABI's Investor struct (fields packed
    in order from bit 0); the registry's own ``investor`` view decodes the same word alike."""
    mine = InvestorRecord(
        kyc_expiry=(1 << 64) - 2,
        lockup_until=(1 << 63) + 5,
        country=999,
        accredited=True,
        qualified_purchaser=True,
        affiliate=True,
        withholding=True,
        frozen=True,
    )
    registry.setInvestor(alice, mine.pack(), sender=compliance_officer)
    on_chain = registry.investor(alice)
    back = unpack(int(registry.recordOf(alice)))
    assert back == mine
    expected = {
        "kycExpiry": back.kyc_expiry,
        "lockupUntil": back.lockup_until,
        "country": back.country,
        "flags": int(back.flags),
        "frozen": back.frozen,
    }
    assert list(expected) == list(record_layout())
    assert {name: getattr(on_chain, name) for name in expected} == expected


def test_update_emits_old_and_new_and_identical_is_noop(
    registry: Any, compliance_officer: Any, alice: Any
) -> None:
    old, new = record(US), record(DE, accredited=False)
    registry.setInvestor(alice, old, sender=compliance_officer)
    receipt = registry.setInvestor(alice, new, sender=compliance_officer)
    [event] = receipt.decode_logs(registry.InvestorUpdated)
    assert (event.wallet, event.oldRecord, event.newRecord) == (alice.address, old, new)
    again = registry.setInvestor(alice, new, sender=compliance_officer)
    assert list(again.decode_logs(registry.InvestorUpdated)) == []
    assert list(again.decode_logs(registry.InvestorAdded)) == []


def test_batch_set_and_remove(registry: Any, compliance_officer: Any, accounts: Any) -> None:
    wallets = [accounts[i] for i in range(4, 9)]
    words = [record(US + i) for i in range(5)]
    receipt = registry.setInvestors(wallets, words, sender=compliance_officer)
    assert len(list(receipt.decode_logs(registry.InvestorAdded))) == 5
    assert list(registry.recordsOfMany(wallets)) == words
    receipt = registry.removeInvestors(wallets[:2], sender=compliance_officer)
    removed = receipt.decode_logs(registry.InvestorRemoved)
    assert [(e.wallet, e.oldRecord) for e in removed] == [
        (w.address, r) for w, r in zip(wallets[:2], words[:2], strict=True)
    ]
    assert registry.recordOf(wallets[0]) == 0
    assert not registry.isVerified(wallets[0])


def test_expired_kyc_is_not_verified(
    registry: Any, compliance_officer: Any, alice: Any, chain: Any
) -> None:
    registry.setInvestor(
        alice, record(US, kyc_expiry=chain.pending_timestamp + 100), sender=compliance_officer
    )
    assert registry.isVerified(alice)
    chain.mine(timestamp=chain.pending_timestamp + 200)
    assert not registry.isVerified(alice)


def test_freeze_flag(registry: Any, compliance_officer: Any, alice: Any) -> None:
    registry.setInvestor(alice, record(US), sender=compliance_officer)
    receipt = registry.setFrozen(alice, True, sender=compliance_officer)
    [event] = receipt.decode_logs(registry.InvestorUpdated)
    assert unpack(event.newRecord).frozen and not unpack(event.oldRecord).frozen
    assert not registry.isVerified(alice)
    registry.setFrozen(alice, False, sender=compliance_officer)
    assert registry.isVerified(alice)


@pytest.mark.parametrize("bit", [16, 32, 64, 128])
def test_regime_flags_are_storable(
    registry: Any, compliance_officer: Any, alice: Any, bob: Any, bit: int
) -> None:
    # US person, QIB, EU qualified, resale-exempt: the four flags of the regulatory presets, by
    # the single entry point and by the batch (its assembly twin checks the same bits).
    word = record(US) | (bit << 144)
    registry.setInvestor(alice, word, sender=compliance_officer)
    registry.setInvestors([bob], [word], sender=compliance_officer)
    assert registry.recordOf(alice) == registry.recordOf(bob) == word
    assert registry.investor(alice).flags == 1 | bit  # record() is accredited


def test_batch_length_mismatch(
    registry: Any, compliance_officer: Any, alice: Any, bob: Any
) -> None:
    with ape.reverts(registry.LengthMismatch, wallets=2, records=1):
        registry.setInvestors([alice, bob], [record()], sender=compliance_officer)
    with ape.reverts(registry.EmptyBatch):
        registry.setInvestors([], [], sender=compliance_officer)


def test_bad_entry_reverts_whole_batch(registry: Any, compliance_officer: Any, alice: Any) -> None:
    zero = "0x" + "00" * 20
    with ape.reverts(registry.ZeroAddress):
        registry.setInvestors([alice, zero], [record(), record()], sender=compliance_officer)
    assert registry.recordOf(alice) == 0


@pytest.mark.parametrize(
    "word",
    [0, 1000 << 128, (US << 128) | (1 << 153), (US << 128) | (1 << 200), (US << 128) | (1 << 255)],
    ids=["empty", "country-1000", "bit-153", "bit-200", "bit-255"],
)
def test_malformed_record_refused(
    registry: Any, compliance_officer: Any, alice: Any, word: int
) -> None:
    with ape.reverts(registry.InvalidRecord):
        registry.setInvestor(alice, word, sender=compliance_officer)


def test_remove_unknown(registry: Any, compliance_officer: Any, alice: Any) -> None:
    with ape.reverts(registry.InvestorNotFound, wallet=alice.address):
        registry.removeInvestor(alice, sender=compliance_officer)
    with ape.reverts(registry.InvestorNotFound, wallet=alice.address):
        registry.setFrozen(alice, True, sender=compliance_officer)


@pytest.mark.parametrize(
    "call",
    [
        lambda r, a: r.setInvestor(a, record(), sender=a),
        lambda r, a: r.setInvestors([a], [record()], sender=a),
        lambda r, a: r.removeInvestor(a, sender=a),
        lambda r, a: r.removeInvestors([a], sender=a),
        lambda r, a: r.setFrozen(a, True, sender=a),
    ],
    ids=["setInvestor", "setInvestors", "removeInvestor", "removeInvestors", "setFrozen"],
)
def test_registry_admin_functions_need_compliance_role(
    registry: Any, alice: Any, call: Any
) -> None:
    with ape.reverts(registry.AccessControlUnauthorizedAccount, account=alice.address):
        call(registry, alice)


def test_last_admin_cannot_leave(registry: Any, deployer: Any, alice: Any) -> None:
    admin_role = registry.DEFAULT_ADMIN_ROLE()
    with ape.reverts(registry.LastAdmin):
        registry.renounceRole(admin_role, deployer, sender=deployer)
    registry.grantRole(admin_role, alice, sender=deployer)
    assert registry.adminCount() == 2
    registry.revokeRole(admin_role, deployer, sender=alice)
    assert registry.adminCount() == 1
    with ape.reverts(registry.LastAdmin):
        registry.revokeRole(admin_role, alice, sender=alice)


def test_role_to_zero_address_refused(registry: Any, deployer: Any) -> None:
    with ape.reverts(registry.RoleToZeroAddress):
        registry.grantRole(registry.COMPLIANCE_ROLE(), "0x" + "00" * 20, sender=deployer)
