"""Helpers shared by the console tests (imported by the test modules of this folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import keccak, to_checksum_address

from sectoken.chain.suite import Suite
from sectoken.model.csv_investors import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
#: The header of the tests' investor files: the columns before the regulatory presets added
#: us_person, qib, eu_qualified and resale_exempt (an importer accepts a file without them).
HEADER = ",".join(COLUMNS[: COLUMNS.index("frozen") + 1])
KYC_2030 = 1924905600  # 2030-12-31
DAY = 86_400


def wallet(i: int) -> str:
    return to_checksum_address(keccak(text=f"console-investor-{i}")[-20:])


@dataclass(slots=True)
class Populated:
    """The example suite with two registered US holders (alice 700 and bob 300 shares) and a
    record date (id 1) taken when only the first held shares."""

    suite: Suite
    first: str
    second: str
    stranger: str  # no registry record


def investor_lines(wallets: list[str], *, country: str = "US") -> list[str]:
    return [f"{w},{country},2030-12-31,,true,false,false,false,false" for w in wallets]


def corporate_actions(populated: Populated, deployer: Any, holder: Any, chain: Any) -> None:
    """A 1 ETH dividend on record date 1 that ``holder`` (its only holder) claims, and a ballot
    on it where ``holder`` votes yes and which has ended."""
    from sectoken.jobs.dividends import claim_dividend, create_distribution
    from sectoken.jobs.voting import cast_vote, create_ballot

    suite = populated.suite
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    dist_id, _ = create_distribution(
        suite, deployer, record_date_id=1, amount="1", expiry=now + 30 * DAY
    )
    claim_dividend(suite, holder, dist_id)
    ballot_id, _ = create_ballot(
        suite,
        deployer,
        title="Approve the merger",
        options=["yes", "no"],
        record_date_id=1,
        start=now + 10,
        end=now + DAY,
        quorum_bps=5000,
    )
    chain.mine(deltatime=11)
    cast_vote(suite, holder, ballot_id, 0)
    chain.mine(deltatime=DAY)
