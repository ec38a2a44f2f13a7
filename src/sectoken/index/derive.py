"""How events change the derived tables, and the undo log that lets a reorganisation roll back.

A batch of events is applied in three steps: ``wanted_keys`` lists every derived row the batch
touches, ``DerivedChanges.prefetch`` reads those rows in bulk, the handlers run in log order on
the rows in memory, then ``flush`` writes the changed rows (insert, update or delete) in bulk, in
the caller's transaction. A row changed by a block that is not yet final has its value from
before that block saved in ``index_undo``; ``rollback_from`` restores those values.

Addresses are stored lowercase (as the logs carry them); callers compare lowercase.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from sectoken.abi import DEFAULT_ADMIN_ROLE, role_names
from sectoken.errors import SectokenError
from sectoken.index import schema
from sectoken.model.records import RecordError, country_of, unpack

__all__ = [
    "DerivedChanges",
    "IndexCorrupted",
    "IndexedEvent",
    "jsonable",
    "role_name",
    "rollback_from",
    "wanted_keys",
]

Key = tuple[Any, ...]
Row = dict[str, Any]
ZERO_ADDRESS = "0x" + "0" * 40
_PREFETCH_CHUNK = 900


class IndexCorrupted(SectokenError):
    """The index disagrees with the events it is given (a balance would go below zero)."""


@dataclass(frozen=True, slots=True)
class IndexedEvent:
    """One decoded log of a suite contract, with where it sits on the chain."""

    block_number: int
    block_hash: str
    log_index: int
    tx_hash: str
    address: str  # lowercase
    contract: str  # the contract's role in the suite: token, registry, ...
    name: str
    args: Mapping[str, Any]


def jsonable(value: Any) -> Any:
    """An event field as JSON: integers as decimal strings (uint256 exceeds JSON's safe range),
    bytes as 0x-hex, structs as objects, arrays as lists."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def _role_ids() -> dict[str, str]:
    from eth_utils.crypto import keccak

    out = {}
    for name in role_names():
        word = bytes(32) if name == DEFAULT_ADMIN_ROLE else bytes(keccak(name.encode()))
        out["0x" + word.hex()] = name
    return out


_ROLE_IDS: dict[str, str] = {}


def role_name(role: bytes | str) -> str:
    """The name of a role id (``ISSUER_ROLE``), or its hex when no suite contract declares it."""
    if not _ROLE_IDS:
        _ROLE_IDS.update(_role_ids())
    text = role if isinstance(role, str) else "0x" + bytes(role).hex()
    return _ROLE_IDS.get(text.lower(), text.lower())


def _hex(value: Any) -> str:
    return "0x" + bytes(value).hex() if isinstance(value, bytes | bytearray) else str(value)


# ------------------------------------------------------------------ which rows an event touches


def _keys_transfer(ev: IndexedEvent) -> list[tuple[str, Key]]:
    return [
        ("index_balances", (ev.address, wallet))
        for wallet in (ev.args["from"], ev.args["to"])
        if wallet != ZERO_ADDRESS
    ]


def _keys_investor(ev: IndexedEvent) -> list[tuple[str, Key]]:
    return [("index_investors", (ev.address, ev.args["wallet"]))]


def _keys_role(ev: IndexedEvent) -> list[tuple[str, Key]]:
    return [("index_roles", (ev.address, _hex(ev.args["role"]), ev.args["account"]))]


def _keys_rules(ev: IndexedEvent) -> list[tuple[str, Key]]:
    return [("index_rules", (ev.address,))]


def _keys_country(ev: IndexedEvent) -> list[tuple[str, Key]]:
    return [("index_country_rules", (ev.address, int(ev.args["country"])))]


def _keys_wallet(ev: IndexedEvent) -> list[tuple[str, Key]]:
    return [("index_wallets", (ev.address, ev.args["wallet"]))]


def _keys_document(ev: IndexedEvent) -> list[tuple[str, Key]]:
    return [("index_documents", (ev.address, _hex(ev.args["name"])))]


# ------------------------------------------------------------------ what an event does to them


def _apply_transfer(ev: IndexedEvent, rows: DerivedChanges) -> None:
    value = int(ev.args["value"])
    sender, receiver = ev.args["from"], ev.args["to"]
    if sender != ZERO_ADDRESS:
        key = (ev.address, sender)
        old = rows.get("index_balances", key)
        balance = (old["balance"] if old else 0) - value
        if balance < 0:
            raise IndexCorrupted(
                f"Transfer at block {ev.block_number} (log {ev.log_index}) takes {value} from "
                f"{sender}, which holds {balance + value} in the index",
                hint="rebuild the index: `ape run index sync --rebuild`",
            )
        rows.put(ev, "index_balances", key, {"balance": balance} if balance else None)
    if receiver != ZERO_ADDRESS:
        key = (ev.address, receiver)
        old = rows.get("index_balances", key)
        balance = (old["balance"] if old else 0) + value
        rows.put(ev, "index_balances", key, {"balance": balance} if balance else None)


def investor_columns(word: int) -> Row:
    """The typed columns of a registry word (a word the record layout refuses keeps its raw
    value and country; its other fields read as zero)."""
    try:
        record = unpack(word)
    except RecordError:
        return {
            "record": word,
            "country": country_of(word),
            "kyc_expiry": 0,
            "lockup_until": 0,
            "flags": 0,
            "frozen": False,
        }
    return {
        "record": word,
        "country": record.country,
        "kyc_expiry": record.kyc_expiry,
        "lockup_until": record.lockup_until,
        "flags": int(record.flags),
        "frozen": record.frozen,
    }


def _apply_investor(ev: IndexedEvent, rows: DerivedChanges) -> None:
    key = (ev.address, ev.args["wallet"])
    if ev.name == "InvestorRemoved":
        rows.put(ev, "index_investors", key, None)
        return
    word = int(ev.args["record"] if ev.name == "InvestorAdded" else ev.args["newRecord"])
    values = investor_columns(word) if word else None
    if values is not None:
        values["block_number"] = ev.block_number
    rows.put(ev, "index_investors", key, values)


def _apply_role(ev: IndexedEvent, rows: DerivedChanges) -> None:
    role = _hex(ev.args["role"])
    key = (ev.address, role, ev.args["account"])
    if ev.name == "RoleRevoked":
        rows.put(ev, "index_roles", key, None)
    else:
        rows.put(
            ev,
            "index_roles",
            key,
            {"role_name": role_name(role), "block_number": ev.block_number},
        )


def _apply_rules(ev: IndexedEvent, rows: DerivedChanges) -> None:
    rows.put(
        ev,
        "index_rules",
        (ev.address,),
        {"rules": json.dumps(jsonable(ev.args["rules"])), "block_number": ev.block_number},
    )


def _apply_country(ev: IndexedEvent, rows: DerivedChanges) -> None:
    rows.put(
        ev,
        "index_country_rules",
        (ev.address, int(ev.args["country"])),
        {
            "listed": bool(ev.args["listed"]),
            "max_holders": int(ev.args["maxHolders"]),
            "block_number": ev.block_number,
        },
    )


def _apply_wallet(ev: IndexedEvent, rows: DerivedChanges) -> None:
    key = (ev.address, ev.args["wallet"])
    old = rows.get("index_wallets", key) or {"frozen": False, "frozen_amount": 0}
    frozen = bool(ev.args["frozen"]) if ev.name == "WalletFrozen" else bool(old["frozen"])
    amount = (
        int(ev.args["frozenAmount"])
        if ev.name == "FrozenAmountChanged"
        else int(old["frozen_amount"])
    )
    values = {"frozen": frozen, "frozen_amount": amount, "block_number": ev.block_number}
    rows.put(ev, "index_wallets", key, values if frozen or amount else None)


def _apply_document(ev: IndexedEvent, rows: DerivedChanges) -> None:
    key = (ev.address, _hex(ev.args["name"]))
    if ev.name == "DocumentRemoved":
        rows.put(ev, "index_documents", key, None)
        return
    rows.put(
        ev,
        "index_documents",
        key,
        {
            "uri": str(ev.args["uri"]),
            "document_hash": _hex(ev.args["documentHash"]),
            "block_number": ev.block_number,
        },
    )


_Keys = Callable[[IndexedEvent], list[tuple[str, Key]]]
_Apply = Callable[[IndexedEvent, "DerivedChanges"], None]

#: Event name -> (fields it must have, rows it touches, what it does). An event of a contract
#: added later with the same name and fields (an ERC-20 Transfer) updates the same tables.
HANDLERS: dict[str, tuple[frozenset[str], _Keys, _Apply]] = {
    "Transfer": (frozenset({"from", "to", "value"}), _keys_transfer, _apply_transfer),
    "InvestorAdded": (frozenset({"wallet", "record"}), _keys_investor, _apply_investor),
    "InvestorUpdated": (frozenset({"wallet", "newRecord"}), _keys_investor, _apply_investor),
    "InvestorRemoved": (frozenset({"wallet"}), _keys_investor, _apply_investor),
    "RoleGranted": (frozenset({"role", "account"}), _keys_role, _apply_role),
    "RoleRevoked": (frozenset({"role", "account"}), _keys_role, _apply_role),
    "RulesUpdated": (frozenset({"rules"}), _keys_rules, _apply_rules),
    "CountryRuleUpdated": (
        frozenset({"country", "listed", "maxHolders"}),
        _keys_country,
        _apply_country,
    ),
    "WalletFrozen": (frozenset({"wallet", "frozen"}), _keys_wallet, _apply_wallet),
    "FrozenAmountChanged": (frozenset({"wallet", "frozenAmount"}), _keys_wallet, _apply_wallet),
    "DocumentUpdated": (
        frozenset({"name", "uri", "documentHash"}),
        _keys_document,
        _apply_document,
    ),
    "DocumentRemoved": (frozenset({"name"}), _keys_document, _apply_document),
}


def _handler(ev: IndexedEvent) -> tuple[frozenset[str], _Keys, _Apply] | None:
    found = HANDLERS.get(ev.name)
    if found is None or not found[0] <= ev.args.keys():
        return None
    return found


def wanted_keys(batch: Iterable[IndexedEvent]) -> dict[str, set[Key]]:
    """Every derived row (table name -> keys) the events touch."""
    wanted: dict[str, set[Key]] = {}
    for ev in batch:
        handler = _handler(ev)
        if handler is not None:
            for table, key in handler[1](ev):
                wanted.setdefault(table, set()).add(key)
    return wanted


@dataclass
class DerivedChanges:
    """Derived rows of one batch in memory: read in bulk, changed by events, written in bulk."""

    final_block: int  # blocks up to this one are final: their changes need no undo
    rows: dict[tuple[str, Key], Row | None] = field(default_factory=dict)
    existing: set[tuple[str, Key]] = field(default_factory=set)
    changed: set[tuple[str, Key]] = field(default_factory=set)
    undo: list[tuple[int, str, Key, Row | None]] = field(default_factory=list)
    _saved: set[tuple[int, str, Key]] = field(default_factory=set)

    def prefetch(self, conn: Connection, wanted: Mapping[str, set[Key]]) -> None:
        """Read the rows of ``wanted`` that exist. Keys are grouped by all but their last
        column, and each group is read with ``last IN (...)`` under equalities on the others:
        a primary-key range lookup on both back ends (a row-value ``IN`` is a scan on SQLite)."""
        for name, keys in wanted.items():
            table, key_columns = schema.DERIVED_KEYS[name]
            pending = [k for k in keys if (name, k) not in self.rows]
            groups: dict[Key, list[Any]] = {}
            for key in pending:
                groups.setdefault(key[:-1], []).append(key[-1])
            head_columns = [table.c[c] for c in key_columns[:-1]]
            last = table.c[key_columns[-1]]
            for head, lasts in groups.items():
                fixed = [column == value for column, value in zip(head_columns, head, strict=True)]
                for start in range(0, len(lasts), _PREFETCH_CHUNK):
                    chunk = lasts[start : start + _PREFETCH_CHUNK]
                    query = select(table).where(*fixed, last.in_(chunk))
                    for found in conn.execute(query).mappings():
                        key = tuple(found[c] for c in key_columns)
                        self.rows[(name, key)] = {
                            c: found[c] for c in found if c not in key_columns
                        }
                        self.existing.add((name, key))
            for key in pending:
                self.rows.setdefault((name, key), None)

    def get(self, table: str, key: Key) -> Row | None:
        try:
            return self.rows[(table, key)]
        except KeyError:
            raise SectokenError(f"internal: {table} row {key} was not prefetched") from None

    def put(self, ev: IndexedEvent, table: str, key: Key, values: Row | None) -> None:
        slot = (table, key)
        if ev.block_number > self.final_block:
            mark = (ev.block_number, table, key)
            if mark not in self._saved:
                self._saved.add(mark)
                previous = self.rows.get(slot)
                self.undo.append((ev.block_number, table, key, previous and dict(previous)))
        self.rows[slot] = values
        self.changed.add(slot)

    def apply(self, batch: Sequence[IndexedEvent]) -> None:
        for ev in batch:
            handler = _handler(ev)
            if handler is not None:
                handler[2](ev, self)

    def flush(self, conn: Connection) -> int:
        """Write the changed rows and the undo entries; the number of rows written."""
        inserts: dict[str, list[Row]] = {}
        updates: dict[str, list[Row]] = {}
        deletes: dict[str, list[Row]] = {}
        for slot in self.changed:
            name, key = slot
            _table, key_columns = schema.DERIVED_KEYS[name]
            values = self.rows[slot]
            existed = slot in self.existing
            if values is None:
                if existed:
                    deletes.setdefault(name, []).append(_key_params(key_columns, key))
            elif existed:
                params = _key_params(key_columns, key)
                params.update(values)
                updates.setdefault(name, []).append(params)
            else:
                inserts.setdefault(name, []).append(
                    {**dict(zip(key_columns, key, strict=True)), **values}
                )
        written = 0
        for name, many in deletes.items():
            table, key_columns = schema.DERIVED_KEYS[name]
            conn.execute(delete(table).where(_key_match(table, key_columns)), many)
            written += len(many)
        for name, many in updates.items():
            table, key_columns = schema.DERIVED_KEYS[name]
            # every row of a table sets the same columns: one executemany per table
            conn.execute(update(table).where(_key_match(table, key_columns)), many)
            written += len(many)
        for name, many in inserts.items():
            table, _ = schema.DERIVED_KEYS[name]
            conn.execute(insert(table), many)
            written += len(many)
        if self.undo:
            conn.execute(
                insert(schema.undo),
                [
                    {
                        "block_number": block,
                        "table_name": name,
                        "row_key": json.dumps(list(key)),
                        "previous": None if previous is None else json.dumps(previous),
                    }
                    for block, name, key, previous in self.undo
                ],
            )
        return written


def _key_params(key_columns: Sequence[str], key: Key) -> Row:
    return {f"k_{c}": v for c, v in zip(key_columns, key, strict=True)}


def _key_match(table: Any, key_columns: Sequence[str]) -> Any:
    return and_(*(table.c[c] == bindparam(f"k_{c}") for c in key_columns))


def rollback_from(conn: Connection, block: int) -> int:
    """Undo every derived change made by blocks ``block`` and later (newest first); the number
    of rows restored. The caller deletes those blocks' events and block rows."""
    found = conn.execute(
        select(schema.undo.c.table_name, schema.undo.c.row_key, schema.undo.c.previous)
        .where(schema.undo.c.block_number >= block)
        .order_by(schema.undo.c.id.desc())
    ).all()
    for name, row_key, previous in found:
        table, key_columns = schema.DERIVED_KEYS[name]
        key = json.loads(row_key)
        params = _key_params(key_columns, key)
        conn.execute(delete(table).where(_key_match(table, key_columns)), [params])
        if previous is not None:
            conn.execute(
                insert(table),
                [{**dict(zip(key_columns, key, strict=True)), **json.loads(previous)}],
            )
    conn.execute(delete(schema.undo).where(schema.undo.c.block_number >= block))
    return len(found)
