"""An in-memory ``ConsoleData`` for the web layer's unit tests (no chain): fixed answers the
tests can check on the pages. The chain implementation (``SuiteData``) is tested against a
deployed suite in test_suite_pages.py and test_browser.py."""

from __future__ import annotations

from decimal import Decimal

from sectoken.console.data import AuditEntry, AuditQuery, Investor, TokenOverview, TransferAnswer
from sectoken.jobs.captable import CapTable, Holder
from sectoken.jobs.dividends import DistributionStatus
from sectoken.jobs.voting import BallotResults
from sectoken.model.records import InvestorRecord

NOW = 1_800_000_000
DAY = 86_400
ALICE = "0x" + "a1" * 20
BOB = "0x" + "b2" * 20
CAROL = "0x" + "c3" * 20
DAVE = "0x" + "d4" * 20


class FakeData:
    def __init__(self) -> None:
        self.checked: list[tuple[str, str, str]] = []

    def overview(self) -> TokenOverview:
        return TokenOverview(
            network="local",
            chain_id=31337,
            block=42,
            chain_time=NOW,
            name="Acme Shares",
            symbol="ACME",
            decimals=2,
            total_supply=1_000_000,
            paused=False,
            contracts={"registry": "0x" + "11" * 20, "token": "0x" + "22" * 20},
        )

    def cap_table(self, record_date_id: int | None = None) -> CapTable:
        balances = [(ALICE, 600_000, 840), (BOB, 300_000, 276), (CAROL, 100_000, 840)]
        if record_date_id == 1:
            balances = [(ALICE, 1_000_000, 840)]
        return CapTable(
            token="0x" + "22" * 20,
            symbol="ACME",
            decimals=2,
            block=40 if record_date_id else 42,
            timestamp=NOW,
            record_date_id=record_date_id,
            total_supply=1_000_000,
            holders=[Holder(w, b, c, Decimal(b) / Decimal(1_000_000)) for w, b, c in balances],
            transfers=5,
            checked=True,
        )

    def record_dates(self) -> list[tuple[int, int]]:
        return [(1, NOW - 10 * DAY)]

    def investors(self) -> list[Investor]:
        return [
            Investor(
                ALICE, InvestorRecord(kyc_expiry=NOW + 400 * DAY, country=840, accredited=True)
            ),
            Investor(BOB, InvestorRecord(kyc_expiry=NOW + 10 * DAY, country=276)),
            Investor(
                CAROL,
                InvestorRecord(
                    kyc_expiry=NOW + 20 * DAY, country=840, qualified_purchaser=True, frozen=True
                ),
            ),
            Investor(DAVE, InvestorRecord(kyc_expiry=NOW - DAY, country=250)),
        ]

    def check_transfer(self, sender: str, receiver: str, amount: str) -> TransferAnswer:
        self.checked.append((sender, receiver, amount))
        if receiver.lower() == DAVE.lower():
            return TransferAnswer(
                sender,
                receiver,
                amount,
                allowed=False,
                code=3,
                message="Receiver not verified",
                hint="renew the receiver's KYC",
            )
        return TransferAnswer(sender, receiver, amount, allowed=True)

    def distributions(self) -> list[DistributionStatus]:
        return [
            DistributionStatus(
                id=1,
                asset="ETH",
                asset_symbol="ETH",
                asset_decimals=18,
                record_date_id=1,
                deposit=10**18,
                eligible_supply=1_000_000,
                expiry=NOW + DAY,
                withholding_bps=0,
                tax_wallet=ALICE,
                released=6 * 10**17,
                withheld=0,
                withheld_withdrawn=0,
                reclaimed=0,
                is_reclaimed=False,
                claims=1,
            )
        ]

    def ballots(self) -> list[BallotResults]:
        return [
            BallotResults(
                id=1,
                title="Elect the board",
                document_uri="",
                options=["yes", "no"],
                record_date_id=1,
                start=NOW - DAY,
                end=NOW - 1,
                quorum_bps=2000,
                threshold_bps=5001,
                eligible_supply=1_000_000,
                tallies=[600_000, 100_000],
                turnout=700_000,
                ended=True,
                quorum_reached=True,
                winning_option=0,
                passed=True,
                decimals=2,
            )
        ]

    def audit(self, query: AuditQuery) -> list[AuditEntry]:
        entries = [
            AuditEntry(
                10,
                NOW - 5 * DAY,
                "0x" + "ab" * 32,
                0,
                "token",
                "RoleGranted",
                {"role": "ISSUER_ROLE", "account": ALICE, "sender": BOB},
            ),
            AuditEntry(
                12,
                NOW - 4 * DAY,
                "0x" + "cd" * 32,
                1,
                "registry",
                "InvestorFrozen",
                {"wallet": CAROL, "frozen": "True"},
            ),
        ]
        return [e for e in entries if e.matches(query)]

    def audit_event_names(self) -> list[str]:
        return ["InvestorFrozen", "RoleGranted"]
