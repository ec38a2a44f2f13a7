"""Timestamps as people write them (ISO 8601, UTC) and as the contracts store them (unix seconds).

Accepted input:

- ``YYYY-MM-DD``: midnight UTC at the start of that day;
- ``YYYY-MM-DDTHH:MM[:SS]`` (a space may replace the ``T``), optionally followed by ``Z`` or an
  offset such as ``+02:00``; without an offset the time is UTC;
- a plain integer: unix seconds (for values no calendar date can show). Eight-digit integers are
  refused because they are almost always a compact date (``20271231``) written by mistake.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sectoken.errors import SectokenError

__all__ = ["DateError", "format_timestamp", "parse_timestamp"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|z|[+-]\d{2}:?\d{2})?"
)
_MAX_UINT64 = (1 << 64) - 1


class DateError(SectokenError, ValueError):
    """The text is not a date this tool accepts."""


def parse_timestamp(text: str) -> int:
    """Unix seconds for an ISO 8601 date or date-time (UTC unless an offset is given)."""
    value = text.strip()
    if value.isascii() and value.isdigit():
        if len(value) == 8:
            raise DateError(
                f"{value!r} looks like a compact date: write it as "
                f"{value[:4]}-{value[4:6]}-{value[6:]}"
            )
        seconds = int(value)
        if seconds > _MAX_UINT64:
            raise DateError(f"{value} does not fit 64 bits")
        return seconds
    if _DATE.fullmatch(value):
        try:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise DateError(f"{value!r} is not a calendar date") from None
        return _seconds(day, value)
    if _DATETIME.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            raise DateError(f"{value!r} is not a valid date-time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return _seconds(moment, value)
    raise DateError(
        f"{value!r} is not an ISO 8601 date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)"
    )


def _seconds(moment: datetime, text: str) -> int:
    seconds = int(moment.timestamp())
    if seconds < 0:
        raise DateError(f"{text!r} is before 1970-01-01")
    return seconds


def format_timestamp(seconds: int) -> str:
    """``YYYY-MM-DD`` at midnight UTC, ``YYYY-MM-DDTHH:MM:SSZ`` otherwise, digits past year 9999.

    ``parse_timestamp(format_timestamp(s)) == s`` for every uint64 ``s``.
    """
    if not 0 <= seconds <= _MAX_UINT64:
        raise DateError(f"{seconds} is not a uint64 timestamp")
    try:
        moment = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return str(seconds)
    if moment.year > 9999:
        return str(seconds)
    if seconds % 86400 == 0:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
