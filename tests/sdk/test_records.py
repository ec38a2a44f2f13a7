"""The packed registry record: layout, bounds and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sectoken.model.records import (
    MAX_UINT64,
    InvestorFlag,
    InvestorRecord,
    RecordError,
    pack,
    unpack,
)

records = st.builds(
    InvestorRecord,
    kyc_expiry=st.integers(0, MAX_UINT64),
    country=st.integers(1, 999),
    lockup_until=st.integers(0, MAX_UINT64),
    accredited=st.booleans(),
    qualified_purchaser=st.booleans(),
    affiliate=st.booleans(),
    withholding=st.booleans(),
    frozen=st.booleans(),
)


def test_layout_matches_the_interface() -> None:
    record = InvestorRecord(
        kyc_expiry=0x1111,
        lockup_until=0x2222,
        country=840,
        accredited=True,
        withholding=True,
        frozen=True,
    )
    word = pack(record)
    assert word & MAX_UINT64 == 0x1111
    assert (word >> 64) & MAX_UINT64 == 0x2222
    assert (word >> 128) & 0xFFFF == 840
    assert (word >> 144) & 0xFF == 1 | 8
    assert (word >> 152) & 1 == 1
    assert word >> 153 == 0


def test_flags_bits() -> None:
    assert InvestorFlag.ACCREDITED == 1
    assert InvestorFlag.QUALIFIED_PURCHASER == 2
    assert InvestorFlag.AFFILIATE == 4
    assert InvestorFlag.WITHHOLDING == 8
    record = InvestorRecord(kyc_expiry=1, country=1, qualified_purchaser=True, affiliate=True)
    assert record.flags == InvestorFlag.QUALIFIED_PURCHASER | InvestorFlag.AFFILIATE


@given(records)
def test_pack_unpack_round_trip(record: InvestorRecord) -> None:
    word = record.pack()
    assert word != 0
    assert unpack(word) == record


@pytest.mark.parametrize("country", [0, 1000, -1])
def test_country_out_of_range(country: int) -> None:
    with pytest.raises(RecordError, match="country"):
        InvestorRecord(kyc_expiry=1, country=country)


@pytest.mark.parametrize("field", ["kyc_expiry", "lockup_until"])
@pytest.mark.parametrize("value", [-1, MAX_UINT64 + 1])
def test_timestamps_fit_64_bits(field: str, value: int) -> None:
    with pytest.raises(RecordError, match=field):
        InvestorRecord(country=840, **{"kyc_expiry": 1, field: value})


def test_unpack_refuses_bad_words() -> None:
    with pytest.raises(RecordError, match="empty record"):
        unpack(0)
    good = InvestorRecord(kyc_expiry=5, country=840).pack()
    with pytest.raises(RecordError, match="above bit 152"):
        unpack(good | (1 << 153))
    with pytest.raises(RecordError, match="uint256"):
        unpack(1 << 256)


@pytest.mark.parametrize(
    ("name", "bit"), [("us_person", 16), ("qib", 32), ("eu_qualified", 64), ("resale_exempt", 128)]
)
def test_regime_flags_have_their_bits(name: str, bit: int) -> None:
    # The four statuses of the regulatory presets fill the flag byte's former reserved bits.
    record = InvestorRecord(kyc_expiry=5, country=840, **{name: True})
    word = record.pack()
    assert (word >> 144) & 0xFF == bit
    assert unpack(word) == record
    assert unpack(InvestorRecord(kyc_expiry=5, country=840).pack() | (bit << 144)) == record


def test_verified_at() -> None:
    record = InvestorRecord(kyc_expiry=100, country=840)
    assert record.is_verified_at(99)
    assert not record.is_verified_at(100)
    assert not InvestorRecord(kyc_expiry=100, country=840, frozen=True).is_verified_at(0)
