"""The printed cap table shows countries by their full name, never cut with an ellipsis."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rich.console import Console

from sectoken.jobs.captable import CapTable, Holder, print_cap_table
from sectoken.model.countries import COUNTRIES


@pytest.mark.parametrize("width", [80, 120, 200])
def test_long_country_names_are_printed_whole(width: int) -> None:
    longest = sorted(COUNTRIES.values(), key=lambda c: -len(c.name))[:3]
    holders = [
        Holder(
            wallet=f"0x{i:040x}",
            balance=(3 - i) * 10**18,
            country=country.numeric,
            share=Decimal(3 - i) / 6,
        )
        for i, country in enumerate(longest)
    ]
    table = CapTable(
        token="0x" + "ab" * 20,
        symbol="ACME",
        decimals=18,
        block=9,
        timestamp=0,
        record_date_id=None,
        total_supply=6 * 10**18,
        holders=holders,
    )
    console = Console(width=width, record=True, highlight=False)
    print_cap_table(console, table)
    text = console.export_text()
    assert "…" not in text
    words = text.split()
    for country in longest:
        for word in country.name.split():
            assert word in words or any(word in w for w in words), (country.name, word)
