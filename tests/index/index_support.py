"""Helpers shared by the index tests (imported by the test modules of this folder)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sectoken.abi import function
from sectoken.chain.client import ChainClient
from sectoken.chain.suite import Suite
from sectoken.index import schema
from sectoken.index.sync import EventIndex
from sectoken.model.records import InvestorRecord

_BALANCE_OF = function("SecurityToken", "balanceOf")
_RECORD_OF = function("InvestorRegistry", "recordOf")


def record(country: int = 840, **kwargs: Any) -> int:
    """A packed registry word: KYC valid until 2100, accredited unless told otherwise."""
    kwargs.setdefault("kyc_expiry", 4_102_444_800)
    kwargs.setdefault("accredited", True)
    return InvestorRecord(country=country, **kwargs).pack()


def dump(index: EventIndex) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every index table except bookkeeping ids, sorted: two indexes of the same
    chain compare equal."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with index.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "id"]
            rows = conn.execute(select(*columns)).all()
            out[table.name] = sorted(tuple(r) for r in rows)
    return out


def chain_views(suite: Suite, wallets: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """(balance, registry word) of each wallet, read from the contracts (lowercase keys)."""
    client: ChainClient = suite.client
    token = suite.deployment.address("token")
    registry = suite.deployment.address("registry")
    balances = client.value_each(token, _BALANCE_OF, [(w,) for w in wallets])
    words = client.value_each(registry, _RECORD_OF, [(w,) for w in wallets])
    return (
        {w.lower(): int(b) for w, b in zip(wallets, balances, strict=True)},
        {w.lower(): int(r) for w, r in zip(wallets, words, strict=True)},
    )


def index_views(index: EventIndex) -> tuple[dict[str, int], dict[str, int]]:
    """(balance, registry word) of every wallet the index holds."""
    with index.engine.connect() as conn:
        balances = {str(h): int(b) for h, b in conn.execute(
            select(schema.balances.c.holder, schema.balances.c.balance))}  # fmt: skip
        words = {str(w): int(r) for w, r in conn.execute(
            select(schema.investors.c.wallet, schema.investors.c.record))}  # fmt: skip
    return balances, words
