"""``ConsoleData`` from the event index (``sectoken.index``): the cap table, the registry and the
audit trail are SQL queries; the rest (token views, the transfer check, dividends and ballots)
still asks the chain, as ``SuiteData`` does.

Before each of those reads the index is brought up to the chain's head (``sync_index``:
incremental, so a page costs the blocks mined since the last one), so a page never shows less
than the chain has.
"""

from __future__ import annotations

from decimal import Decimal

from eth_utils.address import to_checksum_address

from sectoken.chain.suite import Suite
from sectoken.console.audit import decode_value
from sectoken.console.data import AuditEntry, AuditQuery, Investor
from sectoken.console.suite_data import SuiteData
from sectoken.index.queries import AUDIT_KINDS, audit_trail, cap_table, registry_view
from sectoken.index.sync import EventIndex, SyncReport, sources_of, sync_index
from sectoken.jobs.captable import CapTable, Holder
from sectoken.model.records import unpack
from sectoken.model.restrictions import role_name

__all__ = ["IndexedData"]

#: The console's audit trail: every category the index knows except plain issuance.
CONSOLE_AUDIT_KINDS = tuple(AUDIT_KINDS)


class IndexedData(SuiteData):
    """The console's reads on ``suite``, the cap table, registry and audit trail from ``index``."""

    def __init__(self, suite: Suite, index: EventIndex) -> None:
        super().__init__(suite)
        self.index = index
        self.sources = sources_of(suite.deployment)
        self.last_sync: SyncReport | None = None

    def refresh(self) -> SyncReport:
        """Bring the index up to the chain's head."""
        self.last_sync = sync_index(self.index, self.suite.client, self.sources)
        return self.last_sync

    def cap_table(self, record_date_id: int | None = None) -> CapTable:
        self.refresh()
        token = self.suite.require("token")
        found = cap_table(self.index, record_date_id=record_date_id)
        block = found.block if found.block is not None else found.last_block
        supply = found.total_supply
        table = CapTable(
            token=to_checksum_address(found.token),
            symbol=str(token.symbol()),
            decimals=int(token.decimals()),
            block=max(block, 0),
            timestamp=int(self.suite.w3.eth.get_block(max(block, 0))["timestamp"]),
            record_date_id=record_date_id,
            total_supply=supply,
            holders=[
                Holder(
                    wallet=to_checksum_address(wallet),
                    balance=balance,
                    country=country,
                    share=Decimal(balance) / Decimal(supply) if supply else Decimal(0),
                )
                for wallet, balance, country in found.holders
            ],
        )
        # the supply the holders add up to against the token's own (at the record date or now)
        on_chain = (
            int(token.totalSupplyAt(record_date_id))
            if record_date_id is not None
            else int(token.totalSupply(block_identifier=table.block))
        )
        table.supply_matches = on_chain == supply
        return table

    def investors(self) -> list[Investor]:
        self.refresh()
        return [
            Investor(to_checksum_address(row.wallet), unpack(row.record))
            for row in registry_view(self.index)
        ]

    def audit(self, query: AuditQuery) -> list[AuditEntry]:
        self.refresh()
        found = audit_trail(
            self.index,
            kinds=CONSOLE_AUDIT_KINDS,
            from_block=query.from_block,
            to_block=query.to_block,
        )
        entries = [
            AuditEntry(
                block=e.block_number,
                timestamp=e.timestamp or 0,
                tx_hash=e.tx_hash,
                log_index=e.log_index,
                contract=e.contract,
                event=e.event,
                fields={
                    k: role_name(v) if k == "role" and isinstance(v, str) else decode_value(v)
                    for k, v in e.args.items()
                },
            )
            for e in found
        ]
        return [e for e in entries if e.matches(query)]

    def audit_event_names(self) -> list[str]:
        return sorted({name for names in AUDIT_KINDS.values() for name in names})
