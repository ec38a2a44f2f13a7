"""What the console's pages read, as one small interface (``ConsoleData``).

The pages never talk to the chain themselves: they ask a ``ConsoleData``. ``SuiteData``
(``sectoken.console.suite_data``) answers from a deployed suite through ``sectoken.jobs`` (events
and views read on each request); an event index can answer the same questions from SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from sectoken.jobs.captable import CapTable
from sectoken.jobs.dividends import DistributionStatus
from sectoken.jobs.voting import BallotResults
from sectoken.model.records import InvestorRecord

__all__ = [
    "AuditEntry",
    "AuditQuery",
    "ConsoleData",
    "Investor",
    "TokenOverview",
    "TransferAnswer",
]


@dataclass(frozen=True, slots=True)
class TokenOverview:
    """The token at a glance (the dashboard's header)."""

    network: str
    chain_id: int
    block: int
    chain_time: int
    name: str
    symbol: str
    decimals: int
    total_supply: int
    paused: bool
    contracts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Investor:
    """One wallet of the registry with its decoded record."""

    wallet: str
    record: InvestorRecord

    @property
    def investor_class(self) -> str:
        """The most specific class the record grants (for filters and the dashboard)."""
        if self.record.qualified_purchaser:
            return "qualified purchaser"
        if self.record.accredited:
            return "accredited"
        return "retail"


@dataclass(frozen=True, slots=True)
class TransferAnswer:
    """Whether ``amount`` can go from ``sender`` to ``receiver`` now, and the rule's words."""

    sender: str
    receiver: str
    amount: str
    allowed: bool
    code: int = 0
    message: str = ""
    hint: str | None = None


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of the audit trail; empty fields match everything."""

    event: str = ""
    contract: str = ""
    address: str = ""
    from_block: int | None = None
    to_block: int | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One auditable event: where, when, what, with its fields as text."""

    block: int
    timestamp: int
    tx_hash: str
    log_index: int
    contract: str
    event: str
    fields: dict[str, str]

    def matches(self, query: AuditQuery) -> bool:
        if query.event and self.event.lower() != query.event.lower():
            return False
        if query.contract and self.contract != query.contract:
            return False
        if query.from_block is not None and self.block < query.from_block:
            return False
        if query.to_block is not None and self.block > query.to_block:
            return False
        if query.address:
            needle = query.address.lower()
            return any(needle in value.lower() for value in self.fields.values())
        return True


class ConsoleData(Protocol):
    """The reads behind every page (see ``SuiteData`` for the chain implementation)."""

    def overview(self) -> TokenOverview: ...

    def cap_table(self, record_date_id: int | None = None) -> CapTable: ...

    def record_dates(self) -> list[tuple[int, int]]:
        """(id, timestamp) of every record date of the token, oldest first."""
        ...

    def investors(self) -> list[Investor]: ...

    def check_transfer(self, sender: str, receiver: str, amount: str) -> TransferAnswer: ...

    def distributions(self) -> list[DistributionStatus]: ...

    def ballots(self) -> list[BallotResults]: ...

    def audit(self, query: AuditQuery) -> list[AuditEntry]: ...

    def audit_event_names(self) -> list[str]: ...
