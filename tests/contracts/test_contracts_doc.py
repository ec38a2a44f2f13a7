"""docs/CONTRACTS.md's interface table cannot drift from the contracts.

Each row ``| `Contract` | `Interface` | `0xid` | yes/no |`` must give the id derived from the
compiled interface; each suite contract's rows must list exactly the interfaces its packaged ABI
implements; the last column must be what the deployed contract's ``supportsInterface`` answers
("no" for a contract without ERC-165).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sectoken.abi import SUITE_CONTRACTS, contract_abi

from .corporate_fixtures import distributor, voting  # noqa: F401 - fixtures
from .interface_ids import Catalogue, hex_id

DOC = Path(__file__).resolve().parents[2] / "docs" / "CONTRACTS.md"
SECTION = "## Interfaces and their ERC-165 ids"
ROW = re.compile(r"^\| `(\w+)` \| `(\w+)` \| `(0x[0-9a-f]{8})` \| (yes|no) \|$")
FIXTURE_OF = {
    "InvestorRegistry": "registry",
    "SecurityToken": "token",
    "DividendDistributor": "distributor",
    "ShareholderVoting": "voting",
}


@dataclass(frozen=True)
class Row:
    line: int
    contract: str
    interface: str
    interface_id: str
    claimed: bool


def parse_rows(markdown: str) -> list[Row]:
    """The table's rows (after the section heading, up to the next heading)."""
    rows: list[Row] = []
    inside = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.startswith("## "):
            inside = line.strip() == SECTION
            continue
        if not inside or not line.startswith("| `"):
            continue
        match = ROW.match(line.strip())
        if match is None:
            raise ValueError(f"line {number}: not a table row of the expected form: {line!r}")
        contract, interface, value, claimed = match.groups()
        rows.append(Row(number, contract, interface, value, claimed == "yes"))
    return rows


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    found = parse_rows(DOC.read_text(encoding="utf-8"))
    assert found, f"no table under {SECTION!r} in docs/CONTRACTS.md"
    return found


@pytest.fixture(scope="module")
def catalogue(project: Any) -> Catalogue:
    return Catalogue(project)


def test_every_id_is_the_derived_one(rows: list[Row], catalogue: Catalogue) -> None:
    derived = {r.interface: hex_id(catalogue.interface_id(r.interface)) for r in rows}
    wrong = [
        f"line {r.line}: {r.interface} {r.interface_id}, derived {derived[r.interface]}"
        for r in rows
        if derived[r.interface] != r.interface_id
    ]
    assert not wrong, "docs/CONTRACTS.md gives wrong ids:\n" + "\n".join(wrong)


def test_every_contract_lists_what_it_implements(rows: list[Row], catalogue: Catalogue) -> None:
    assert {r.contract for r in rows} == set(SUITE_CONTRACTS.values())
    for contract in SUITE_CONTRACTS.values():
        listed = [r.interface for r in rows if r.contract == contract]
        implemented = catalogue.implemented_by(contract_abi(contract))
        assert sorted(listed) == sorted(implemented), (
            f"{contract}: the page lists {listed}, the ABI implements {implemented}"
        )


@pytest.mark.parametrize("contract", sorted(FIXTURE_OF))
def test_the_claims_column_is_what_the_chain_answers(
    request: pytest.FixtureRequest, rows: list[Row], contract: str
) -> None:
    deployed = request.getfixturevalue(FIXTURE_OF[contract])
    has_erc165 = any(e.get("name") == "supportsInterface" for e in contract_abi(contract))
    for row in (r for r in rows if r.contract == contract):
        answer = has_erc165 and bool(deployed.supportsInterface(row.interface_id))
        assert answer == row.claimed, (
            f"line {row.line}: {contract} {row.interface}: page says "
            f"{'yes' if row.claimed else 'no'}, the chain says {'yes' if answer else 'no'}"
        )


def test_a_drifted_row_is_named() -> None:
    text = f"{SECTION}\n\n| `SecurityToken` | `IERC165` | `0x01ffc9a7` | maybe |\n"
    with pytest.raises(ValueError, match="line 3: not a table row"):
        parse_rows(text)
    good = f"{SECTION}\n| `InvestorRegistry` | `IERC165` | `0x01ffc9a7` | yes |\n## Next\n| `X` |"
    assert parse_rows(good) == [Row(2, "InvestorRegistry", "IERC165", "0x01ffc9a7", True)]
