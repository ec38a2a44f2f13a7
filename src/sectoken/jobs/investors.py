"""The compliance officer's import and export: CSV file ⇄ investor registry.

``import_investors`` is the whole flow: check every row (nothing is sent if one is wrong), wait for
transactions an interrupted run may have left pending, read the registry, plan against it, send
the plan in batches. Because the plan is always computed from the chain, running the same import
again after any interruption sends only what is missing, and a run with nothing to do sends no
transaction at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from rich.console import Console

from sectoken.chain.batching import (
    DEFAULT_BATCH_SIZE,
    Batch,
    BatchFailed,
    SendReport,
    make_batches,
    send_batches,
    wait_for_pending,
)
from sectoken.chain.logs import DEFAULT_PAGE_SIZE
from sectoken.chain.registry import RegistryReader, RegistrySnapshot, TxResult
from sectoken.errors import SectokenError
from sectoken.model.csv_investors import ParsedInvestors, read_investors_csv, write_investors_csv
from sectoken.model.plan import Destructive, RegistryPlan, compute_plan
from sectoken.model.records import RecordError, unpack

__all__ = [
    "DestructiveChangesRefused",
    "ImportOutcome",
    "export_investors",
    "import_investors",
    "plan_import",
]

# How often a nonce taken by another sender is met by re-planning before giving up.
MAX_REPLANS = 3


@dataclass(slots=True)
class ImportOutcome:
    """Everything an import did (or, for a dry run, would do)."""

    parsed: ParsedInvestors
    snapshot: RegistrySnapshot
    plan: RegistryPlan
    batches: list[Batch] = field(default_factory=list)
    report: SendReport | None = None
    waited_for_pending: int = 0
    replans: int = 0

    @property
    def transactions(self) -> int:
        return self.report.transactions if self.report else 0


class DestructiveChangesRefused(SectokenError):
    """The plan takes something away (unfreeze, removal, shorter KYC) and was not confirmed."""

    def __init__(self, changes: list[Destructive], *, limit: int = 20) -> None:
        self.changes = changes
        lines = [f"  {d.describe()}" for d in changes[:limit]]
        if len(changes) > limit:
            lines.append(f"  … and {len(changes) - limit} more")
        super().__init__(
            f"the plan has {len(changes)} destructive change(s), not applied without "
            "confirmation; nothing was sent:\n" + "\n".join(lines),
            hint="check them; to apply them, run again with --yes (or answer yes at the prompt)",
        )


def plan_import(
    parsed: ParsedInvestors,
    reader: RegistryReader,
    *,
    prune: bool = False,
    use_events: bool = True,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> tuple[RegistrySnapshot, RegistryPlan]:
    """Read the registry (at one block) and compare it with the file's rows."""
    if prune and not use_events:
        raise SectokenError(
            "removing wallets missing from the file needs the registry's event history",
            hint="drop --prune, or allow event reads (eth_getLogs) on this node",
        )
    desired = parsed.records()
    snapshot = reader.snapshot(desired, use_events=use_events, page_size=page_size)
    plan = compute_plan(desired, snapshot.records, prune=prune)
    return snapshot, plan


