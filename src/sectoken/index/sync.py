"""Synchronise the index with the chain: incremental, resumable, idempotent, reorg-safe.

A sync reads the suite's logs in batches of ``batch_blocks`` blocks (one ``eth_getLogs`` over
every suite address; a range the node refuses is split in two and retried). Each batch is one
database transaction: its events, the derived rows they change, the blocks' hashes and the new
``last_block`` commit together or not at all, so a sync killed at any point resumes after the
last committed batch and a second sync finds nothing new (and the events table is unique on
(block hash, log index) besides).

Blocks deeper than ``confirmations`` below the head are final. Younger blocks are stored with
their hash (``final`` false) and the derived rows they changed get undo entries. Every sync first
compares those hashes with the chain's: from the first block that differs (or no longer exists),
the derived state is rolled back, the events and blocks are deleted, and the sync re-reads from
there. A log whose block hash differs from the header read for the same batch (the chain moved
while the batch was read) makes the batch start again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, delete, event, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError

from sectoken.abi import SUITE_CONTRACTS, AbiEvent, contract_abi
from sectoken.abi import event as abi_event
from sectoken.chain.client import ChainClient
from sectoken.chain.deployments import Deployment
from sectoken.errors import SectokenError
from sectoken.index import schema
from sectoken.index.derive import (
    DerivedChanges,
    IndexedEvent,
    jsonable,
    rollback_from,
    wanted_keys,
)

__all__ = [
    "DEFAULT_BATCH_BLOCKS",
    "DEFAULT_CONFIRMATIONS",
    "LATER_CONTRACTS",
    "EventIndex",
    "IndexMismatch",
    "Source",
    "SyncReport",
    "args_json",
    "contract_type_of",
    "default_index_url",
    "open_index",
    "sources_of",
    "sync_index",
    "unindexed_contracts",
]

DEFAULT_CONFIRMATIONS = 12
DEFAULT_BATCH_BLOCKS = 2_000
_RETRIES = 5

# Typed columns of the events table: the first field an event has, in this order.
_WALLET_FIELDS = (
    "wallet",
    "account",
    "tokenHolder",
    "holder",
    "lostWallet",
    "from",
    "owner",
    "voter",
    "delegator",
)
_COUNTERPARTY_FIELDS = ("to", "newWallet", "spender", "payee", "proxy", "toDelegate", "taxWallet")
_OPERATOR_FIELDS = ("operator", "controller", "sender", "caller", "officer")
_AMOUNT_FIELDS = ("value", "amount", "frozenAmount", "weight", "deposit")


class IndexMismatch(SectokenError):
    """The database holds the index of another chain or another suite."""


@dataclass(frozen=True, slots=True)
class Source:
    """One contract whose events are indexed: its role, ABI name, address, first block."""

    label: str
    contract_type: str
    address: str  # lowercase
    start_block: int


#: Contracts a deployment file may list beyond the suite's four (the markets of issue 14), by
#: their key in the file; indexed once the package ships their ABI.
LATER_CONTRACTS: Mapping[str, str] = {
    "offerings": "PrimaryOffering",
    "settlement": "TradeSettlement",
    "buybacks": "BuybackOffers",
}


def contract_type_of(label: str) -> str | None:
    """The packaged contract type of a deployment file's key, or None when the package does not
    ship its ABI (so its events cannot be decoded)."""
    name = SUITE_CONTRACTS.get(label) or LATER_CONTRACTS.get(label)
    if name is None:
        return None
    try:
        contract_abi(name)
    except SectokenError:
        return None
    return name


def sources_of(deployment: Deployment) -> list[Source]:
    """Every contract of a deployment file whose ABI the package ships (the suite's four, the
    markets' once they are there); ``unindexed_contracts`` names the others."""
    found = []
    for label, record in deployment.contracts.items():
        contract_type = contract_type_of(label)
        if contract_type is not None:
            found.append(Source(label, contract_type, record.address.lower(), record.block))
    if not found:
        raise SectokenError(f"{deployment.path} lists no contract to index")
    return found


def unindexed_contracts(deployment: Deployment) -> list[str]:
    """Keys of the deployment file whose events the index cannot decode (no packaged ABI)."""
    return [label for label in deployment.contracts if contract_type_of(label) is None]


def default_index_url(deployment_file: str | Path) -> str:
    """SQLite next to the deployment record: ``deployments/local.json`` ->
    ``deployments/local.index.sqlite``."""
    path = Path(deployment_file)
    return f"sqlite:///{path.with_name(path.stem + '.index.sqlite')}"


class EventIndex:
    """A database holding the index (tables created on first use)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        schema.metadata.create_all(engine)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def rebuild(self) -> None:
        """Drop every index table and start empty."""
        schema.metadata.drop_all(self.engine)
        schema.metadata.create_all(self.engine)

    def state(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return _read_state(conn)

    def remember(self, **values: Any) -> None:
        """Store facts about the indexed suite (JSON values) next to the sync's bookkeeping."""
        with self.engine.begin() as conn:
            _write_state(conn, **values)

    def last_block(self) -> int | None:
        value = self.state().get("last_block")
        return None if value is None else int(value)


def open_index(url: str) -> EventIndex:
    """The index at a SQLAlchemy URL (``sqlite:///file``, ``postgresql+psycopg://...``)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SectokenError(
            f"{url!r} is not a database URL",
            hint="use sqlite:///path/to/index.sqlite or postgresql+psycopg://user@host/db",
        ) from None
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, **options)
    except Exception as exc:
        raise SectokenError(
            f"cannot use the database {parsed.render_as_string(hide_password=True)}: {exc}",
            hint="install its driver (PostgreSQL: psycopg) or check the URL",
        ) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        return EventIndex(engine)
    except OperationalError as exc:
        raise SectokenError(
            f"cannot open the database {parsed.render_as_string(hide_password=True)}: {exc.orig}",
            hint="is the server running and the URL (user, host, port, database) right?",
        ) from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # a sync of 100,000 events touches several indexes at random places: a page cache of
    # 64 MB (instead of 2 MB) keeps them in memory
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _read_state(conn: Connection) -> dict[str, Any]:
    return {
        str(key): json.loads(value)
        for key, value in conn.execute(select(schema.state.c.key, schema.state.c.value))
    }


def _write_state(conn: Connection, **values: Any) -> None:
    for key, value in values.items():
        text = json.dumps(value)
        done = conn.execute(
            update(schema.state).where(schema.state.c.key == key).values(value=text)
        )
        if not done.rowcount:
            conn.execute(insert(schema.state).values(key=key, value=text))


@dataclass(slots=True)
class SyncReport:
    """What one sync did."""

    start_block: int
    end_block: int
    head: int
    final_block: int
    batches: int = 0
    events: int = 0
    derived_rows: int = 0
    reorg_from: int | None = None
    rolled_back_rows: int = 0
    seconds: float = 0.0


#: ``progress(done_up_to_block, target_block, events_so_far)``, called after each committed batch.
Progress = Callable[[int, int, int], None]


@dataclass(slots=True)
class _Decoder:
    by_address: dict[str, tuple[Source, dict[bytes, AbiEvent]]]

    @classmethod
    def of(cls, sources: Sequence[Source]) -> _Decoder:
        mapping = {}
        for source in sources:
            events = {}
            for entry in contract_abi(source.contract_type):
                if entry.get("type") == "event":
                    abi = abi_event(source.contract_type, str(entry["name"]))
                    events[abi.topic_bytes] = abi
            mapping[source.address] = (source, events)
        return cls(mapping)

    def decode(self, item: Mapping[str, Any]) -> IndexedEvent:
        address = str(item["address"]).lower()
        source, events = self.by_address[address]
        topics = [bytes.fromhex(t[2:]) for t in item["topics"]]
        data = bytes.fromhex(str(item["data"])[2:])
        abi = events.get(topics[0]) if topics else None
        if abi is None or not abi.matches(topics):
            name = "UnknownEvent"
            args: dict[str, Any] = {"topics": ["0x" + t.hex() for t in topics], "data": data}
        else:
            name, args = abi.name, abi.decode(topics, data)
        return IndexedEvent(
            block_number=int(item["blockNumber"], 16),
            block_hash=str(item["blockHash"]).lower(),
            log_index=int(item["logIndex"], 16),
            tx_hash=str(item.get("transactionHash") or "").lower(),
            address=address,
            contract=source.label,
            name=name,
            args=args,
        )


def _first(args: Mapping[str, Any], names: Iterable[str]) -> Any:
    for name in names:
        if name in args:
            return args[name]
    return None


def _event_row(ev: IndexedEvent) -> dict[str, Any]:
    amount = _first(ev.args, _AMOUNT_FIELDS)
    counterparty = _first(ev.args, _COUNTERPARTY_FIELDS)
    return {
        "block_number": ev.block_number,
        "block_hash": ev.block_hash,
        "log_index": ev.log_index,
        "tx_hash": ev.tx_hash,
        "address": ev.address,
        "contract": ev.contract,
        "event": ev.name,
        "args": args_json(ev.args),
        "wallet": _address_or_none(_first(ev.args, _WALLET_FIELDS)),
        "counterparty": _address_or_none(counterparty),
        "operator": _address_or_none(_first(ev.args, _OPERATOR_FIELDS)),
        "amount": amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
    }


def args_json(args: Mapping[str, Any]) -> str:
    """An event's fields as compact JSON (``derive.jsonable``'s encoding). Flat events of
    addresses, integers and booleans, nearly every log, are written directly: json.dumps
    costs more than the rest of a Transfer's indexing."""
    parts = []
    for key, value in args.items():
        kind = type(value)
        if kind is int:
            parts.append(f'"{key}":"{value}"')
        elif kind is bool:
            parts.append(f'"{key}":{"true" if value else "false"}')
        elif kind is str and value.isascii() and value.isalnum():
            parts.append(f'"{key}":"{value}"')
        else:
            return json.dumps(jsonable(args), separators=(",", ":"))
    return "{" + ",".join(parts) + "}"


