"""Wallet addresses as people paste them: EIP-55 checks that refuse to guess.

A mixed-case address must carry a correct EIP-55 checksum: a wrong checksum means a mistyped
character somewhere, and "fixing" it would produce a valid-looking address nobody owns. An
all-lowercase or all-uppercase address carries no checksum at all; it is refused unless the
caller explicitly allows unchecksummed input.
"""

from __future__ import annotations

import re

from eth_utils.address import to_checksum_address

from sectoken.errors import SectokenError

__all__ = ["ZERO_ADDRESS", "AddressError", "checked_address", "same_address"]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_HEX40 = re.compile(r"0[xX][0-9a-fA-F]{40}")


class AddressError(SectokenError, ValueError):
    """The text is not an address this tool accepts."""


def checked_address(text: str, *, allow_unchecksummed: bool = False) -> str:
    """The EIP-55 form of ``text``, or AddressError saying what is wrong with it."""
    value = text.strip()
    if not value:
        raise AddressError("address is empty")
    if not _HEX40.fullmatch(value):
        raise AddressError(f"{value!r} is not an address (0x followed by 40 hex digits)")
    body = value[2:]
    checksummed = to_checksum_address("0x" + body.lower())
    if "0x" + body == checksummed:
        return checksummed
    if body == body.lower() or body == body.upper():
        if allow_unchecksummed:
            return checksummed
        case = "lowercase" if body == body.lower() else "uppercase"
        raise AddressError(
            f"{value} has no EIP-55 checksum (all {case}): write the checksummed form "
            "or allow unchecksummed addresses explicitly"
        )
    raise AddressError(
        f"{value} fails its EIP-55 checksum: a character is probably mistyped; "
        "check it against the investor's records"
    )


def same_address(a: str, b: str) -> bool:
    """Whether two hex addresses name the same account (case-insensitive)."""
    return a.lower() == b.lower()
