"""Send a plan in batches: one transaction per batch, a progress bar, and a clear stop.

Batches are built from a plan that was computed against the chain, so the engine needs no state
of its own to resume: after an interruption the next run recomputes the plan and finds only what
is still missing. Before reading the chain, ``wait_for_pending`` lets transactions that an
interrupted run left in the node's mempool land, so they are not sent twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from web3 import Web3

from sectoken.chain.registry import RegistryWriter, TxResult
from sectoken.errors import InvalidArgument, SectokenError
from sectoken.model.plan import Change, RegistryPlan

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "Batch",
    "BatchFailed",
    "SendReport",
    "make_batches",
    "quiet_ape",
    "registry_sender",
    "send_batches",
    "wait_for_pending",
]

DEFAULT_BATCH_SIZE = 100


@dataclass(frozen=True, slots=True)
class Batch:
    """One transaction's worth of changes."""

    kind: Literal["set", "remove"]
    index: int
    total: int
    changes: tuple[Change, ...]

    @property
    def wallets(self) -> list[str]:
        return [c.wallet for c in self.changes]

    @property
    def records(self) -> list[int]:
        return [c.after for c in self.changes]

    def describe(self) -> str:
        verb = "set" if self.kind == "set" else "remove"
        return f"batch {self.index}/{self.total} ({verb} {len(self.changes)} investors)"


@dataclass(slots=True)
class SendReport:
    """What was sent."""

    results: list[TxResult] = field(default_factory=list)
    investors: int = 0
    seconds: float = 0.0

    @property
    def transactions(self) -> int:
        return len(self.results)

    @property
    def gas_used(self) -> int:
        return sum(r.gas_used for r in self.results)


class BatchFailed(SectokenError):
    """A batch did not land; earlier batches did. Re-running continues from what is on chain.

    ``sent`` counts the batches of this run that are on chain, the failed one included when the
    chain shows it landed although its reply was lost (``landed_itself``). ``tx_hash`` is the
    failed batch's transaction when one was signed and sent (a revert, a lost reply).
    """

    def __init__(
        self,
        batch: Batch,
        sent: int,
        reason: str,
        report: SendReport,
        *,
        total: int | None = None,
        tx_hash: str | None = None,
        landed_itself: bool = False,
    ) -> None:
        self.batch = batch
        self.sent = sent
        self.reason = reason
        self.report = report
        self.tx_hash = tx_hash
        self.landed_itself = landed_itself
        total = batch.total if total is None else total
        where = f" (transaction {tx_hash})" if tx_hash else ""
        itself = (
            f"; {batch.describe()} is on chain nonetheless (its reply was lost)"
            if landed_itself
            else ""
        )
        super().__init__(
            f"{batch.describe()} failed{where}: {reason}; {sent} of {total} batches landed{itself}",
            hint="fix the cause and run the same command again; it sends only what is missing",
        )


def make_batches(plan: RegistryPlan, batch_size: int = DEFAULT_BATCH_SIZE) -> list[Batch]:
    """Split a plan into batches: record upserts first, then removals."""
    if batch_size < 1:
        raise InvalidArgument("batch size must be at least 1")
    groups: list[tuple[Literal["set", "remove"], list[Change]]] = [
        ("set", plan.upserts),
        ("remove", plan.remove),
    ]
    chunks: list[tuple[Literal["set", "remove"], tuple[Change, ...]]] = []
    for kind, changes in groups:
        for start in range(0, len(changes), batch_size):
            chunks.append((kind, tuple(changes[start : start + batch_size])))
    total = len(chunks)
    return [
        Batch(kind=kind, index=i + 1, total=total, changes=changes)
        for i, (kind, changes) in enumerate(chunks)
    ]


def registry_sender(writer: RegistryWriter) -> Callable[[Batch], TxResult]:
    """The sender for registry batches: ``setInvestors`` or ``removeInvestors``."""

    def send(batch: Batch) -> TxResult:
        if batch.kind == "set":
            return writer.set_investors(batch.wallets, batch.records)
        return writer.remove_investors(batch.wallets)

    return send


