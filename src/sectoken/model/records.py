"""The investor registry's packed record: one uint256 word per wallet.

This is the one place in Python that packs and unpacks the word. The registry stores the fields
of its ``Investor`` struct (what the ABI's ``investor`` view returns) packed in declaration order
from bit 0, each as wide as its type (see ``contracts/interfaces/IInvestorRegistry.sol``); the
layout below is computed from that struct in the packaged ABI, so a change of a field's width
in the contract moves it here too::

    bits   0..63   kycExpiry     unix seconds; verified while block.timestamp < kyc_expiry
    bits  64..127  lockupUntil   unix seconds; tokens cannot leave the wallet before it
    bits 128..143  country       ISO 3166-1 numeric, 1..999 (0 means "no record")
    bits 144..151  flags         1 accredited, 2 qualified purchaser, 4 affiliate, 8 withholding,
                                 16 U.S. person (Reg S), 32 QIB (Rule 144A), 64 EU qualified
                                 investor, 128 resale-exempt transferee (Reg CF)
    bit  152       frozen        investor-level freeze (every token)
    bits 153..255  zero
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag

from sectoken.abi import bit_width, function
from sectoken.errors import SectokenError

__all__ = [
    "FLAG_FIELDS",
    "MAX_UINT64",
    "InvestorFlag",
    "InvestorRecord",
    "RecordError",
    "country_of",
    "pack",
    "record_layout",
    "unpack",
]


def record_layout() -> dict[str, tuple[int, int]]:
    """Field name (the ABI's) to (shift, bits) in the packed word, from the ``Investor`` struct
    that ``InvestorRegistry.investor`` returns."""
    (struct,) = function("InvestorRegistry", "investor").outputs
    layout: dict[str, tuple[int, int]] = {}
    shift = 0
    for field in struct["components"]:
        bits = bit_width(str(field["type"]))
        layout[str(field["name"])] = (shift, bits)
        shift += bits
    return layout


_LAYOUT = record_layout()
_KYC_SHIFT, _KYC_BITS = _LAYOUT["kycExpiry"]
_LOCKUP_SHIFT, _LOCKUP_BITS = _LAYOUT["lockupUntil"]
_COUNTRY_SHIFT, _COUNTRY_BITS = _LAYOUT["country"]
_FLAGS_SHIFT, _FLAGS_BITS = _LAYOUT["flags"]
_FROZEN_SHIFT, _FROZEN_BITS = _LAYOUT["frozen"]
_USED_BITS = sum(bits for _shift, bits in _LAYOUT.values())
_COUNTRY_MASK = (1 << _COUNTRY_BITS) - 1
_FLAGS_MASK = (1 << _FLAGS_BITS) - 1

#: The largest timestamp a record holds (kycExpiry and lockupUntil are as wide as each other).
MAX_UINT64 = (1 << _KYC_BITS) - 1


class RecordError(SectokenError, ValueError):
    """A value does not fit the packed record, or a word is not a valid record."""


class InvestorFlag(IntFlag):
    """Bits 144..151 of the record: the eight investor statuses."""

    NONE = 0
    ACCREDITED = 1
    QUALIFIED_PURCHASER = 2
    AFFILIATE = 4
    WITHHOLDING = 8
    #: Reg S "U.S. person" (17 CFR 230.902(k)): a status, not the country of residence.
    US_PERSON = 16
    #: Rule 144A qualified institutional buyer.
    QIB = 32
    #: Qualified investor under the EU Prospectus Regulation (Art. 2(e)).
    EU_QUALIFIED = 64
    #: Officer-approved transferee during a Reg CF resale period (17 CFR 227.501(a)).
    RESALE_EXEMPT = 128


_KNOWN_FLAGS = int(
    InvestorFlag.ACCREDITED
    | InvestorFlag.QUALIFIED_PURCHASER
    | InvestorFlag.AFFILIATE
    | InvestorFlag.WITHHOLDING
    | InvestorFlag.US_PERSON
    | InvestorFlag.QIB
    | InvestorFlag.EU_QUALIFIED
    | InvestorFlag.RESALE_EXEMPT
)

#: Record field name of each flag, in bit order (the dataclass fields and the CSV columns).
FLAG_FIELDS: tuple[tuple[str, InvestorFlag], ...] = (
    ("accredited", InvestorFlag.ACCREDITED),
    ("qualified_purchaser", InvestorFlag.QUALIFIED_PURCHASER),
    ("affiliate", InvestorFlag.AFFILIATE),
    ("withholding", InvestorFlag.WITHHOLDING),
    ("us_person", InvestorFlag.US_PERSON),
    ("qib", InvestorFlag.QIB),
    ("eu_qualified", InvestorFlag.EU_QUALIFIED),
    ("resale_exempt", InvestorFlag.RESALE_EXEMPT),
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
    us_person: bool = False
    qib: bool = False
    eu_qualified: bool = False
    resale_exempt: bool = False

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
        for name, flag in FLAG_FIELDS:
            if getattr(self, name):
                flags |= flag
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
        raise RecordError(f"record {word:#x} has bits set above bit {_USED_BITS - 1}")
    flags = (word >> _FLAGS_SHIFT) & _FLAGS_MASK
    if flags & ~_KNOWN_FLAGS:
        raise RecordError(f"record {word:#x} has reserved flag bits set ({flags:#04x})")
    return InvestorRecord(
        kyc_expiry=(word >> _KYC_SHIFT) & MAX_UINT64,
        lockup_until=(word >> _LOCKUP_SHIFT) & ((1 << _LOCKUP_BITS) - 1),
        country=(word >> _COUNTRY_SHIFT) & _COUNTRY_MASK,
        frozen=bool((word >> _FROZEN_SHIFT) & 1),
        **{name: bool(flags & flag) for name, flag in FLAG_FIELDS},
    )


def country_of(word: int) -> int:
    """The country field of a stored word (0 for no record); no validation, for bulk reads."""
    return (int(word) >> _COUNTRY_SHIFT) & _COUNTRY_MASK
