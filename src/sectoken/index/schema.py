"""The index's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Token amounts and registry words are uint256: wider than any SQL integer type both back ends
share, so they are stored as 78-digit zero-padded decimal text (``Uint256``): exact, and ordered
like the numbers they stand for (``ORDER BY balance DESC`` is the largest holder first).

- ``index_state``: key/value bookkeeping (the last synced block, the chain id, the sources).
- ``index_blocks``: blocks that hold an indexed event (number, hash, timestamp), and every block
  synced while it was younger than the confirmation depth (``final`` false): their hashes are
  compared with the chain's on the next sync to find a reorganisation.
- ``index_events``: one row per log: where it is (block, hash, transaction, log index), who
  emitted it (address and the contract's role in the suite), the event's name, every field as
  JSON, and typed columns the queries filter on (wallet, counterparty, operator, amount).
  Unique on (block hash, log index): the same log is never stored twice.
- derived tables, updated in the same transaction as the events they come from: balances,
  investors (registry records), roles, rules, country rules, wallets (frozen), documents.
- ``index_undo``: the previous value of every derived row a non-final block changed, so a
  reorganisation rolls the derived state back exactly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from sectoken.errors import SectokenError

__all__ = [
    "DERIVED_KEYS",
    "UINT256_DIGITS",
    "Uint256",
    "balances",
    "blocks",
    "country_rules",
    "documents",
    "events",
    "investors",
    "metadata",
    "roles",
    "rules",
    "state",
    "undo",
    "wallets",
]

#: Decimal digits of 2**256 - 1.
UINT256_DIGITS = 78


class Uint256(TypeDecorator[int]):
    """A uint256 as zero-padded decimal text: exact on every back end, and sorts numerically."""

    impl = String(UINT256_DIGITS)
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        number = int(value)
        if not 0 <= number < 1 << 256:
            raise SectokenError(f"{number} is not a uint256")
        return str(number).zfill(UINT256_DIGITS)

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)


def _address(name: str, **kwargs: Any) -> Column[str]:
    return Column(name, String(42), **kwargs)


metadata = MetaData()

state = Table(
    "index_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

blocks = Table(
    "index_blocks",
    metadata,
    Column("number", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", String(66), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("final", Boolean, nullable=False),
    Column("has_events", Boolean, nullable=False),
)

events = Table(
    "index_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", String(66), nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("tx_hash", String(66), nullable=False),
    _address("address", nullable=False),
    Column("contract", String(32), nullable=False),
    Column("event", String(64), nullable=False),
    Column("args", Text, nullable=False),
    _address("wallet"),
    _address("counterparty"),
    _address("operator"),
    Column("amount", Uint256),
    UniqueConstraint("block_hash", "log_index", name="uq_index_events_log"),
    Index("ix_index_events_block", "block_number", "log_index"),
    Index("ix_index_events_event", "event", "address"),
    Index("ix_index_events_wallet", "wallet"),
)

balances = Table(
    "index_balances",
    metadata,
    _address("token", primary_key=True),
    _address("holder", primary_key=True),
    Column("balance", Uint256, nullable=False),
)
# No index on the balance: the cap table sorts in Python (100,000 rows in a fraction of a
# second), and a covering index would lure SQLite's planner away from the primary key when the
# sync reads rows by key.

investors = Table(
    "index_investors",
    metadata,
    _address("registry", primary_key=True),
    _address("wallet", primary_key=True),
    Column("record", Uint256, nullable=False),
    Column("country", Integer, nullable=False),
    Column("kyc_expiry", BigInteger, nullable=False),
    Column("lockup_until", BigInteger, nullable=False),
    Column("flags", Integer, nullable=False),
    Column("frozen", Boolean, nullable=False),
    Column("block_number", BigInteger, nullable=False),
)

roles = Table(
    "index_roles",
    metadata,
    _address("contract", primary_key=True),
    Column("role", String(66), primary_key=True),
    _address("account", primary_key=True),
    Column("role_name", String(64), nullable=False),
    Column("block_number", BigInteger, nullable=False),
)

rules = Table(
    "index_rules",
    metadata,
    _address("token", primary_key=True),
    Column("rules", Text, nullable=False),
    Column("block_number", BigInteger, nullable=False),
)

country_rules = Table(
    "index_country_rules",
    metadata,
    _address("token", primary_key=True),
    Column("country", Integer, primary_key=True, autoincrement=False),
    Column("listed", Boolean, nullable=False),
    Column("max_holders", BigInteger, nullable=False),
    Column("block_number", BigInteger, nullable=False),
)

wallets = Table(
    "index_wallets",
    metadata,
    _address("token", primary_key=True),
    _address("wallet", primary_key=True),
    Column("frozen", Boolean, nullable=False),
    Column("frozen_amount", Uint256, nullable=False),
    Column("block_number", BigInteger, nullable=False),
)

documents = Table(
    "index_documents",
    metadata,
    _address("token", primary_key=True),
    Column("name", String(66), primary_key=True),
    Column("uri", Text, nullable=False),
    Column("document_hash", String(66), nullable=False),
    Column("block_number", BigInteger, nullable=False),
)

undo = Table(
    "index_undo",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("block_number", BigInteger, nullable=False, index=True),
    Column("table_name", String(64), nullable=False),
    Column("row_key", Text, nullable=False),
    Column("previous", Text),
)

#: Every derived table by name, with its key columns (in primary-key order).
DERIVED_KEYS: dict[str, tuple[Table, tuple[str, ...]]] = {
    t.name: (t, tuple(c.name for c in t.primary_key.columns))
    for t in (balances, investors, roles, rules, country_rules, wallets, documents)
}
