"""The import plan: desired records against the registry on chain."""

from __future__ import annotations

import pytest
from eth_utils import keccak, to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from sectoken.model.plan import Change, compute_plan, destructive_changes
from sectoken.model.records import InvestorRecord


def wallet(i: int) -> str:
    return to_checksum_address(keccak(text=f"plan-{i}")[-20:])


def rec(country: int = 840, kyc: int = 1000) -> InvestorRecord:
    return InvestorRecord(kyc_expiry=kyc, country=country)


def test_add_update_unchanged_kept() -> None:
    current = {wallet(1).lower(): rec().pack(), wallet(2): rec(276).pack(), wallet(3): rec().pack()}
    desired = {wallet(1): rec(), wallet(2): rec(840), wallet(4): rec()}
    plan = compute_plan(desired, current)
    assert plan.add == [Change(wallet(4), 0, rec().pack())]
    assert plan.update == [Change(wallet(2), rec(276).pack(), rec(840).pack())]
    assert plan.unchanged == [wallet(1)]
    assert plan.remove == []
    assert plan.kept == [wallet(3)]
    assert plan.upserts == [*plan.add, *plan.update]
    assert not plan.is_empty
    assert plan.summary() == (
        "1 to add, 1 to update, 0 to remove, 1 unchanged, 1 on chain but not in the file (kept)"
    )


def test_prune_removes_what_the_file_omits() -> None:
    current = {wallet(1): rec().pack(), wallet(3): rec(276).pack(), wallet(5): 0}
    plan = compute_plan({wallet(1): rec()}, current, prune=True)
    assert plan.remove == [Change(wallet(3), rec(276).pack(), 0)]
    assert plan.kept == []


def test_nothing_to_do() -> None:
    current = {wallet(1): rec().pack()}
    plan = compute_plan({wallet(1): rec().pack()}, current, prune=True)
    assert plan.is_empty
    assert plan.transaction_count(100) == 0


def test_transaction_count() -> None:
    desired = {wallet(i): rec() for i in range(250)}
    current = {wallet(1000 + i): rec().pack() for i in range(101)}
    plan = compute_plan(desired, current, prune=True)
    assert plan.transaction_count(100) == 3 + 2
    assert plan.transaction_count(1) == 351
    with pytest.raises(ValueError):
        plan.transaction_count(0)


def test_refuses_duplicates_and_empty_words() -> None:
    with pytest.raises(ValueError, match="twice"):
        compute_plan({wallet(1): rec(), wallet(1).lower(): rec()}, {})
    with pytest.raises(ValueError, match="not a record"):
        compute_plan({wallet(1): 0}, {})


@given(
    st.dictionaries(st.integers(0, 30), st.integers(1, 3)),
    st.dictionaries(st.integers(0, 30), st.integers(1, 3)),
    st.booleans(),
)
def test_applying_the_plan_reaches_the_desired_state(
    want: dict[int, int], have: dict[int, int], prune: bool
) -> None:
    desired = {wallet(i): rec(country=c) for i, c in want.items()}
    current = {wallet(i): rec(country=c).pack() for i, c in have.items()}
    plan = compute_plan(desired, current, prune=prune)
    state = dict(current)
    for change in plan.upserts:
        state[change.wallet] = change.after
    for change in plan.remove:
        del state[change.wallet]
    expected = {w: r.pack() for w, r in desired.items()}
    if not prune:
        expected.update({w: v for w, v in current.items() if w not in expected})
    assert state == expected
    assert compute_plan(desired, state, prune=prune).is_empty


def test_destructive_changes_are_named() -> None:
    frozen = InvestorRecord(kyc_expiry=2000, country=840, frozen=True)
    current = {
        wallet(1): frozen.pack(),  # the file unfreezes it
        wallet(2): rec(kyc=2000).pack(),  # the file cuts its KYC back
        wallet(3): rec(kyc=1000).pack(),  # the file renews its KYC: not destructive
        wallet(4): rec().pack(),  # missing from the file: removed with prune
        wallet(5): InvestorRecord(kyc_expiry=2000, country=840, frozen=True).pack(),
    }
    desired = {
        wallet(1): rec(kyc=2000),
        wallet(2): rec(kyc=1000),
        wallet(3): rec(kyc=3000),
        wallet(5): InvestorRecord(kyc_expiry=1000, country=276),
    }
    plan = compute_plan(desired, current, prune=True)
    found = {d.change.wallet: d.reasons for d in plan.destructive()}
    assert found == {
        wallet(1): ("unfreezes a frozen investor",),
        wallet(2): ("shortens the KYC expiry (1970-01-01T00:33:20Z → 1970-01-01T00:16:40Z)",),
        wallet(4): ("removed from the registry",),
        wallet(5): (
            "unfreezes a frozen investor",
            "shortens the KYC expiry (1970-01-01T00:33:20Z → 1970-01-01T00:16:40Z)",
        ),
    }
    assert destructive_changes(compute_plan(desired, current)) == [
        d for d in plan.destructive() if d.change.wallet != wallet(4)
    ]
    assert plan.destructive()[0].describe().startswith(f"{wallet(1)}: unfreezes")


def test_adds_and_harmless_updates_are_not_destructive() -> None:
    current = {wallet(1): rec(kyc=1000).pack()}
    frozen = InvestorRecord(kyc_expiry=1000, country=840, frozen=True)
    desired = {wallet(1): frozen, wallet(2): rec()}
    assert compute_plan(desired, current).destructive() == []
