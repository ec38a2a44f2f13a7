"""Helpers shared by the console tests (imported by the test modules of this folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak, to_checksum_address

from sectoken.chain.suite import Suite
from sectoken.model.csv_investors import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
HEADER = ",".join(COLUMNS)
KYC_2030 = 1924905600  # 2030-12-31


def wallet(i: int) -> str:
    return to_checksum_address(keccak(text=f"console-investor-{i}")[-20:])


@dataclass(slots=True)
class Populated:
    """The example suite with two registered US holders (700 and 300 shares) and a record date
    (id 1) taken when only the first held shares."""

    suite: Suite
    first: str
    second: str
    stranger: str  # no registry record


def investor_lines(wallets: list[str], *, country: str = "US") -> list[str]:
    return [f"{w},{country},2030-12-31,,true,false,false,false,false" for w in wallets]
