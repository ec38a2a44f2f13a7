"""Investor CSV files: the compliance officer's view of the registry.

Format (UTF-8, a byte-order mark and CRLF line ends are tolerated; the header row is required,
column names are case-insensitive and may come in any order)::

    wallet,country,kyc_expiry,lockup_until,accredited,qualified_purchaser,affiliate,withholding,frozen
    0x5B38Da6a701c568545dCfcB03FcB875f56beddC4,US,2027-12-31,2026-06-30,true,false,false,false,false

=====================  ========  ==============================================================
column                 required  values
=====================  ========  ==============================================================
wallet                 yes       EIP-55 checksummed address; all-lower/upper case only when
                                 unchecksummed input is explicitly allowed; never the zero
                                 address or a contract of the token suite
country                yes       ISO 3166-1 numeric (``840``, ``036``) or alpha-2 (``US``)
kyc_expiry             yes       ISO 8601 date (midnight UTC) or date-time (UTC unless offset),
                                 or unix seconds; the wallet is verified until that instant
lockup_until           no        same formats; empty or ``0`` means no lockup
accredited             no        true/false, yes/no, y/n, 1/0 (any case); empty means false
qualified_purchaser    no        as above
affiliate              no        as above
withholding            no        as above (subject to withholding tax)
frozen                 no        as above (investor-level freeze)
us_person              no        as above (Reg S "U.S. person", 17 CFR 230.902(k): a status,
                                 not the country of residence)
qib                    no        as above (Rule 144A qualified institutional buyer)
eu_qualified           no        as above (qualified investor, EU Prospectus Regulation Art. 2(e))
resale_exempt          no        as above (officer-approved transferee during a Reg CF resale
                                 period: family member, trust; 17 CFR 227.501(a))
=====================  ========  ==============================================================

Every row is checked before anything is sent; every problem is reported at once with its line
number (the header is line 1) and column. Duplicate wallets are refused, also when they differ
only in letter case. Blank lines are skipped. The last four flag columns came with the regulatory
presets: files without them stay valid (the flags are false). Unknown columns are an error (a typo
in a column name must not silently drop a flag).

``write_investors_csv`` writes the same format (checksummed wallets, alpha-2 countries, ISO dates,
``true``/``false``), so importing an export changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sectoken.errors import SectokenError
from sectoken.model.addresses import ZERO_ADDRESS, AddressError, checked_address
from sectoken.model.countries import UnknownCountryError, format_country, parse_country
from sectoken.model.dates import DateError, format_timestamp, parse_timestamp
from sectoken.model.records import InvestorRecord

__all__ = [
    "COLUMNS",
    "FLAG_COLUMNS",
    "MAX_LISTED_ISSUES",
    "REQUIRED_COLUMNS",
    "CsvIssue",
    "FlagError",
    "InvestorCsvError",
    "InvestorRow",
    "ParsedInvestors",
    "parse_flag",
    "parse_investors_text",
    "read_investors_csv",
    "write_investors_csv",
]

REQUIRED_COLUMNS = ("wallet", "country", "kyc_expiry")
FLAG_COLUMNS = (
    "accredited",
    "qualified_purchaser",
    "affiliate",
    "withholding",
    "frozen",
    "us_person",
    "qib",
    "eu_qualified",
    "resale_exempt",
)
COLUMNS = (*REQUIRED_COLUMNS, "lockup_until", *FLAG_COLUMNS)

# How many problems an error message lists before counting the rest.
MAX_LISTED_ISSUES = 50

_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0", ""})


@dataclass(frozen=True, slots=True)
class CsvIssue:
    """One problem in the file: where it is and what is wrong."""

    line: int
    column: str | None
    message: str
    source: str = "<csv>"

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}"
        if self.column:
            where += f" [{self.column}]"
        return f"{where}: {self.message}"


_IssueFactory = Callable[[int, str | None, str], CsvIssue]


@dataclass(frozen=True, slots=True)
class InvestorRow:
    """A valid row: the checksummed wallet and its record."""

    line: int
    wallet: str
    record: InvestorRecord


@dataclass(slots=True)
class ParsedInvestors:
    """The outcome of reading a file: valid rows, errors (any means send nothing), warnings."""

    source: str
    rows: list[InvestorRow] = field(default_factory=list)
    errors: list[CsvIssue] = field(default_factory=list)
    warnings: list[CsvIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def records(self) -> dict[str, InvestorRecord]:
        """Wallet (checksummed) to record, in file order."""
        return {row.wallet: row.record for row in self.rows}

    def raise_for_errors(self) -> None:
        if self.errors:
            raise InvestorCsvError(self.source, self.errors)


class InvestorCsvError(SectokenError, ValueError):
    """The file has errors; nothing may be sent. ``issues`` lists every one; the message shows
    the first MAX_LISTED_ISSUES and counts the rest (a file of garbage has one per line)."""

    def __init__(self, source: str, issues: list[CsvIssue]) -> None:
        self.source = source
        self.issues = issues
        count = len(issues)
        lines = [f"  {issue}" for issue in issues[:MAX_LISTED_ISSUES]]
        if count > MAX_LISTED_ISSUES:
            lines.append(f"  … and {count - MAX_LISTED_ISSUES:,} more errors")
        super().__init__(
            f"{source}: {count:,} error{'s' if count != 1 else ''}, nothing was sent:\n"
            + "\n".join(lines),
            hint="fix the rows listed and run the command again",
        )


class FlagError(SectokenError, ValueError):
    """The text is not a yes/no value."""


def parse_flag(text: str) -> bool:
    """true/false, yes/no, y/n, 1/0 in any case; empty is false (FlagError otherwise)."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FlagError(f"{text.strip()!r} is not a flag: use true/false, yes/no or 1/0")


