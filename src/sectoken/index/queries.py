"""Questions answered from the index with SQL: cap table, registry view, audit trail.

Nothing here touches the chain. Amounts are exact integers (token base units); addresses come
back lowercase as stored (callers format them).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Connection, Select, and_, func, or_, select

from sectoken.errors import SectokenError
from sectoken.index import schema
from sectoken.index.derive import ZERO_ADDRESS, investor_columns
from sectoken.index.sync import EventIndex
from sectoken.model.records import InvestorFlag

__all__ = [
    "AUDIT_KINDS",
    "AuditEntry",
    "IndexCapTable",
    "InvestorRow",
    "audit_trail",
    "block_before",
    "cap_table",
    "contract_address",
    "record_date_timestamp",
    "registry_view",
    "transfer_count",
    "write_audit_csv",
]

#: Audit trail categories and the events each covers.
AUDIT_KINDS: dict[str, tuple[str, ...]] = {
    "roles": ("RoleGranted", "RoleRevoked", "RoleAdminChanged"),
    "rules": ("RulesUpdated", "CountryRuleUpdated"),
    "freezes": ("WalletFrozen", "FrozenAmountChanged", "Frozen"),
    "forced": ("ForcedTransfer", "ControllerTransfer", "ControllerRedemption"),
    "recoveries": ("WalletRecovered",),
    "documents": ("DocumentUpdated", "DocumentRemoved"),
    "registry": ("InvestorAdded", "InvestorUpdated", "InvestorRemoved"),
    "issuance": ("Issued", "Redeemed", "IssuanceFinalized"),
    "pause": ("Paused", "Unpaused"),
    "record-dates": ("RecordDateScheduled", "RecordDateCancelled"),
}
#: What ``audit`` shows without --kind: everything an auditor asks about, not plain transfers.
DEFAULT_AUDIT_KINDS = (
    "roles",
    "rules",
    "freezes",
    "forced",
    "recoveries",
    "documents",
    "pause",
    "record-dates",
)


def contract_address(index: EventIndex, label: str) -> str:
    """The indexed address of the suite contract ``label`` (token, registry, ...)."""
    sources = index.state().get("sources") or []
    for source_label, _type, address, _start in sources:
        if source_label == label:
            return str(address)
    raise SectokenError(
        f"the index at {index.url} has no {label} contract",
        hint="sync it first: `ape run index sync`",
    )


# ------------------------------------------------------------------ cap table


@dataclass(slots=True)
class IndexCapTable:
    token: str
    block: int | None  # None: as of the last synced block
    last_block: int
    holders: list[tuple[str, int, int]] = field(default_factory=list)  # wallet, balance, country

    @property
    def total_supply(self) -> int:
        return sum(balance for _w, balance, _c in self.holders)


def record_date_timestamp(conn: Connection, token: str, record_date_id: int) -> int:
    """The timestamp of a record date, from its RecordDateScheduled event (refused when it was
    cancelled or never scheduled)."""
    rows = conn.execute(
        select(schema.events.c.event, schema.events.c.args)
        .where(
            schema.events.c.address == token,
            schema.events.c.event.in_(("RecordDateScheduled", "RecordDateCancelled")),
        )
        .order_by(schema.events.c.block_number, schema.events.c.log_index)
    ).all()
    when: int | None = None
    for name, args in rows:
        fields = json.loads(args)
        if int(fields["id"]) == record_date_id:
            when = int(fields["timestamp"]) if name == "RecordDateScheduled" else None
    if when is None:
        raise SectokenError(
            f"the index knows no scheduled record date {record_date_id}",
            hint="sync the index (`ape run index sync`), and check the id",
        )
    return when


def block_before(conn: Connection, timestamp: int) -> int | None:
    """The last indexed block with an event whose timestamp is before ``timestamp`` (balances
    change only in such blocks, so the balances there are those at the date)."""
    found = conn.execute(
        select(func.max(schema.blocks.c.number)).where(
            schema.blocks.c.has_events.is_(True), schema.blocks.c.timestamp < timestamp
        )
    ).scalar()
    return None if found is None else int(found)


def cap_table(
    index: EventIndex,
    *,
    block: int | None = None,
    record_date_id: int | None = None,
    token: str | None = None,
) -> IndexCapTable:
    """Holders with a balance, largest first, with their registry country.

    Now: the ``index_balances`` table. At a block or a record date: the indexed Transfer events
    up to it replayed (countries from the registry events up to it)."""
    address = (token or contract_address(index, "token")).lower()
    last = index.last_block()
    if last is None:
        raise SectokenError("the index is empty", hint="sync it first: `ape run index sync`")
    registry = _optional_address(index, "registry")
    with index.engine.connect() as conn:
        if record_date_id is not None:
            when = record_date_timestamp(conn, address, record_date_id)
            found = block_before(conn, when)
            block = -1 if found is None else found
            newest = index.state().get("last_timestamp")
            if newest is None or int(newest) < when:
                raise SectokenError(
                    f"record date {record_date_id} is not behind the index's last block yet",
                    hint="sync the index after the date has passed",
                )
        if block is not None and block > last:
            raise SectokenError(
                f"block {block} is after the index's last block {last}",
                hint="sync the index first: `ape run index sync`",
            )
        if block is None:
            # straight from the driver's cursor (no per-row processing: 100,000 rows), sorted
            # here (largest first, then by wallet)
            b = schema.balances
            rows = _raw_rows(conn, select(b.c.holder, b.c.balance).where(b.c.token == address))
            countries = _current_countries(conn, registry)
            holders = [(h, int(v), countries.get(h, 0)) for h, v in rows]
            holders.sort(key=lambda row: (-row[1], row[0]))
        else:
            countries = _countries_at(conn, registry, block)
            holders = [(w, v, countries.get(w, 0)) for w, v in _balances_at(conn, address, block)]
    return IndexCapTable(token=address, block=block, last_block=last, holders=holders)


def _optional_address(index: EventIndex, label: str) -> str | None:
    try:
        return contract_address(index, label)
    except SectokenError:
        return None


def _current_countries(conn: Connection, registry: str | None) -> dict[str, int]:
    if registry is None:
        return {}
    i = schema.investors
    return dict(_raw_rows(conn, select(i.c.wallet, i.c.country).where(i.c.registry == registry)))


def _raw_rows(conn: Connection, query: Select[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``query`` as the database driver returns them (text as stored, no type
    processing): for the large reads, where SQLAlchemy's per-row work is most of the time."""
    compiled = query.compile(dialect=conn.dialect)
    params: Any = compiled.params
    if conn.dialect.positional:
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _balances_at(conn: Connection, token: str, block: int) -> list[tuple[str, int]]:
    held: dict[str, int] = defaultdict(int)
    rows = conn.execute(
        select(schema.events.c.args)
        .where(
            schema.events.c.address == token,
            schema.events.c.event == "Transfer",
            schema.events.c.block_number <= block,
        )
        .order_by(schema.events.c.block_number, schema.events.c.log_index)
    )
    for (args,) in rows:
        fields = json.loads(args)
        value = int(fields["value"])
        if fields["from"] != ZERO_ADDRESS:
            held[fields["from"]] -= value
        if fields["to"] != ZERO_ADDRESS:
            held[fields["to"]] += value
    return sorted(((w, b) for w, b in held.items() if b), key=lambda x: (-x[1], x[0]))


