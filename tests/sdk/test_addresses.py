"""EIP-55 checks."""

from __future__ import annotations

import pytest

from sectoken.model.addresses import AddressError, checked_address, same_address

GOOD = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
DIGITS_ONLY = "0x1111111111111111111111111111111111111111"


def test_checksummed_is_accepted() -> None:
    assert checked_address(GOOD) == GOOD
    assert checked_address(f"  {GOOD} ") == GOOD
    assert checked_address(DIGITS_ONLY) == DIGITS_ONLY


def test_wrong_checksum_is_refused_even_when_allowed() -> None:
    bad = GOOD[:-1] + "c"
    for allow in (False, True):
        with pytest.raises(AddressError, match="fails its EIP-55 checksum"):
            checked_address(bad, allow_unchecksummed=allow)


@pytest.mark.parametrize("text", [GOOD.lower(), "0x" + GOOD[2:].upper()])
def test_unchecksummed_needs_explicit_permission(text: str) -> None:
    with pytest.raises(AddressError, match="no EIP-55 checksum"):
        checked_address(text)
    assert checked_address(text, allow_unchecksummed=True) == GOOD


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0x",
        "5B38Da6a701c568545dCfcB03FcB875f56beddC4",
        GOOD + "0",
        GOOD[:-1],
        "0x5B38Da6a701c568545dCfcB03FcB875f56beddCg",
        "0x5B38Da6a701c568545dCfcB03FcB875f56bedd٤٤",  # non-ASCII digits
    ],
)
def test_malformed(text: str) -> None:
    with pytest.raises(AddressError):
        checked_address(text)


def test_same_address() -> None:
    assert same_address(GOOD, GOOD.lower())
    assert not same_address(GOOD, DIGITS_ONLY)
    with pytest.raises(AddressError, match="is not an address"):
        same_address(GOOD, "nobody")
