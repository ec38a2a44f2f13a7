"""The operation journal: what was signed and sent, written before it leaves the machine.

One file per network, beside the deployment file (``deployments/<network>.journal.jsonl``), in
JSON lines that are only ever appended (each line flushed and fsynced), so a crash cannot damage
an earlier entry; a line torn by a crash is skipped when reading.

Two kinds of line:

- ``sent``: an operation's key (what, by whom, on which contract: see ``operation_key``), the
  signed raw transaction, its hash and nonce. Written before the transaction is broadcast.
- ``closed``: the outcome of a ``sent`` entry once it is known (landed, reverted, superseded by
  another transaction with the same nonce, or refused by the node).

A ``sent`` entry without its ``closed`` line is open: its outcome has not been seen yet, and the
next run of the same operation must settle it before anything new is signed.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from eth_utils.crypto import keccak

__all__ = ["Journal", "JournalEntry", "Outcome", "journal_path", "operation_key"]

Outcome = Literal["landed", "reverted", "superseded", "refused"]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One signed transaction, as recorded before it was broadcast."""

    id: str
    key: str
    what: str
    chain_id: int
    sender: str
    to: str
    nonce: int
    tx_hash: str
    raw: str
    gas_limit: int
    sent_at: str


def journal_path(deployment_file: str | Path) -> Path:
    """``deployments/local.json`` → ``deployments/local.journal.jsonl``."""
    file = Path(deployment_file)
    return file.with_name(f"{file.stem}.journal.jsonl")


def operation_key(chain_id: int, sender: str, to: str, material: bytes, value: int) -> str:
    """The identity of an operation: chain, sender, contract, what is asked (for a contract
    call, the ABI-encoded calldata: method and normalised arguments) and the value sent."""
    parts = [str(chain_id), sender.lower(), to.lower(), material.hex(), str(value)]
    return "0x" + keccak("|".join(parts).encode()).hex()


def _now() -> str:
    return datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Journal:
    """Append-only journal of one network (see the module's docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _lines(self) -> Iterator[dict[str, Any]]:
        if not self.path.is_file():
            return
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    item = json.loads(line)
                except ValueError:  # a line torn by a crash while it was written
                    continue
                if isinstance(item, dict):
                    yield item

    def open_entries(self) -> list[JournalEntry]:
        """Entries whose outcome has not been recorded, oldest first."""
        sent: dict[str, JournalEntry] = {}
        for item in self._lines():
            if item.get("event") == "sent":
                fields = {k: item[k] for k in JournalEntry.__dataclass_fields__ if k in item}
                try:
                    sent[str(item["id"])] = JournalEntry(**fields)
                except TypeError:
                    continue
            elif item.get("event") == "closed":
                sent.pop(str(item.get("id")), None)
        return list(sent.values())

    def history(self, key: str) -> tuple[int, int]:
        """(entries ever sent, entries landed) for the operation ``key``."""
        sent: dict[str, str] = {}
        landed = 0
        for item in self._lines():
            if item.get("event") == "sent" and item.get("key") == key:
                sent[str(item.get("id"))] = key
            elif item.get("event") == "closed" and str(item.get("id")) in sent:
                landed += item.get("outcome") == "landed"
        return len(sent), landed

    def last_landed_by(self, sender: str) -> tuple[str, str] | None:
        """(operation key, tx hash) of the latest operation of ``sender`` that landed, by the
        order in which their outcomes were recorded; None if none did."""
        keys: dict[str, tuple[str, str]] = {}
        last: tuple[str, str] | None = None
        for item in self._lines():
            if (
                item.get("event") == "sent"
                and str(item.get("sender", "")).lower() == sender.lower()
            ):
                keys[str(item.get("id"))] = (str(item.get("key")), str(item.get("tx_hash")))
            elif item.get("event") == "closed" and item.get("outcome") == "landed":
                found = keys.get(str(item.get("id")))
                if found is not None:
                    last = found
        return last

    def find_open(self, key: str) -> JournalEntry | None:
        """The latest open entry of the operation ``key``."""
        matching = [e for e in self.open_entries() if e.key == key]
        return matching[-1] if matching else None

    def record_sent(self, entry: JournalEntry) -> None:
        self._append({"event": "sent", **asdict(entry)})

    def record_closed(
        self, entry: JournalEntry, outcome: Outcome, *, block: int | None = None, note: str = ""
    ) -> None:
        self._append(
            {
                "event": "closed",
                "id": entry.id,
                "tx_hash": entry.tx_hash,
                "outcome": outcome,
                "block": block,
                "note": note,
                "closed_at": _now(),
            }
        )

    def _append(self, item: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(item, separators=(",", ":")) + "\n"
        with self.path.open("a+b") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() > 0:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":  # the previous line was torn: start a new one
                    line = "\n" + line
            handle.write(line.encode())
            handle.flush()
            os.fsync(handle.fileno())

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the journal for one operation: two commands on this network do not interleave
        their settle-sign-send steps."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(self.path.name + ".lock")
        with lock.open("a") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def new_entry_id() -> str:
    return os.urandom(8).hex()


def stamp() -> str:
    return _now()