def _address_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and len(value) == 42 else None


class _ChainMoved(SectokenError):
    """Internal: a log's block hash differs from the header read for the same batch."""


@dataclass
class _Syncer:
    index: EventIndex
    client: ChainClient
    sources: Sequence[Source]
    confirmations: int
    batch_blocks: int
    progress: Progress | None

    def run(self, to_block: int | None) -> SyncReport:
        started = time.perf_counter()
        head = self.client.block_number()
        target = head if to_block is None else min(int(to_block), head)
        final = head - self.confirmations
        decoder = _Decoder.of(self.sources)
        self._check_identity()
        report = SyncReport(start_block=0, end_block=target, head=head, final_block=final)
        for _attempt in range(_RETRIES):
            reorg = self._find_reorg()
            if reorg is not None:
                report.reorg_from = reorg if report.reorg_from is None else report.reorg_from
                report.rolled_back_rows += self._rollback(reorg)
            try:
                self._sync_range(decoder, target, final, report)
                break
            except _ChainMoved:
                continue
        else:
            raise SectokenError(
                f"the chain kept reorganising while the index synced ({_RETRIES} attempts)",
                hint="run the sync again when the node has settled",
            )
        report.seconds = time.perf_counter() - started
        return report

    def _check_identity(self) -> None:
        chain_id = int(str(self.client.request("eth_chainId")), 16)
        sources = sorted([s.label, s.contract_type, s.address, s.start_block] for s in self.sources)
        with self.index.engine.begin() as conn:
            known = _read_state(conn)
            if not known:
                _write_state(conn, chain_id=chain_id, sources=sources)
                return
            if known.get("chain_id") != chain_id:
                raise IndexMismatch(
                    f"the index at {self.index.url} holds chain {known.get('chain_id')}, "
                    f"the node is chain {chain_id}",
                    hint="use another --db, or rebuild this one with --rebuild",
                )
            old = {tuple(s) for s in known.get("sources", [])}
            new = {tuple(s) for s in sources}
            if new == old:
                return
            last = known.get("last_block")
            added = new - old
            if old - new or any(last is not None and s[3] <= last for s in added):
                raise IndexMismatch(
                    f"the index at {self.index.url} was built for other contracts "
                    f"({', '.join(f'{s[0]} {s[2]}' for s in sorted(old ^ new))} differ)",
                    hint="use another --db, or rebuild this one with --rebuild",
                )
            # contracts deployed after the last synced block: their events are all still ahead
            _write_state(conn, sources=sources)

    def _find_reorg(self) -> int | None:
        """The first stored non-final block whose hash the chain no longer has."""
        with self.index.engine.connect() as conn:
            stored = conn.execute(
                select(schema.blocks.c.number, schema.blocks.c.hash)
                .where(schema.blocks.c.final.is_(False))
                .order_by(schema.blocks.c.number)
            ).all()
        if not stored:
            return None
        headers = self._headers([int(n) for n, _ in stored])
        for number, stored_hash in stored:
            header = headers.get(int(number))
            if header is None or header[0] != stored_hash:
                return int(number)
        return None

    def _rollback(self, block: int) -> int:
        with self.index.engine.begin() as conn:
            restored = rollback_from(conn, block)
            conn.execute(delete(schema.events).where(schema.events.c.block_number >= block))
            conn.execute(delete(schema.blocks).where(schema.blocks.c.number >= block))
            _write_state(conn, last_block=block - 1, last_timestamp=None)
        return restored

    def _headers(self, numbers: Sequence[int]) -> dict[int, tuple[str, int]]:
        """Block number -> (hash, timestamp) of the blocks the chain has among ``numbers``."""
        replies = self.client.request_many(
            [("eth_getBlockByNumber", [hex(n), False]) for n in numbers]
        )
        found = {}
        for number, reply in zip(numbers, replies, strict=True):
            block = reply.value() if reply.ok else None
            if block:
                found[number] = (str(block["hash"]).lower(), int(block["timestamp"], 16))
        return found

    def _logs(self, addresses: list[str], start: int, end: int) -> list[Mapping[str, Any]]:
        query = {"address": addresses, "fromBlock": hex(start), "toBlock": hex(end)}
        try:
            result: list[Mapping[str, Any]] = self.client.request("eth_getLogs", [query])
            return result
        except SectokenError:
            if start == end:
                raise
        middle = (start + end) // 2
        return self._logs(addresses, start, middle) + self._logs(addresses, middle + 1, end)

    def _sync_range(self, decoder: _Decoder, target: int, final: int, report: SyncReport) -> None:
        last = self.index.last_block()
        start = min(s.start_block for s in self.sources) if last is None else last + 1
        if report.batches == 0 and report.events == 0:
            report.start_block = start
        addresses = sorted(decoder.by_address)
        while start <= target:
            end = min(start + self.batch_blocks - 1, target)
            raw = self._logs(addresses, start, end)
            batch = [decoder.decode(item) for item in raw if not item.get("removed")]
            batch.sort(key=lambda e: (e.block_number, e.log_index))
            event_blocks = sorted({e.block_number for e in batch})
            young = list(range(max(start, final + 1), end + 1))
            wanted = sorted(set(event_blocks) | set(young))
            headers = self._headers(sorted({*wanted, end}))
            if end not in headers:
                raise _ChainMoved(f"block {end} is gone: the chain is shorter than it was")
            for ev in batch:
                header = headers.get(ev.block_number)
                if header is None or header[0] != ev.block_hash:
                    raise _ChainMoved(f"block {ev.block_number} changed while its batch was read")
            block_rows = [
                {
                    "number": n,
                    "hash": headers[n][0],
                    "timestamp": headers[n][1],
                    "final": n <= final,
                    "has_events": n in event_blocks,
                }
                for n in wanted
                if n in headers
            ]
            try:
                self._commit(batch, block_rows, final, end, headers[end][1], report)
            except IntegrityError:
                raise SectokenError(
                    f"blocks {start}..{end} were written to the index by another sync meanwhile "
                    "(the events are unique per block hash and log index)",
                    hint="run one sync at a time; run it again to continue from where it is",
                ) from None
            report.batches += 1
            report.events += len(batch)
            if self.progress is not None:
                self.progress(end, target, report.events)
            start = end + 1
        if start > target:
            with self.index.engine.begin() as conn:
                _finalise(conn, final)

    def _commit(
        self,
        batch: Sequence[IndexedEvent],
        block_rows: list[dict[str, Any]],
        final: int,
        end: int,
        end_timestamp: int,
        report: SyncReport,
    ) -> None:
        """One batch in one transaction: events, derived rows, blocks, the new last block."""
        with self.index.engine.begin() as conn:
            if batch:
                conn.execute(insert(schema.events), [_event_row(e) for e in batch])
            changes = DerivedChanges(final_block=final)
            changes.prefetch(conn, wanted_keys(batch))
            changes.apply(batch)
            report.derived_rows += changes.flush(conn)
            if block_rows:
                conn.execute(insert(schema.blocks), block_rows)
            _finalise(conn, final)
            _write_state(conn, last_block=end, last_timestamp=end_timestamp)


def _finalise(conn: Connection, final: int) -> None:
    """Blocks up to ``final`` can no longer be reorganised: forget their undo entries and the
    hashes of those without events."""
    conn.execute(delete(schema.undo).where(schema.undo.c.block_number <= final))
    conn.execute(
        update(schema.blocks)
        .where(schema.blocks.c.final.is_(False), schema.blocks.c.number <= final)
        .values(final=True)
    )
    conn.execute(
        delete(schema.blocks).where(
            schema.blocks.c.final.is_(True), schema.blocks.c.has_events.is_(False)
        )
    )


def sync_index(
    index: EventIndex,
    client: ChainClient,
    sources: Sequence[Source],
    *,
    confirmations: int = DEFAULT_CONFIRMATIONS,
    batch_blocks: int = DEFAULT_BATCH_BLOCKS,
    to_block: int | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Bring the index up to the chain's head (or ``to_block``); see the module docstring."""
    if confirmations < 0:
        raise SectokenError("the confirmation depth cannot be negative")
    if batch_blocks < 1:
        raise SectokenError("a batch must cover at least one block")
    syncer = _Syncer(index, client, list(sources), confirmations, batch_blocks, progress)
    return syncer.run(to_block)
