"""The investor registry's packed record: one uint256 word per wallet.

Layout (see ``contracts/interfaces/IInvestorRegistry.sol``)::

    bits   0..63   kyc_expiry    unix seconds; verified while block.timestamp < kyc_expiry
    bits  64..127  lockup_until  unix seconds; tokens cannot leave the wallet before it
    bits 128..143  country       ISO 3166-1 numeric, 1..999 (0 means "no record")
    bits 144..151  flags         1 accredited, 2 qualified purchaser, 4 affiliate, 8 withholding
    bit  152       frozen        investor-level freeze (every token)
    bits 153..255  zero
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag

from sectoken.errors import SectokenError

__all__ = [
    "MAX_UINT64",
    "InvestorFlag",
    "InvestorRecord",
    "RecordError",
    "pack",
    "unpack",
]

MAX_UINT64 = (1 << 64) - 1

_KYC_SHIFT = 0
_LOCKUP_SHIFT = 64
_COUNTRY_SHIFT = 128
_FLAGS_SHIFT = 144
_FROZEN_SHIFT = 152
_USED_BITS = 153


class RecordError(SectokenError, ValueError):
    """A value does not fit the packed record, or a word is not a valid record."""


class InvestorFlag(IntFlag):
    """Bits 144..151 of the record (bits 4..7 are reserved and must stay zero)."""

    NONE = 0
    ACCREDITED = 1
    QUALIFIED_PURCHASER = 2
    AFFILIATE = 4
    WITHHOLDING = 8


_KNOWN_FLAGS = int(
    InvestorFlag.ACCREDITED
    | InvestorFlag.QUALIFIED_PURCHASER
    | InvestorFlag.AFFILIATE
    | InvestorFlag.WITHHOLDING
)


@dataclass(frozen=True, slots=True)
class InvestorRecord:
    """One wallet's registry record, decoded."""

    kyc_expiry: int
    country: int
    lockup_until: int = 0
    accredited: bool = False
    qualified_purchaser: bool = False
    affiliate: bool = False
    withholding: bool = False
    frozen: bool = False

    def __post_init__(self) -> None:
        for name in ("kyc_expiry", "lockup_until"):
            value = getattr(self, name)
            if not 0 <= value <= MAX_UINT64:
                raise RecordError(f"{name} {value} does not fit 64 bits")
        if not 1 <= self.country <= 999:
            raise RecordError(f"country {self.country} is not an ISO numeric code (1..999)")

    @property
    def flags(self) -> InvestorFlag:
        flags = InvestorFlag.NONE
        if self.accredited:
            flags |= InvestorFlag.ACCREDITED
        if self.qualified_purchaser:
            flags |= InvestorFlag.QUALIFIED_PURCHASER
        if self.affiliate:
            flags |= InvestorFlag.AFFILIATE
        if self.withholding:
            flags |= InvestorFlag.WITHHOLDING
        return flags

    def pack(self) -> int:
        """The uint256 word the registry stores."""
        return pack(self)

    def is_verified_at(self, timestamp: int) -> bool:
        """What the registry's ``isVerified`` answers at ``timestamp``."""
        return timestamp < self.kyc_expiry and not self.frozen


def pack(record: InvestorRecord) -> int:
    """Pack a record into the registry's uint256 word."""
    return (
        (record.kyc_expiry << _KYC_SHIFT)
        | (record.lockup_until << _LOCKUP_SHIFT)
        | (record.country << _COUNTRY_SHIFT)
        | (int(record.flags) << _FLAGS_SHIFT)
        | (int(record.frozen) << _FROZEN_SHIFT)
    )


def unpack(word: int) -> InvestorRecord:
    """Decode a registry word. Raises RecordError for 0 (no record) or bits outside the layout."""
    if word == 0:
        raise RecordError("0 is the empty record (the wallet has no record)")
    if not 0 < word < (1 << 256):
        raise RecordError(f"{word} is not a uint256")
    if word >> _USED_BITS:
        raise RecordError(f"record {word:#x} has bits set above bit 152")
    flags = (word >> _FLAGS_SHIFT) & 0xFF
    if flags & ~_KNOWN_FLAGS:
        raise RecordError(f"record {word:#x} has reserved flag bits set ({flags:#04x})")
    return InvestorRecord(
        kyc_expiry=(word >> _KYC_SHIFT) & MAX_UINT64,
        lockup_until=(word >> _LOCKUP_SHIFT) & MAX_UINT64,
        country=(word >> _COUNTRY_SHIFT) & 0xFFFF,
        accredited=bool(flags & InvestorFlag.ACCREDITED),
        qualified_purchaser=bool(flags & InvestorFlag.QUALIFIED_PURCHASER),
        affiliate=bool(flags & InvestorFlag.AFFILIATE),
        withholding=bool(flags & InvestorFlag.WITHHOLDING),
        frozen=bool((word >> _FROZEN_SHIFT) & 1),
    )
