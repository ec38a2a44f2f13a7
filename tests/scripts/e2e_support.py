"""Helpers shared by the end-to-end tests (imported by the test modules of this folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eth_utils import keccak, to_checksum_address

from sectoken.chain.suite import Suite
from sectoken.model.csv_investors import COLUMNS


def wallet(i: int) -> str:
    return to_checksum_address(keccak(text=f"e2e-investor-{i}")[-20:])


#: The header of the tests' investor files: the columns before the regulatory presets added
#: us_person, qib, eu_qualified and resale_exempt (an importer accepts a file without them).
HEADER = ",".join(COLUMNS[: COLUMNS.index("frozen") + 1])


def investor_csv(
    path: Path, wallets: list[str], *, country: str = "US", accredited: bool = True
) -> Path:
    lines = [HEADER] + [
        f"{w},{country},2030-12-31,,{'true' if accredited else 'false'},false,false,false,false"
        for w in wallets
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def register(suite: Suite, account: Any, wallets: list[str], **kwargs: Any) -> None:
    """Put wallets in the registry directly (accredited US investors by default)."""
    from sectoken.model.records import InvestorRecord

    record = InvestorRecord(
        kyc_expiry=1924905600,
        country=kwargs.get("country", 840),
        accredited=kwargs.get("accredited", True),
        withholding=kwargs.get("withholding", False),
    ).pack()
    suite.registry.setInvestors(wallets, [record] * len(wallets), sender=account)