def import_investors(
    path: str | Path,
    reader: RegistryReader,
    send: Callable[[Batch], TxResult] | None,
    *,
    sender_address: str | None = None,
    reserved: Mapping[str, str] | Iterable[str] = (),
    allow_unchecksummed: bool = False,
    prune: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    use_events: bool = True,
    page_size: int = DEFAULT_PAGE_SIZE,
    console: Console | None = None,
    progress: bool = True,
    describe_error: Callable[[BaseException], str] = str,
    on_plan: Callable[[ImportOutcome], None] | None = None,
    confirm: Callable[[list[Destructive]], bool] | None = None,
    on_wait: Callable[[int, float], None] | None = None,
    wait_timeout: float = 180.0,
) -> ImportOutcome:
    """Check ``path``, plan against the registry and send the plan (unless ``dry_run``).

    Raises InvestorCsvError (listing every bad row) before anything is read or sent, and
    BatchFailed if a batch does not land (the batches before it did; run again to finish).
    ``on_plan`` is called with the outcome once the plan is known, before anything is sent.
    Destructive changes (``RegistryPlan.destructive``) are sent only if ``confirm`` approves
    them; without ``confirm`` they are refused (DestructiveChangesRefused, nothing sent).
    ``on_wait(left, seconds)`` reports a wait for transactions an earlier run left pending.
    A batch refused because another sender took the account's nonce is met by re-reading the
    chain and re-planning (at most MAX_REPLANS times); the run then continues.
    """
    from sectoken.chain.explain import is_nonce_clash

    now = int(reader.w3.eth.get_block("latest")["timestamp"])
    parsed = read_investors_csv(
        path, reserved=reserved, allow_unchecksummed=allow_unchecksummed, now=now
    )
    parsed.raise_for_errors()
    waited = 0
    if sender_address is not None and not dry_run:
        waited = wait_for_pending(reader.w3, sender_address, timeout=wait_timeout, on_wait=on_wait)
    snapshot, plan = plan_import(
        parsed, reader, prune=prune, use_events=use_events, page_size=page_size
    )
    outcome = ImportOutcome(
        parsed=parsed,
        snapshot=snapshot,
        plan=plan,
        batches=make_batches(plan, batch_size),
        waited_for_pending=waited,
    )
    if on_plan is not None:
        on_plan(outcome)
    if dry_run or plan.is_empty:
        return outcome
    if send is None:
        raise SectokenError("no account to send with", hint="pass --account")
    confirmed = _confirm(plan, confirm, set())
    report = SendReport()
    outcome.report = report
    batches = outcome.batches
    while True:
        try:
            part = send_batches(
                batches,
                send,
                console=console,
                progress=progress,
                describe_error=describe_error,
                landed=lambda batch: _landed(reader, batch),
                earlier=report.transactions,
            )
        except BatchFailed as failure:
            _merge(report, failure.report)
            failure.report = report
            cause = failure.__cause__
            if cause is None or not is_nonce_clash(cause) or outcome.replans >= MAX_REPLANS:
                raise
            outcome.replans += 1
            if console is not None:
                console.print(
                    f"[yellow]{failure.batch.describe()}: the account's nonce was taken by "
                    "another transaction; re-reading the registry and re-planning[/yellow]"
                )
            if sender_address is not None:
                wait_for_pending(reader.w3, sender_address, timeout=wait_timeout, on_wait=on_wait)
            outcome.snapshot, plan = plan_import(
                parsed, reader, prune=prune, use_events=use_events, page_size=page_size
            )
            outcome.plan = plan
            confirmed = _confirm(plan, confirm, confirmed)
            batches = make_batches(plan, batch_size)
            outcome.batches.extend(batches)
            continue
        _merge(report, part)
        return outcome


def _confirm(
    plan: RegistryPlan,
    confirm: Callable[[list[Destructive]], bool] | None,
    already: set[tuple[str, int]],
) -> set[tuple[str, int]]:
    """Ask about destructive changes not confirmed yet; the set of confirmed (wallet, after)."""
    changes = [d for d in plan.destructive() if (d.change.wallet, d.change.after) not in already]
    if not changes:
        return already
    if confirm is None or not confirm(changes):
        raise DestructiveChangesRefused(changes)
    return already | {(d.change.wallet, d.change.after) for d in changes}


def _landed(reader: RegistryReader, batch: Batch) -> bool:
    """Whether every change of ``batch`` is on chain (its transaction landed)."""
    words = reader.records_of(batch.wallets)
    return all(words.get(c.wallet, 0) == c.after for c in batch.changes)


def _merge(total: SendReport, part: SendReport) -> None:
    total.results.extend(part.results)
    total.investors += part.investors
    total.seconds += part.seconds


def export_investors(
    reader: RegistryReader,
    out: str | Path | TextIO,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> int:
    """Write every record on chain to ``out`` in the import format; returns the row count.

    Wallets are listed in the order they first appeared in the registry's history.
    """
    snapshot = reader.snapshot(page_size=page_size)
    rows = []
    for wallet, word in snapshot.records.items():
        try:
            rows.append((wallet, unpack(word)))
        except RecordError as exc:
            raise SectokenError(
                f"the record of {wallet} on chain cannot be exported: {exc}",
                hint="fix the record with setInvestor, then export again",
            ) from exc
    return write_investors_csv(rows, out)
