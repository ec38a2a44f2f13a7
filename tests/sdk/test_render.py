"""Readable plan lines."""

from __future__ import annotations

import io

from rich.console import Console

from sectoken.cli.render import describe_change, print_csv_issues, print_plan
from sectoken.model.csv_investors import parse_investors_text
from sectoken.model.plan import Change, compute_plan
from sectoken.model.records import InvestorRecord

A = InvestorRecord(kyc_expiry=1830211200, country=840, accredited=True)
B = InvestorRecord(kyc_expiry=1830211200, country=276, accredited=False, lockup_until=86400)
W = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"


def test_describe_change() -> None:
    assert describe_change(Change(W, 0, A.pack())) == "US, KYC until 2027-12-31, accredited"
    assert describe_change(Change(W, A.pack(), B.pack())) == (
        "country US→DE, lockup_until -→1970-01-02, accredited true→false"
    )
    assert describe_change(Change(W, A.pack(), 0)).startswith("remove (US")


def test_print_plan_and_issues() -> None:
    out = io.StringIO()
    console = Console(file=out, width=120)
    print_plan(console, compute_plan({W: A}, {}), batch_size=100)
    parsed = parse_investors_text(
        "wallet,country,kyc_expiry\n0xbad,US,2030-01-01\n", source="f.csv"
    )
    print_csv_issues(console, parsed)
    text = out.getvalue()
    assert "1 transaction in batches of 100" in text
    assert "f.csv line 2 [wallet]" in text
    assert "nothing was sent" in text