def read_investors_csv(
    path: str | Path,
    *,
    reserved: Mapping[str, str] | Iterable[str] = (),
    allow_unchecksummed: bool = False,
    now: int | None = None,
) -> ParsedInvestors:
    """Read and check an investor CSV file (see the module docstring for the format).

    ``reserved`` holds addresses that must never be investors (the suite's own contracts), as
    a set or as a mapping from address to a label used in the error message. ``now`` (unix
    seconds) turns a KYC expiry in the past into a warning.
    """
    file = Path(path)
    data = file.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        result = ParsedInvestors(source=file.name)
        line = data.count(b"\n", 0, exc.start) + 1
        result.errors.append(
            CsvIssue(
                line,
                None,
                f"the file is not UTF-8 (byte {exc.start}, value 0x{data[exc.start]:02x}): "
                "save it as UTF-8 CSV",
                file.name,
            )
        )
        return result
    return parse_investors_text(
        text,
        source=file.name,
        reserved=reserved,
        allow_unchecksummed=allow_unchecksummed,
        now=now,
    )


def parse_investors_text(
    text: str,
    *,
    source: str = "<csv>",
    reserved: Mapping[str, str] | Iterable[str] = (),
    allow_unchecksummed: bool = False,
    now: int | None = None,
) -> ParsedInvestors:
    """Check investor CSV text; see ``read_investors_csv``."""
    result = ParsedInvestors(source=source)
    labels = _reserved_labels(reserved)
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))

    def issue(line: int, column: str | None, message: str) -> CsvIssue:
        return CsvIssue(line, column, message, source)

    header: list[str] | None = None
    header_line = 0
    while header is None:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            result.errors.append(
                issue(1, None, f"the file is empty: the header is {','.join(COLUMNS)}")
            )
            return result
        except csv.Error as exc:
            result.errors.append(issue(start, None, f"cannot read the header: {exc}"))
            return result
        if any(f.strip() for f in fields):
            header = [f.strip().lower() for f in fields]
            header_line = start

    positions: dict[str, int] = {}
    header_ok = True
    for index, name in enumerate(header):
        if name in positions:
            result.errors.append(issue(header_line, name, "column appears twice in the header"))
            header_ok = False
        elif name not in COLUMNS:
            hint = "" if name else " (empty column name)"
            result.errors.append(
                issue(
                    header_line,
                    name or f"#{index + 1}",
                    f"unknown column{hint}; the columns are {', '.join(COLUMNS)}",
                )
            )
            header_ok = False
        else:
            positions[name] = index
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            result.errors.append(issue(header_line, name, "required column is missing"))
            header_ok = False
    if not header_ok:
        return result

    seen: dict[str, int] = {}
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.errors.append(issue(start, None, f"cannot read this row: {exc}"))
            break
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            result.errors.append(
                issue(
                    start,
                    None,
                    f"{len(fields)} fields but the header has {len(header)}: "
                    "check for a stray comma or a missing value",
                )
            )
            continue
        row = _parse_row(
            fields,
            positions,
            start,
            issue,
            result,
            labels,
            seen,
            allow_unchecksummed=allow_unchecksummed,
            now=now,
        )
        if row is not None:
            result.rows.append(row)
    return result


