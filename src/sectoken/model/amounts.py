"""Token amounts: whole tokens as people write them, units as the contracts count them."""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation, localcontext

from sectoken.errors import SectokenError

__all__ = ["AmountError", "format_units", "to_units"]

# uint256 has 78 digits; the default decimal context keeps 28 and would round silently.
_EXACT = Context(prec=200)


class AmountError(SectokenError, ValueError):
    """The text is not an amount the token can represent."""


def to_units(value: str | int | Decimal, decimals: int) -> int:
    """``"12.5"`` with 2 decimals is 1250 units. Refuses negatives and extra precision."""
    with localcontext(_EXACT):
        try:
            amount = Decimal(str(value).strip().replace("_", "").replace(",", ""))
        except InvalidOperation:
            raise AmountError(f"{value!r} is not a number") from None
        if not amount.is_finite():
            raise AmountError(f"{value!r} is not a finite amount")
        if amount < 0:
            raise AmountError(f"{value!r} is negative")
        units = amount.scaleb(decimals)
        if units != units.to_integral_value():
            raise AmountError(f"{value!r} has more than {decimals} decimal places for this token")
        return int(units)


def format_units(units: int, decimals: int) -> str:
    """1250 units with 2 decimals is ``"12.5"``; integers print without a point."""
    if decimals == 0:
        return f"{units:,}"
    with localcontext(_EXACT):
        text = f"{Decimal(units).scaleb(-decimals):f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    whole_fmt = f"{int(whole):,}" if whole.lstrip("-").isdigit() else whole
    return f"{whole_fmt}.{frac}" if frac else whole_fmt