def _countries_at(conn: Connection, registry: str | None, block: int) -> dict[str, int]:
    if registry is None:
        return {}
    countries: dict[str, int] = {}
    rows = conn.execute(
        select(schema.events.c.event, schema.events.c.args)
        .where(
            schema.events.c.address == registry,
            schema.events.c.event.in_(("InvestorAdded", "InvestorUpdated", "InvestorRemoved")),
            schema.events.c.block_number <= block,
        )
        .order_by(schema.events.c.block_number, schema.events.c.log_index)
    )
    for name, args in rows:
        fields = json.loads(args)
        if name == "InvestorRemoved":
            countries.pop(fields["wallet"], None)
        else:
            word = int(fields["record" if name == "InvestorAdded" else "newRecord"])
            countries[fields["wallet"]] = int(investor_columns(word)["country"])
    return countries


def transfer_count(index: EventIndex, token: str, block: int) -> int:
    """The number of indexed Transfer events of ``token`` up to ``block``."""
    with index.engine.connect() as conn:
        found = conn.execute(
            select(func.count()).where(
                schema.events.c.address == token.lower(),
                schema.events.c.event == "Transfer",
                schema.events.c.block_number <= block,
            )
        ).scalar()
    return int(found or 0)


# ------------------------------------------------------------------ registry view


@dataclass(frozen=True, slots=True)
class InvestorRow:
    wallet: str
    country: int
    kyc_expiry: int
    lockup_until: int
    flags: int
    frozen: bool
    record: int
    block_number: int


#: Investor classes (``--class``) and the registry flag each means.
INVESTOR_CLASSES: dict[str, InvestorFlag] = {
    "accredited": InvestorFlag.ACCREDITED,
    "qualified": InvestorFlag.QUALIFIED_PURCHASER,
    "affiliate": InvestorFlag.AFFILIATE,
    "withholding": InvestorFlag.WITHHOLDING,
}


