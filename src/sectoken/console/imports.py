"""The registry import in the browser: the same ``import_investors`` as `ape run investors import`.

An upload is checked and planned with ``import_investors(..., dry_run=True)`` (every row error with
its line and column, or the plan against the registry as it is now); applying runs
``import_investors`` again, for real, in a background thread whose progress the page polls.
Because that function always plans from the chain, applying again after a failure, a timeout or
a browser closed halfway sends only what is still missing, and nothing at all when the registry
already matches the file.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sectoken.chain.batching import Batch, BatchFailed, registry_sender
from sectoken.chain.registry import TxResult
from sectoken.chain.suite import Suite, require_role
from sectoken.errors import SectokenError
from sectoken.jobs.investors import ImportOutcome, import_investors
from sectoken.model.csv_investors import CsvIssue, InvestorCsvError
from sectoken.model.plan import Destructive

__all__ = ["MAX_UPLOAD_BYTES", "ImportSession", "Importer"]

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(slots=True)
class ImportSession:
    """One uploaded file: its check, its plan, and the progress of applying it."""

    id: str
    name: str
    path: Path
    batch_size: int
    prune: bool
    allow_unchecksummed: bool
    errors: list[CsvIssue] = field(default_factory=list)
    warnings: list[CsvIssue] = field(default_factory=list)
    failure: str = ""
    outcome: ImportOutcome | None = None
    state: str = "checked"  # checked | planned | running | done | failed
    total_batches: int = 0
    sent_batches: int = 0
    sent_investors: int = 0
    tx_hashes: list[str] = field(default_factory=list)
    message: str = ""
    started: float = 0.0
    seconds: float = 0.0

    @property
    def destructive(self) -> list[Destructive]:
        return self.outcome.plan.destructive() if self.outcome is not None else []


class Importer:
    """Uploads, plans and applies imports for one suite; ``account`` None means read-only."""

    def __init__(
        self,
        suite: Suite,
        account: Any | None,
        workdir: Path,
        *,
        describe_error: Callable[[BaseException], str] | None = None,
    ) -> None:
        self.suite = suite
        self.account = account
        self.workdir = workdir
        self.describe_error = describe_error or suite.decoder.explain
        self.sessions: dict[str, ImportSession] = {}
        self._lock = threading.Lock()
        self._running: threading.Thread | None = None

    def upload(
        self,
        name: str,
        content: bytes,
        *,
        batch_size: int = 100,
        prune: bool = False,
        allow_unchecksummed: bool = False,
    ) -> ImportSession:
        """Keep the file and check it and plan it exactly as a dry run of the command does."""
        if batch_size < 1:
            raise SectokenError("the batch size must be at least 1")
        session_id = secrets.token_hex(8)
        self.workdir.mkdir(parents=True, exist_ok=True)
        path = self.workdir / f"{session_id}.csv"
        path.write_bytes(content)
        session = ImportSession(
            id=session_id,
            name=Path(name).name or "upload.csv",
            path=path,
            batch_size=batch_size,
            prune=prune,
            allow_unchecksummed=allow_unchecksummed,
        )
        self.sessions[session_id] = session
        self._plan(session)
        return session

    def _plan(self, session: ImportSession) -> None:
        try:
            outcome = import_investors(
                session.path,
                self.suite.reader(),
                None,
                reserved=self.suite.deployment.suite_addresses(),
                allow_unchecksummed=session.allow_unchecksummed,
                prune=session.prune,
                batch_size=session.batch_size,
                dry_run=True,
                progress=False,
            )
        except InvestorCsvError as bad:
            session.errors = list(bad.issues)
            session.state = "checked"
            return
        except SectokenError as exc:
            session.failure = str(exc)
            session.state = "checked"
            return
        session.outcome = outcome
        session.warnings = list(outcome.parsed.warnings)
        session.total_batches = len(outcome.batches)
        session.state = "planned"

    @property
    def registry_address(self) -> str:
        return str(self.suite.deployment.contracts["registry"].address)

    def get(self, session_id: str) -> ImportSession | None:
        return self.sessions.get(session_id)

    def apply(self, session: ImportSession, *, confirm_destructive: bool) -> None:
        """Start applying ``session`` in the background (one import at a time)."""
        if self.account is None:
            raise SectokenError(
                "the console is read-only: no signing account is configured",
                hint="start it with --account ALIAS to apply imports",
            )
        if session.outcome is None:
            raise SectokenError("this upload has errors; fix the file and upload it again")
        with self._lock:
            if self._running is not None and self._running.is_alive():
                raise SectokenError(
                    "another import is being applied", hint="wait for it to finish, then retry"
                )
            require_role(
                self.suite.registry, "COMPLIANCE_ROLE", self.account, what="investor registry"
            )
            session.state = "running"
            session.message = ""
            session.sent_batches = 0
            session.sent_investors = 0
            session.started = time.perf_counter()
            self._running = threading.Thread(
                target=self._run, args=(session, confirm_destructive), daemon=True
            )
            self._running.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the running import (tests, shutdown)."""
        thread = self._running
        if thread is not None:
            thread.join(timeout)

    def batch_sender(self, account: Any) -> Callable[[Batch], TxResult]:
        """What sends one batch: the registry writer of the command (one transaction each)."""
        return registry_sender(self.suite.registry_writer(account))

    def _run(self, session: ImportSession, confirm_destructive: bool) -> None:
        account = self.account
        assert account is not None  # apply() checked
        send = self.batch_sender(account)

        def counted(batch: Batch) -> TxResult:
            result = send(batch)
            session.sent_batches += 1
            session.sent_investors += len(batch.changes)
            session.tx_hashes.append(result.tx_hash)
            return result

        def planned(outcome: ImportOutcome) -> None:
            session.outcome = outcome
            session.total_batches = len(outcome.batches)

        try:
            outcome = import_investors(
                session.path,
                self.suite.reader(),
                counted,
                sender_address=account.address,
                reserved=self.suite.deployment.suite_addresses(),
                allow_unchecksummed=session.allow_unchecksummed,
                prune=session.prune,
                batch_size=session.batch_size,
                progress=False,
                describe_error=self.describe_error,
                on_plan=planned,
                confirm=lambda _changes: confirm_destructive,
            )
        except BatchFailed as failed:
            session.state = "failed"
            session.message = f"{failed} Apply again: only what is missing will be sent."
        except SectokenError as exc:
            session.state = "failed"
            session.message = str(exc)
        except Exception as exc:  # shown on the page rather than lost in a thread
            session.state = "failed"
            session.message = f"unexpected error ({type(exc).__name__}): {exc}"
        else:
            session.outcome = outcome
            session.state = "done"
            session.message = (
                "nothing to send: the registry already matches the file"
                if outcome.plan.is_empty
                else f"applied: {outcome.plan.summary()}"
            )
        session.seconds = time.perf_counter() - session.started