def send_batches(
    batches: Sequence[Batch],
    send: Callable[[Batch], TxResult],
    *,
    console: Console | None = None,
    progress: bool = True,
    describe_error: Callable[[BaseException], str] = str,
    landed: Callable[[Batch], bool] | None = None,
    earlier: int = 0,
) -> SendReport:
    """Send every batch in order; stop at the first failure with ``BatchFailed``.

    ``describe_error`` turns the failure into a readable reason (e.g. a decoded custom error).
    ``landed(batch)`` tells from the chain whether a failed batch's changes are there anyway (a
    reply lost after the node applied it), so the failure counts landed batches exactly;
    ``earlier`` batches landed before this call in the same run (a re-plan) count too.
    KeyboardInterrupt is not caught: earlier batches are on chain and a re-run continues.
    """
    from sectoken.chain.explain import tx_hash_of

    report = SendReport()
    if not batches:
        return report
    started = time.perf_counter()
    total_investors = sum(len(b.changes) for b in batches)
    with _progress(console, enabled=progress) as bar:
        task = bar.add_task("sending", total=total_investors) if bar else None
        for done, batch in enumerate(batches):
            try:
                result = send(batch)
            except Exception as exc:
                report.seconds = time.perf_counter() - started
                itself = _landed_anyway(landed, batch)
                raise BatchFailed(
                    batch,
                    earlier + done + (1 if itself else 0),
                    describe_error(exc),
                    report,
                    total=earlier + len(batches),
                    tx_hash=tx_hash_of(exc),
                    landed_itself=itself,
                ) from exc
            report.results.append(result)
            report.investors += len(batch.changes)
            if bar is not None and task is not None:
                bar.update(task, advance=len(batch.changes))
    report.seconds = time.perf_counter() - started
    return report


def _landed_anyway(landed: Callable[[Batch], bool] | None, batch: Batch) -> bool:
    if landed is None:
        return False
    try:
        return landed(batch)
    except Exception:  # the node may be the reason the batch failed: then we cannot tell
        return False


@contextmanager
def _progress(console: Console | None, *, enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    with quiet_ape(), bar:
        yield bar


@contextmanager
def quiet_ape() -> Iterator[None]:
    """Ape logs a line per confirmed transaction; keep the progress bar readable."""
    logger = logging.getLogger("ape")
    level = logger.level
    if level < logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def wait_for_pending(
    w3: Web3,
    address: str,
    *,
    timeout: float = 180.0,
    poll: float = 1.0,
    on_wait: Callable[[int, float], None] | None = None,
    report_every: float = 5.0,
) -> int:
    """Wait until ``address`` has no transaction pending in the node; returns how many there were.

    ``on_wait(left, elapsed_seconds)`` is called when waiting starts and every ``report_every``
    seconds while it lasts, so the caller can show what it waits for. Raises SectokenError when
    they do not land within ``timeout`` seconds.
    """
    checksum = Web3.to_checksum_address(address)
    pending = w3.eth.get_transaction_count(checksum, "pending")
    mined = w3.eth.get_transaction_count(checksum, "latest")
    waiting = pending - mined
    if waiting <= 0:
        return 0
    if on_wait is not None:
        on_wait(waiting, 0.0)
    started = time.monotonic()
    last_report = started
    while (mined := w3.eth.get_transaction_count(checksum, "latest")) < pending:
        now = time.monotonic()
        if now - started > timeout:
            raise SectokenError(
                f"{pending - mined} transaction(s) from {checksum} (nonce {mined} to "
                f"{pending - 1}) are still pending after {timeout:.0f} s",
                hint="wait for them to be mined (or replace them) and run the command again",
            )
        if on_wait is not None and now - last_report >= report_every:
            on_wait(pending - mined, now - started)
            last_report = now
        time.sleep(poll)
    return waiting
