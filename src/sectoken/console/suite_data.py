"""``ConsoleData`` on a deployed suite: every answer read from the chain through ``sectoken.jobs``.

Each request reads what it shows (views, and events from the deployment blocks); nothing is
cached between requests, so a page is never older than the chain it was read from.
"""

from __future__ import annotations

from sectoken.chain.suite import Suite, network_name
from sectoken.console.audit import audit_events, audited_type, read_audit
from sectoken.console.data import (
    AuditEntry,
    AuditQuery,
    Investor,
    TokenOverview,
    TransferAnswer,
)
from sectoken.errors import SectokenError
from sectoken.jobs.captable import CapTable, suite_cap_table
from sectoken.jobs.dividends import DistributionStatus, distribution_status
from sectoken.jobs.operations import TransferRefused, preflight
from sectoken.jobs.voting import BallotResults, ballot_results
from sectoken.model.addresses import checked_address
from sectoken.model.amounts import to_units
from sectoken.model.records import unpack

__all__ = ["SuiteData"]


class SuiteData:
    """The console's reads on ``suite`` (Ape's connected provider)."""

    def __init__(self, suite: Suite) -> None:
        self.suite = suite

    def overview(self) -> TokenOverview:
        token = self.suite.require("token")
        latest = self.suite.w3.eth.get_block("latest")
        return TokenOverview(
            network=network_name(),
            chain_id=int(self.suite.w3.eth.chain_id),
            block=int(latest["number"]),
            chain_time=int(latest["timestamp"]),
            name=str(token.name()),
            symbol=str(token.symbol()),
            decimals=int(token.decimals()),
            total_supply=int(token.totalSupply()),
            paused=bool(token.paused()),
            contracts={k: r.address for k, r in self.suite.deployment.contracts.items()},
        )

    def cap_table(self, record_date_id: int | None = None) -> CapTable:
        return suite_cap_table(self.suite, record_date_id=record_date_id)

    def record_dates(self) -> list[tuple[int, int]]:
        token = self.suite.require("token")
        latest = int(token.latestRecordDateId())
        return [(i, int(token.recordDate(i))) for i in range(1, latest + 1)]

    def investors(self) -> list[Investor]:
        snapshot = self.suite.reader().snapshot()
        return [Investor(wallet, unpack(word)) for wallet, word in snapshot.records.items()]

    def check_transfer(self, sender: str, receiver: str, amount: str) -> TransferAnswer:
        token = self.suite.require("token")
        source = checked_address(sender.strip(), allow_unchecksummed=True)
        target = checked_address(receiver.strip(), allow_unchecksummed=True)
        units = to_units(amount.strip(), int(token.decimals()))
        if units <= 0:
            raise SectokenError("the amount must be positive", hint="write e.g. 100 or 12.5")
        try:
            preflight(self.suite, source, target, units)
        except TransferRefused as refused:
            return TransferAnswer(
                source,
                target,
                amount.strip(),
                allowed=False,
                code=refused.code,
                message=refused.reason,
                hint=refused.hint,
            )
        return TransferAnswer(source, target, amount.strip(), allowed=True)

    def distributions(self) -> list[DistributionStatus]:
        distributor = self.suite.dividends
        if distributor is None:
            return []
        found = []
        for dist_id in range(1, int(distributor.distributionCount()) + 1):
            try:
                found.append(distribution_status(self.suite, dist_id))
            except SectokenError:
                continue  # another token's distribution (the distributor is shared)
        return found

    def ballots(self) -> list[BallotResults]:
        voting = self.suite.voting
        if voting is None:
            return []
        found = []
        for ballot_id in range(1, int(voting.ballotCount()) + 1):
            try:
                found.append(ballot_results(self.suite, ballot_id))
            except SectokenError:
                continue  # another token's ballot (the voting contract is shared)
        return found

    def audit(self, query: AuditQuery) -> list[AuditEntry]:
        contracts = {
            role: (record.address, record.block)
            for role, record in self.suite.deployment.contracts.items()
        }
        return [e for e in read_audit(self.suite.w3, contracts) if e.matches(query)]

    def audit_event_names(self) -> list[str]:
        types = (audited_type(role) for role in self.suite.deployment.contracts)
        names = {e.name for t in types if t is not None for e in audit_events(t).values()}
        return sorted(names)