def registry_view(
    index: EventIndex,
    *,
    countries: Sequence[int] = (),
    investor_class: str | None = None,
    kyc_expiring_within: int | None = None,
    now: int | None = None,
    frozen: bool | None = None,
    wallet: str | None = None,
) -> list[InvestorRow]:
    """Registry records, filtered: by countries, class (accredited, qualified, affiliate,
    withholding), KYC expiring within ``kyc_expiring_within`` seconds of ``now`` (already
    expired ones are not "expiring"), frozen or not, one wallet."""
    registry = contract_address(index, "registry")
    table = schema.investors
    where: list[Any] = [table.c.registry == registry]
    if countries:
        where.append(table.c.country.in_(list(countries)))
    if investor_class is not None:
        flag = INVESTOR_CLASSES.get(investor_class)
        if flag is None:
            raise SectokenError(
                f"{investor_class!r} is no investor class",
                hint=f"use one of {', '.join(INVESTOR_CLASSES)}",
            )
        where.append(table.c.flags.op("&")(int(flag)) != 0)
    if kyc_expiring_within is not None:
        if now is None:
            raise SectokenError("internal: KYC expiry filter without the current time")
        where.append(
            and_(table.c.kyc_expiry > now, table.c.kyc_expiry <= now + kyc_expiring_within)
        )
    if frozen is not None:
        where.append(table.c.frozen.is_(frozen))
    if wallet is not None:
        where.append(table.c.wallet == wallet.lower())
    with index.engine.connect() as conn:
        rows = conn.execute(
            select(table).where(and_(*where)).order_by(table.c.country, table.c.wallet)
        ).mappings()
        return [
            InvestorRow(
                wallet=str(r["wallet"]),
                country=int(r["country"]),
                kyc_expiry=int(r["kyc_expiry"]),
                lockup_until=int(r["lockup_until"]),
                flags=int(r["flags"]),
                frozen=bool(r["frozen"]),
                record=int(r["record"]),
                block_number=int(r["block_number"]),
            )
            for r in rows
        ]


# ------------------------------------------------------------------ audit trail


@dataclass(frozen=True, slots=True)
class AuditEntry:
    block_number: int
    timestamp: int | None
    log_index: int
    tx_hash: str
    contract: str
    event: str
    wallet: str | None
    counterparty: str | None
    operator: str | None
    amount: int | None
    args: dict[str, Any]


def audit_trail(
    index: EventIndex,
    *,
    kinds: Iterable[str] = DEFAULT_AUDIT_KINDS,
    wallet: str | None = None,
    operator: str | None = None,
    from_block: int | None = None,
    to_block: int | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """The events of ``kinds`` (see ``AUDIT_KINDS``), oldest first, filtered by a wallet
    (as subject or counterparty), an operator, a block range."""
    names: list[str] = []
    for kind in kinds:
        if kind not in AUDIT_KINDS:
            raise SectokenError(
                f"{kind!r} is no audit category", hint=f"use one of {', '.join(AUDIT_KINDS)}"
            )
        names += AUDIT_KINDS[kind]
    ev = schema.events
    where: list[Any] = [ev.c.event.in_(names)]
    if wallet is not None:
        where.append(or_(ev.c.wallet == wallet.lower(), ev.c.counterparty == wallet.lower()))
    if operator is not None:
        where.append(ev.c.operator == operator.lower())
    if from_block is not None:
        where.append(ev.c.block_number >= from_block)
    if to_block is not None:
        where.append(ev.c.block_number <= to_block)
    query = (
        select(ev, schema.blocks.c.timestamp)
        .outerjoin(schema.blocks, schema.blocks.c.number == ev.c.block_number)
        .where(and_(*where))
        .order_by(ev.c.block_number, ev.c.log_index)
    )
    if limit is not None:
        query = query.limit(limit)
    with index.engine.connect() as conn:
        return [
            AuditEntry(
                block_number=int(r["block_number"]),
                timestamp=None if r["timestamp"] is None else int(r["timestamp"]),
                log_index=int(r["log_index"]),
                tx_hash=str(r["tx_hash"]),
                contract=str(r["contract"]),
                event=str(r["event"]),
                wallet=r["wallet"],
                counterparty=r["counterparty"],
                operator=r["operator"],
                amount=None if r["amount"] is None else int(r["amount"]),
                args=json.loads(r["args"]),
            )
            for r in conn.execute(query).mappings()
        ]


AUDIT_CSV_COLUMNS = (
    "block",
    "timestamp",
    "log_index",
    "tx_hash",
    "contract",
    "event",
    "wallet",
    "counterparty",
    "operator",
    "amount",
    "details",
)


def write_audit_csv(entries: Iterable[AuditEntry], out: TextIO | Path) -> int:
    """The entries as CSV (``details`` holds every field of the event as JSON, operator data
    included); the number of rows written."""
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as handle:
            return write_audit_csv(entries, handle)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AUDIT_CSV_COLUMNS)
    count = 0
    for e in entries:
        writer.writerow(
            [
                e.block_number,
                "" if e.timestamp is None else e.timestamp,
                e.log_index,
                e.tx_hash,
                e.contract,
                e.event,
                e.wallet or "",
                e.counterparty or "",
                e.operator or "",
                "" if e.amount is None else e.amount,
                json.dumps(e.args, sort_keys=True),
            ]
        )
        count += 1
    return count
