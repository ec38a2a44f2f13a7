"""ISO 3166-1 country codes."""

from __future__ import annotations

import pytest

from sectoken.model.countries import (
    COUNTRIES,
    UnknownCountryError,
    alpha2_of,
    country_by_numeric,
    format_country,
    parse_country,
)


def test_table_is_complete_and_consistent() -> None:
    assert len(COUNTRIES) == 249
    alpha2 = {c.alpha2 for c in COUNTRIES.values()}
    assert len(alpha2) == 249
    assert all(len(a) == 2 and a.isupper() for a in alpha2)
    assert all(1 <= n <= 999 for n in COUNTRIES)


@pytest.mark.parametrize(
    ("text", "numeric"),
    [
        ("840", 840),
        ("US", 840),
        ("us", 840),
        (" gb ", 826),
        ("036", 36),
        ("36", 36),
        ("4", 4),
        ("004", 4),
        ("CH", 756),
        ("DE", 276),
        ("JP", 392),
        ("SG", 702),
        ("AX", 248),
        ("SS", 728),
    ],
)
def test_parse(text: str, numeric: int) -> None:
    assert parse_country(text) == numeric


@pytest.mark.parametrize(
    "text", ["", "  ", "0", "000", "999", "1000", "0840", "XX", "UK", "USA", "U", "8a", "١٢"]
)
def test_unknown(text: str) -> None:
    with pytest.raises(UnknownCountryError):
        parse_country(text)


def test_lookups() -> None:
    assert alpha2_of(840) == "US"
    assert alpha2_of(0) is None
    assert country_by_numeric(756) is not None
    assert format_country(276) == "DE"
    assert format_country(999) == "999"
    for numeric in COUNTRIES:
        assert parse_country(format_country(numeric)) == numeric