def _parse_row(
    fields: list[str],
    positions: Mapping[str, int],
    line: int,
    issue: _IssueFactory,
    result: ParsedInvestors,
    reserved: Mapping[str, str],
    seen: dict[str, int],
    *,
    allow_unchecksummed: bool,
    now: int | None,
) -> InvestorRow | None:
    errors_before = len(result.errors)

    def value(name: str) -> str:
        index = positions.get(name)
        return "" if index is None else fields[index].strip()

    wallet: str | None = None
    try:
        wallet = checked_address(value("wallet"), allow_unchecksummed=allow_unchecksummed)
    except AddressError as exc:
        result.errors.append(issue(line, "wallet", str(exc)))
    if wallet is not None:
        key = wallet.lower()
        if wallet == ZERO_ADDRESS:
            result.errors.append(issue(line, "wallet", "the zero address cannot be an investor"))
        elif key in reserved:
            result.errors.append(
                issue(
                    line,
                    "wallet",
                    f"{wallet} is {reserved[key]} of this token suite, not an investor wallet",
                )
            )
        elif key in seen:
            result.errors.append(
                issue(line, "wallet", f"{wallet} already appears on line {seen[key]}")
            )
        else:
            seen[key] = line

    country = 0
    try:
        country = parse_country(value("country"))
    except UnknownCountryError as exc:
        result.errors.append(issue(line, "country", str(exc)))

    kyc_expiry = 0
    if not value("kyc_expiry"):
        result.errors.append(issue(line, "kyc_expiry", "KYC expiry is required (YYYY-MM-DD)"))
    else:
        try:
            kyc_expiry = parse_timestamp(value("kyc_expiry"))
        except DateError as exc:
            result.errors.append(issue(line, "kyc_expiry", str(exc)))
        else:
            if now is not None and kyc_expiry <= now:
                result.warnings.append(
                    issue(
                        line,
                        "kyc_expiry",
                        f"KYC expired on {format_timestamp(kyc_expiry)}: "
                        "the wallet will be recorded but not verified",
                    )
                )

    lockup_until = 0
    if value("lockup_until"):
        try:
            lockup_until = parse_timestamp(value("lockup_until"))
        except DateError as exc:
            result.errors.append(issue(line, "lockup_until", str(exc)))

    flags: dict[str, bool] = {}
    for name in FLAG_COLUMNS:
        try:
            flags[name] = parse_flag(value(name))
        except FlagError as exc:
            result.errors.append(issue(line, name, str(exc)))

    if len(result.errors) != errors_before or wallet is None:
        return None
    record = InvestorRecord(
        kyc_expiry=kyc_expiry,
        lockup_until=lockup_until,
        country=country,
        **flags,
    )
    return InvestorRow(line=line, wallet=wallet, record=record)


def _reserved_labels(reserved: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    if isinstance(reserved, Mapping):
        return {str(addr).lower(): label for addr, label in reserved.items()}
    return {str(addr).lower(): "a contract" for addr in reserved}


def format_row(wallet: str, record: InvestorRecord) -> list[str]:
    """One CSV row in the canonical format."""
    return [
        wallet,
        format_country(record.country),
        format_timestamp(record.kyc_expiry),
        format_timestamp(record.lockup_until) if record.lockup_until else "",
        *("true" if getattr(record, name) else "false" for name in FLAG_COLUMNS),
    ]


def write_investors_csv(
    investors: Iterable[tuple[str, InvestorRecord]] | Mapping[str, InvestorRecord],
    out: str | Path | TextIO,
) -> int:
    """Write investors in the import format; returns the number of rows written."""
    items = investors.items() if isinstance(investors, Mapping) else investors
    if isinstance(out, str | Path):
        with Path(out).open("w", encoding="utf-8", newline="") as handle:
            return _write(items, handle)
    return _write(items, out)


def _write(items: Iterable[tuple[str, InvestorRecord]], handle: TextIO) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for wallet, record in items:
        writer.writerow(format_row(wallet, record))
        count += 1
    return count
