"""ISO 8601 dates and unix seconds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sectoken.model.dates import DateError, format_timestamp, parse_timestamp

DAY = 86400
Y2027_12_31 = 1830211200


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2027-12-31", Y2027_12_31),
        (" 2027-12-31 ", Y2027_12_31),
        ("2027-12-31T00:00:00Z", Y2027_12_31),
        ("2027-12-31T00:00", Y2027_12_31),
        ("2027-12-31 12:30", Y2027_12_31 + 12 * 3600 + 30 * 60),
        ("2027-12-31T12:30:15z", Y2027_12_31 + 12 * 3600 + 30 * 60 + 15),
        ("2027-12-31T02:00:00+02:00", Y2027_12_31),
        ("2027-12-30T19:00:00-05:00", Y2027_12_31),
        ("2027-12-31T00:00:00.999Z", Y2027_12_31),
        ("1970-01-01", 0),
        ("0", 0),
        ("1830211200", Y2027_12_31),
        (str((1 << 64) - 1), (1 << 64) - 1),
    ],
)
def test_parse(text: str, seconds: int) -> None:
    assert parse_timestamp(text) == seconds


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("2027-13-01", "calendar date"),
        ("2027-02-30", "calendar date"),
        ("31/12/2027", "ISO 8601"),
        ("12/31/2027", "ISO 8601"),
        ("2027-12-31T25:00", "date-time"),
        ("20271231", "compact date"),
        ("next year", "ISO 8601"),
        ("", "ISO 8601"),
        ("1969-12-31", "before 1970"),
        (str(1 << 64), "64 bits"),
        ("-5", "ISO 8601"),
    ],
)
def test_refused(text: str, match: str) -> None:
    with pytest.raises(DateError, match=match):
        parse_timestamp(text)


def test_format() -> None:
    assert format_timestamp(Y2027_12_31) == "2027-12-31"
    assert format_timestamp(Y2027_12_31 + 1) == "2027-12-31T00:00:01Z"
    assert format_timestamp((1 << 64) - 1) == str((1 << 64) - 1)


@given(st.integers(0, (1 << 64) - 1))
def test_round_trip(seconds: int) -> None:
    assert parse_timestamp(format_timestamp(seconds)) == seconds


@given(st.integers(0, 2_000_000).map(lambda d: d * DAY))
def test_round_trip_days(seconds: int) -> None:
    assert parse_timestamp(format_timestamp(seconds)) == seconds
