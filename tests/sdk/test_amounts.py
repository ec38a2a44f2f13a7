"""Whole-token amounts and units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sectoken.model.amounts import AmountError, format_units, to_units


@pytest.mark.parametrize(
    ("text", "decimals", "units"),
    [
        ("12.5", 2, 1250),
        ("1,000", 0, 1000),
        ("1_000", 0, 1000),
        ("0.000001", 6, 1),
        (7, 18, 7 * 10**18),
    ],
)
def test_to_units(text: str, decimals: int, units: int) -> None:
    assert to_units(text, decimals) == units


@pytest.mark.parametrize(
    ("text", "decimals"), [("1.5", 0), ("-1", 2), ("abc", 2), ("nan", 2), ("inf", 0)]
)
def test_refused(text: str, decimals: int) -> None:
    with pytest.raises(AmountError):
        to_units(text, decimals)


def test_format() -> None:
    assert format_units(1250, 2) == "12.5"
    assert format_units(1_000_000, 0) == "1,000,000"
    assert format_units(10**18, 18) == "1"
    assert format_units(4, 18) == "0.000000000000000004"


@given(st.integers(0, 10**30), st.integers(0, 18))
def test_round_trip(units: int, decimals: int) -> None:
    assert to_units(format_units(units, decimals), decimals) == units
