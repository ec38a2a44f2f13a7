"""Investor CSV: every kind of bad row is reported with its line and column, all at once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from eth_utils import keccak, to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from sectoken.errors import SectokenError
from sectoken.model.csv_investors import (
    COLUMNS,
    MAX_LISTED_ISSUES,
    InvestorCsvError,
    parse_flag,
    parse_investors_text,
    read_investors_csv,
    write_investors_csv,
)
from sectoken.model.records import MAX_UINT64, InvestorRecord

HEADER = ",".join(COLUMNS)
Y2027 = 1830211200  # 2027-12-31


def wallet(i: int) -> str:
    return to_checksum_address(keccak(text=f"investor-{i}")[-20:])


def mixed_case_typo(address: str) -> str:
    """Same address with the case of one letter flipped: a bad checksum."""
    body = list(address[2:])
    for index, char in enumerate(body):
        if char.isalpha():
            body[index] = char.swapcase()
            return "0x" + "".join(body)
    raise AssertionError("address without letters")


def row(addr: str, country: str = "US", kyc: str = "2027-12-31", **extra: str) -> str:
    values = {
        "wallet": addr,
        "country": country,
        "kyc_expiry": kyc,
        "lockup_until": "",
        "accredited": "false",
        "qualified_purchaser": "false",
        "affiliate": "false",
        "withholding": "false",
        "frozen": "false",
        "us_person": "false",
        "qib": "false",
        "eu_qualified": "false",
        "resale_exempt": "false",
    }
    values.update(extra)
    return ",".join(values[c] for c in COLUMNS)


def test_good_file() -> None:
    text = "\n".join(
        [
            HEADER,
            row(wallet(1), accredited="true", lockup_until="2026-06-30"),
            row(wallet(2), country="276", qualified_purchaser="YES", withholding="1"),
            row(wallet(3), country="ch", kyc="2027-12-31T12:00:00+01:00", frozen="y"),
        ]
    )
    parsed = parse_investors_text(text)
    assert parsed.ok, parsed.errors
    assert [r.line for r in parsed.rows] == [2, 3, 4]
    records = parsed.records()
    assert records[wallet(1)] == InvestorRecord(
        kyc_expiry=Y2027, country=840, lockup_until=1782777600, accredited=True
    )
    assert records[wallet(2)] == InvestorRecord(
        kyc_expiry=Y2027, country=276, qualified_purchaser=True, withholding=True
    )
    assert records[wallet(3)] == InvestorRecord(
        kyc_expiry=Y2027 + 11 * 3600, country=756, frozen=True
    )


def test_minimal_columns_in_any_order_and_case() -> None:
    text = f"Country,KYC_Expiry,Wallet\nUS,2027-12-31,{wallet(1)}\n"
    parsed = parse_investors_text(text)
    assert parsed.ok, parsed.errors
    assert parsed.records() == {wallet(1): InvestorRecord(kyc_expiry=Y2027, country=840)}


def test_bom_and_crlf_are_tolerated(tmp_path: Path) -> None:
    content = "\r\n".join([HEADER, row(wallet(1)), row(wallet(2)), ""])
    path = tmp_path / "investors.csv"
    path.write_bytes(b"\xef\xbb\xbf" + content.encode())
    parsed = read_investors_csv(path)
    assert parsed.ok, parsed.errors
    assert len(parsed.rows) == 2
    assert parsed.source == "investors.csv"


def test_blank_lines_are_skipped_and_lines_counted() -> None:
    text = "\n".join([HEADER, "", row(wallet(1)), " , , ,,,,,,", row("0xbad")])
    parsed = parse_investors_text(text)
    assert [r.line for r in parsed.rows] == [3]
    assert [(e.line, e.column) for e in parsed.errors] == [(5, "wallet")]


def test_every_error_is_reported_with_line_and_column() -> None:
    reserved = {wallet(90): "the token"}
    text = "\n".join(
        [
            HEADER,
            row(wallet(1)),  # 2: fine
            row(mixed_case_typo(wallet(2))),  # 3: bad checksum
            row(wallet(1).lower()),  # 4: unchecksummed (and a case-only duplicate)
            row(wallet(1)),  # 5: duplicate
            row("0x0000000000000000000000000000000000000000"),  # 6: zero
            row(wallet(3), country="XX"),  # 7: unknown country
            row(wallet(4), kyc="31/12/2027"),  # 8: bad date
            row(wallet(5), lockup_until="2027-02-30"),  # 9: impossible date
            row(wallet(6), accredited="maybe"),  # 10: bad flag
            row(wallet(90)),  # 11: our own contract
            row(wallet(7), kyc=""),  # 12: missing KYC expiry
            row(wallet(8)) + ",extra",  # 13: too many fields
            row(wallet(9), country="0"),  # 14: 0 is "no record"
        ]
    )
    parsed = parse_investors_text(text, source="investors.csv", reserved=reserved)
    got = [(e.line, e.column) for e in parsed.errors]
    assert got == [
        (3, "wallet"),
        (4, "wallet"),
        (5, "wallet"),
        (6, "wallet"),
        (7, "country"),
        (8, "kyc_expiry"),
        (9, "lockup_until"),
        (10, "accredited"),
        (11, "wallet"),
        (12, "kyc_expiry"),
        (13, None),
        (14, "country"),
    ]
    messages = {e.line: e.message for e in parsed.errors}
    assert "EIP-55 checksum" in messages[3]
    assert "no EIP-55 checksum" in messages[4]
    assert "already appears on line 2" in messages[5]
    assert "zero address" in messages[6]
    assert "the token of this token suite" in messages[11]
    assert str(parsed.errors[0]).startswith("investors.csv:3 [wallet]: ")
    with pytest.raises(InvestorCsvError) as caught:
        parsed.raise_for_errors()
    assert len(caught.value.issues) == 12
    assert "12 errors, nothing was sent" in str(caught.value)


def test_case_only_duplicate_with_unchecksummed_allowed() -> None:
    text = "\n".join([HEADER, row(wallet(1)), row(wallet(1).lower())])
    parsed = parse_investors_text(text, allow_unchecksummed=True)
    assert [(e.line, e.column) for e in parsed.errors] == [(3, "wallet")]
    assert "already appears on line 2" in parsed.errors[0].message


def test_unchecksummed_allowed_is_normalised() -> None:
    text = "\n".join([HEADER, row(wallet(1).lower()), row("0x" + wallet(2)[2:].upper())])
    parsed = parse_investors_text(text, allow_unchecksummed=True)
    assert parsed.ok
    assert [r.wallet for r in parsed.rows] == [wallet(1), wallet(2)]


def test_reserved_as_a_plain_set() -> None:
    text = "\n".join([HEADER, row(wallet(1))])
    parsed = parse_investors_text(text, reserved={wallet(1).lower()})
    assert "a contract of this token suite" in parsed.errors[0].message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("wallet,country", [(1, "kyc_expiry")]),
        ("wallet,country,kyc_expiry,acredited", [(1, "acredited")]),
        ("wallet,country,kyc_expiry,country", [(1, "country")]),
        ("wallet,country,kyc_expiry,", [(1, "#4")]),
    ],
)
def test_header_errors(header: str, expected: list[tuple[int, str]]) -> None:
    parsed = parse_investors_text(header + "\n")
    assert [(e.line, e.column) for e in parsed.errors] == expected
    assert not parsed.rows


def test_empty_file() -> None:
    parsed = parse_investors_text("")
    assert not parsed.ok
    assert "empty" in parsed.errors[0].message
    assert parse_investors_text("\ufeff\r\n\r\n").errors[0].line == 1


def test_header_only_is_an_empty_list() -> None:
    parsed = parse_investors_text(HEADER + "\r\n")
    assert parsed.ok
    assert parsed.rows == []


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\nCôte").encode("latin-1"))
    parsed = read_investors_csv(path)
    assert not parsed.ok
    assert "not UTF-8" in parsed.errors[0].message


def test_quoted_multiline_field_counts_lines() -> None:
    empty = "," * (len(COLUMNS) - 3)  # lockup_until and the flags, empty
    text = HEADER + '\n"' + wallet(1) + '\n",US,2027-12-31' + empty + "\n" + row("0xnope")
    parsed = parse_investors_text(text)
    assert [r.line for r in parsed.rows] == [2]
    assert [(e.line, e.column) for e in parsed.errors] == [(4, "wallet")]


def test_expired_kyc_is_a_warning() -> None:
    text = "\n".join([HEADER, row(wallet(1), kyc="2020-01-01"), row(wallet(2))])
    parsed = parse_investors_text(text, now=Y2027 - 10)
    assert parsed.ok
    assert [(w.line, w.column) for w in parsed.warnings] == [(2, "kyc_expiry")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("y", True),
        ("1", True),
        (" 1 ", True),
        ("false", False),
        ("No", False),
        ("n", False),
        ("0", False),
        ("", False),
    ],
)
def test_flags(text: str, value: bool) -> None:
    assert parse_flag(text) is value


@pytest.mark.parametrize("text", ["2", "t", "f", "on", "off", "maybe", "-1"])
def test_bad_flags(text: str) -> None:
    with pytest.raises(ValueError, match="not a flag"):
        parse_flag(text)


def test_export_format() -> None:
    out = io.StringIO()
    count = write_investors_csv(
        {
            wallet(1): InvestorRecord(
                kyc_expiry=Y2027, country=840, lockup_until=Y2027 + 5, accredited=True
            ),
            wallet(2): InvestorRecord(kyc_expiry=MAX_UINT64, country=999),
        },
        out,
    )
    assert count == 2
    assert out.getvalue().splitlines() == [
        HEADER,
        f"{wallet(1)},US,2027-12-31,2027-12-31T00:00:05Z,true" + ",false" * 8,
        f"{wallet(2)},999,{MAX_UINT64},,false" + ",false" * 8,
    ]


def test_files_without_the_regime_columns_stay_valid() -> None:
    # A file written before the four regime flags existed imports with them false.
    old_header = (
        "wallet,country,kyc_expiry,lockup_until,accredited,qualified_purchaser,affiliate,"
        "withholding,frozen"
    )
    text = f"{old_header}\n{wallet(1)},US,2027-12-31,,true,false,false,false,false\n"
    parsed = parse_investors_text(text)
    assert parsed.ok, parsed.errors
    (only,) = parsed.rows
    assert only.record.accredited and not only.record.us_person and not only.record.qib


def test_regime_columns_are_read() -> None:
    text = "\n".join(
        [HEADER, row(wallet(1), us_person="yes", qib="1", eu_qualified="true", resale_exempt="y")]
    )
    (only,) = parse_investors_text(text).rows
    record = only.record
    assert (record.us_person, record.qib, record.eu_qualified, record.resale_exempt) == (True,) * 4
    assert int(record.flags) == 16 | 32 | 64 | 128


records = st.builds(
    InvestorRecord,
    kyc_expiry=st.integers(0, MAX_UINT64),
    country=st.sampled_from([4, 36, 276, 756, 826, 840]),
    lockup_until=st.integers(0, MAX_UINT64),
    accredited=st.booleans(),
    qualified_purchaser=st.booleans(),
    affiliate=st.booleans(),
    withholding=st.booleans(),
    frozen=st.booleans(),
)


@settings(max_examples=50)
@given(st.lists(records, max_size=20))
def test_import_of_export_is_identity(items: list[InvestorRecord]) -> None:
    original = {wallet(i): record for i, record in enumerate(items)}
    out = io.StringIO()
    write_investors_csv(original, out)
    parsed = parse_investors_text(out.getvalue())
    assert parsed.ok, parsed.errors
    assert parsed.records() == original
    assert list(parsed.records()) == list(original)


def test_write_to_path(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_investors_csv([(wallet(1), InvestorRecord(kyc_expiry=Y2027, country=36))], path)
    assert read_investors_csv(path).records() == {
        wallet(1): InvestorRecord(kyc_expiry=Y2027, country=36)
    }


def test_not_utf8_is_labelled_with_the_file_name_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + row(wallet(1)) + "\nCôte").encode("latin-1"))
    parsed = read_investors_csv(path)
    (issue,) = parsed.errors
    assert issue.source == "latin1.csv" and issue.line == 3
    assert str(issue).startswith("latin1.csv:3: the file is not UTF-8")
    assert "<csv>" not in str(issue)


def test_garbage_after_a_valid_header_is_counted_not_listed() -> None:
    """A valid header followed by 1 MB of garbage: every line is an error, the message lists
    the first MAX_LISTED_ISSUES and counts the rest."""
    garbage = "\n".join(f"#{i} nonsense,{'x' * 20}" for i in range(40_000))
    text = HEADER + "\n" + garbage[: 1 << 20]
    parsed = parse_investors_text(text, source="junk.csv")
    count = len(parsed.errors)
    assert count > 25_000
    with pytest.raises(InvestorCsvError) as caught:
        parsed.raise_for_errors()
    message = str(caught.value)
    assert len(message.splitlines()) == 1 + MAX_LISTED_ISSUES + 1
    assert f"… and {count - MAX_LISTED_ISSUES:,} more errors" in message
    assert message.startswith(f"junk.csv: {count:,} errors, nothing was sent")
    assert caught.value.issues == parsed.errors  # every one is still there for callers
    assert isinstance(caught.value, SectokenError) and isinstance(caught.value, ValueError)
