"""ISO 3166-1 country codes: the numeric code the registry stores, the alpha-2 code people write.

The investor registry keeps a country as its ISO 3166-1 numeric code (1..999; 0 means "no
record"). CSV files and specs may name a country by that number (``840``, ``036``) or by its
alpha-2 code (``US``, ``au``). Anything else is refused, so a typo cannot become a country.

The table itself (249 officially assigned codes, with their names) comes from pycountry, which
follows the ISO 3166 maintenance agency's changes; we no longer keep a copy by hand. What stays
ours, and why:

- The parser. ``pycountry.countries.lookup`` is lenient on purpose: it also matches alpha-3 codes
  and country names, case-insensitively, and ``get(numeric=...)`` wants the zero-padded string.
  A compliance file must not have ``"UK"``, ``"USA"`` or ``"0840"`` guessed into a country, so
  ``parse_country`` accepts only 1 to 3 ASCII digits naming an assigned numeric code, or two
  ASCII letters naming an assigned alpha-2 code, and nothing else.
- The numeric code as an int: the registry stores it in 16 bits, so the model works in numbers.
- Two dicts built once at import (numeric and alpha-2 to entry): parsing a country is a dict
  lookup, as fast as with the hand-kept table (10,000 CSV rows parse in the same time within
  noise; pycountry's data loads once, about 0.1 s, on first import).
"""

from __future__ import annotations

from dataclasses import dataclass

import pycountry

from sectoken.errors import SectokenError

__all__ = [
    "COUNTRIES",
    "Country",
    "UnknownCountryError",
    "alpha2_of",
    "country_by_numeric",
    "format_country",
    "parse_country",
]


@dataclass(frozen=True, slots=True)
class Country:
    """One ISO 3166-1 entry."""

    numeric: int
    alpha2: str
    name: str


class UnknownCountryError(SectokenError, ValueError):
    """The text is neither an assigned ISO 3166-1 numeric code nor an alpha-2 code."""


def _load_table() -> dict[int, Country]:
    """Every officially assigned code, from pycountry's copy of the ISO 3166-1 table."""
    table: dict[int, Country] = {}
    for entry in pycountry.countries:
        numeric = int(entry.numeric)
        name = getattr(entry, "common_name", None) or entry.name  # "Taiwan", "Iran", ...
        table[numeric] = Country(numeric, str(entry.alpha_2), str(name))
    return table


COUNTRIES: dict[int, Country] = _load_table()
_BY_ALPHA2: dict[str, Country] = {c.alpha2: c for c in COUNTRIES.values()}


def country_by_numeric(numeric: int) -> Country | None:
    """The entry for an ISO numeric code, or None when the code is not assigned."""
    return COUNTRIES.get(numeric)


def alpha2_of(numeric: int) -> str | None:
    """The alpha-2 code for an ISO numeric code, or None when the code is not assigned."""
    country = COUNTRIES.get(numeric)
    return country.alpha2 if country else None


def parse_country(text: str) -> int:
    """Turn ``"840"``, ``"036"``, ``"US"`` or ``"us"`` into the ISO numeric code.

    Raises UnknownCountryError for anything that is not an assigned code.
    """
    value = text.strip()
    if not value:
        raise UnknownCountryError("country is empty: give an ISO 3166-1 numeric or alpha-2 code")
    if value.isascii() and value.isdigit():
        if len(value) > 3:
            raise UnknownCountryError(f"{value!r} is not an ISO 3166-1 numeric code (1..999)")
        numeric = int(value)
        if numeric not in COUNTRIES:
            raise UnknownCountryError(f"{value!r} is not an assigned ISO 3166-1 numeric code")
        return numeric
    if len(value) == 2 and value.isascii() and value.isalpha():
        found = _BY_ALPHA2.get(value.upper())
        if found is None:
            raise UnknownCountryError(f"{value!r} is not an assigned ISO 3166-1 alpha-2 code")
        return found.numeric
    raise UnknownCountryError(
        f"{value!r} is not a country code: use ISO 3166-1 numeric (840) or alpha-2 (US)"
    )


def format_country(numeric: int) -> str:
    """The alpha-2 code when the numeric code is assigned, else the number itself."""
    return alpha2_of(numeric) or str(numeric)
