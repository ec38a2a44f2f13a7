"""What an import must change: the desired records (from a CSV) against the registry on chain.

The plan is recomputed from chain state on every run, which is what makes an import idempotent
and resumable: whatever an interrupted run already wrote shows up as "unchanged" next time.
Records on chain that the file does not mention are removed only when the caller asks for it
(``prune``); otherwise they are kept and counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sectoken.errors import InvalidArgument
from sectoken.model.dates import format_timestamp
from sectoken.model.records import InvestorRecord, RecordError, pack, unpack

__all__ = ["Change", "Destructive", "RegistryPlan", "compute_plan", "destructive_changes"]


@dataclass(frozen=True, slots=True)
class Change:
    """One wallet's change: ``before``/``after`` are packed words, 0 meaning "no record"."""

    wallet: str
    before: int
    after: int


@dataclass(slots=True)
class RegistryPlan:
    """Adds, updates and removes to apply; unchanged and kept wallets for the report."""

    add: list[Change] = field(default_factory=list)
    update: list[Change] = field(default_factory=list)
    remove: list[Change] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def upserts(self) -> list[Change]:
        """Adds then updates: what ``setInvestors`` sends."""
        return [*self.add, *self.update]

    @property
    def is_empty(self) -> bool:
        return not (self.add or self.update or self.remove)

    def transaction_count(self, batch_size: int) -> int:
        """How many transactions applying the plan takes in batches of ``batch_size``."""
        if batch_size < 1:
            raise InvalidArgument("batch size must be at least 1")
        upserts = len(self.add) + len(self.update)
        return -(-upserts // batch_size) + -(-len(self.remove) // batch_size)

    def destructive(self) -> list[Destructive]:
        """The changes that take something away from an investor (see ``destructive_changes``)."""
        return destructive_changes(self)

    def summary(self) -> str:
        text = (
            f"{len(self.add)} to add, {len(self.update)} to update, "
            f"{len(self.remove)} to remove, {len(self.unchanged)} unchanged"
        )
        if self.kept:
            text += f", {len(self.kept)} on chain but not in the file (kept)"
        return text


def compute_plan(
    desired: Mapping[str, InvestorRecord | int],
    current: Mapping[str, int],
    *,
    prune: bool = False,
) -> RegistryPlan:
    """Compare desired records (wallet to record or packed word) with words on chain.

    Wallets are matched case-insensitively; the plan uses the spelling of ``desired`` for
    adds and updates and that of ``current`` for removals and kept wallets. Order follows
    ``desired`` (then ``current`` for removals), so batches are deterministic.
    """
    on_chain = {wallet.lower(): (wallet, word) for wallet, word in current.items() if word}
    plan = RegistryPlan()
    mentioned: set[str] = set()
    for wallet, wanted in desired.items():
        key = wallet.lower()
        if key in mentioned:
            raise InvalidArgument(f"{wallet} appears twice in the desired records")
        mentioned.add(key)
        after = wanted if isinstance(wanted, int) else pack(wanted)
        if after == 0:
            raise InvalidArgument(f"{wallet}: 0 is not a record (use removal instead)")
        before = on_chain.get(key, (wallet, 0))[1]
        if before == 0:
            plan.add.append(Change(wallet, 0, after))
        elif before != after:
            plan.update.append(Change(wallet, before, after))
        else:
            plan.unchanged.append(wallet)
    for key, (wallet, word) in on_chain.items():
        if key in mentioned:
            continue
        if prune:
            plan.remove.append(Change(wallet, word, 0))
        else:
            plan.kept.append(wallet)
    return plan


@dataclass(frozen=True, slots=True)
class Destructive:
    """A change that takes something away: applied only when the operator confirms it."""

    change: Change
    reasons: tuple[str, ...]

    def describe(self) -> str:
        return f"{self.change.wallet}: {', '.join(self.reasons)}"


def destructive_changes(plan: RegistryPlan) -> list[Destructive]:
    """Removals (``--prune``), unfreezes of a frozen investor and shortened KYC expiries.

    These are what re-importing an older file does silently: an investor frozen with
    ``investors freeze`` since the file was written would be unfrozen, a renewed KYC cut back.
    """
    found: list[Destructive] = []
    for change in plan.update:
        try:
            before, after = unpack(change.before), unpack(change.after)
        except RecordError:
            found.append(Destructive(change, ("replaces a record that cannot be decoded",)))
            continue
        reasons = []
        if before.frozen and not after.frozen:
            reasons.append("unfreezes a frozen investor")
        if after.kyc_expiry < before.kyc_expiry:
            reasons.append(
                "shortens the KYC expiry "
                f"({format_timestamp(before.kyc_expiry)} → {format_timestamp(after.kyc_expiry)})"
            )
        if reasons:
            found.append(Destructive(change, tuple(reasons)))
    found.extend(Destructive(change, ("removed from the registry",)) for change in plan.remove)
    return found
