"""Jobs on the event index of a deployed suite: sync it from the chain, and the cap table from it.

The index lives next to the deployment record by default (``deployments/local.json`` ->
``deployments/local.index.sqlite``) or at a database URL (PostgreSQL). See ``sectoken.index``.
"""

from __future__ import annotations

from decimal import Decimal

from sectoken.abi import function
from sectoken.chain.suite import Suite
from sectoken.errors import SectokenError
from sectoken.index.queries import cap_table, transfer_count
from sectoken.index.sync import (
    DEFAULT_BATCH_BLOCKS,
    DEFAULT_CONFIRMATIONS,
    EventIndex,
    Progress,
    SyncReport,
    default_index_url,
    open_index,
    sources_of,
    sync_index,
)
from sectoken.jobs.captable import CapTable, Holder

__all__ = ["cap_table_from_index", "open_suite_index", "sync_suite_index"]

_BALANCE_OF = function("SecurityToken", "balanceOf")
_TOTAL_SUPPLY = function("SecurityToken", "totalSupply")


def open_suite_index(suite: Suite, db_url: str | None = None) -> EventIndex:
    """The index of ``suite``: at ``db_url``, or the SQLite file next to its deployment file."""
    return open_index(db_url or default_index_url(suite.deployment.path))


def sync_suite_index(
    suite: Suite,
    index: EventIndex,
    *,
    confirmations: int = DEFAULT_CONFIRMATIONS,
    batch_blocks: int = DEFAULT_BATCH_BLOCKS,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    """Sync the index of ``suite`` to the chain's head (``rebuild``: from empty)."""
    if rebuild:
        index.rebuild()
    report = sync_index(
        index,
        suite.client,
        sources_of(suite.deployment),
        confirmations=confirmations,
        batch_blocks=batch_blocks,
        progress=progress,
    )
    token = suite.token
    if token is not None:
        index.remember(
            token_symbol=str(token.symbol()),
            token_decimals=int(token.decimals()),
            network=suite.deployment.network,
        )
    return report


def cap_table_from_index(
    suite: Suite,
    index: EventIndex,
    *,
    record_date_id: int | None = None,
    block: int | None = None,
    verify: bool = True,
) -> CapTable:
    """The cap table from the index (no log replay over RPC), as ``jobs.captable`` prints and
    writes it; ``verify`` checks every balance and the supply against the chain at that block."""
    import time

    started = time.perf_counter()
    table = cap_table(index, block=block, record_date_id=record_date_id)
    state = index.state()
    if table.token != suite.require("token").address.lower():
        raise SectokenError(
            f"the index at {index.url} is of the token {table.token}, not of this deployment's",
            hint="pass the --db of this deployment, or rebuild: `ape run index sync --rebuild`",
        )
    at = table.last_block if table.block is None else max(table.block, 0)
    client = suite.client
    supply = table.total_supply
    header = client.request("eth_getBlockByNumber", [hex(at), False])
    result = CapTable(
        token=suite.deployment.address("token"),
        symbol=str(state.get("token_symbol") or suite.require("token").symbol()),
        decimals=int(state.get("token_decimals", 0)),
        block=at,
        timestamp=int(header["timestamp"], 16) if header else 0,
        record_date_id=record_date_id,
        total_supply=supply,
        transfers=transfer_count(index, table.token, at),
    )
    result.holders = [
        Holder(
            wallet=_checksum(wallet),
            balance=balance,
            country=country,
            share=Decimal(balance) / Decimal(supply) if supply else Decimal(0),
        )
        for wallet, balance, country in table.holders
    ]
    if verify:
        result.checked = True
        token = suite.deployment.address("token")
        wallets = [h.wallet for h in result.holders]
        on_chain = client.value_each(token, _BALANCE_OF, [(w,) for w in wallets], block=at)
        for holder, chain_balance in zip(result.holders, on_chain, strict=True):
            if int(chain_balance) != holder.balance:
                result.mismatches.append((holder.wallet, holder.balance, int(chain_balance)))
        result.supply_matches = int(client.value(token, _TOTAL_SUPPLY, block=at)) == supply
    result.seconds = time.perf_counter() - started
    return result


def _checksum(wallet: str) -> str:
    from eth_utils.address import to_checksum_address

    return str(to_checksum_address(wallet))
