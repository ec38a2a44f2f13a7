"""Reg S on chain: no U.S.-person receiver before the distribution compliance period ends, to the
second; other receivers throughout; Reg D beside it binds accreditation to U.S. persons only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from .conftest import ZERO, Walk, needs_regime

pytestmark = [pytest.mark.e2e, needs_regime]

US, DE = 840, 276


def _today(chain: Any) -> date:
    return datetime.fromtimestamp(chain.pending_timestamp, tz=UTC).date()


def _midnight_after(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) + 86_400


@pytest.mark.parametrize(
    ("params", "days", "cite"),
    [
        ({"category": 2}, 40, "17 CFR 230.903(b)(2)(ii)"),
        ({"category": 3, "security": "debt"}, 40, "17 CFR 230.903(b)(3)(ii)(A)"),
    ],
)
def test_reg_s_forty_day_period(
    deploy_presets: Callable[..., Walk], chain: Any, alice: Any, bob: Any, carol: Any,
    params: dict[str, Any], days: int, cite: str,
) -> None:  # fmt: skip
    start = _today(chain)
    walk = deploy_presets([{"reg_s": params | {"offering_start": start.isoformat()}}])
    last_day = start + timedelta(days=days)
    until = _midnight_after(last_day)
    assert walk.regime()["usPersonBlockedUntil"] == until
    walk.investor(alice, DE)
    walk.investor(bob, US, "us_person")
    walk.investor(carol, US)  # resident, yet not a U.S. person under 230.902(k)
    refused = (
        "US_PERSON_RESTRICTED",
        "Reg S: the receiver is a U.S. person during the distribution compliance period "
        f"(ends {last_day.isoformat()}; {cite})",
    )
    assert walk.check(ZERO, bob, 1) == refused
    walk.issue(alice, 10)
    walk.at(until - 1)
    assert walk.check(alice, bob, 1) == refused
    assert walk.check(alice, carol, 1) == ("SUCCESS", "")
    walk.at(until)
    assert walk.check(alice, bob, 1) == ("SUCCESS", "")
    walk.transfer(alice, bob, 1)
    assert walk.token.balanceOf(bob) == 1


def test_reg_s_category_3_equity_of_a_reporting_issuer_six_months(
    deploy_presets: Callable[..., Walk], chain: Any, alice: Any, bob: Any
) -> None:
    start = _today(chain)
    closing = start + timedelta(days=3)  # the period runs from the later date: the closing
    walk = deploy_presets(
        [
            {
                "reg_s": {
                    "category": 3,
                    "issuer_reporting": True,
                    "offering_start": start.isoformat(),
                    "closing_date": closing.isoformat(),
                }
            }
        ]
    )
    month = closing.month + 6
    last_day = date(closing.year + (month - 1) // 12, (month - 1) % 12 + 1, closing.day)
    until = _midnight_after(last_day)
    assert walk.regime()["usPersonBlockedUntil"] == until
    walk.investor(alice, DE)
    walk.investor(bob, US, "us_person")
    walk.issue(alice, 10)
    walk.at(until - 1)
    assert walk.check(alice, bob, 1) == (
        "US_PERSON_RESTRICTED",
        "Reg S: the receiver is a U.S. person during the distribution compliance period "
        f"(ends {last_day.isoformat()}; 17 CFR 230.903(b)(3)(iii)(A))",
    )
    walk.at(until)
    assert walk.check(alice, bob, 1) == ("SUCCESS", "")


def test_reg_s_category_1_sets_no_period(
    deploy_presets: Callable[..., Walk], chain: Any, alice: Any, bob: Any
) -> None:
    walk = deploy_presets([{"reg_s": {"category": 1, "offering_start": "2026-01-01"}}])
    assert walk.regime()["usPersonBlockedUntil"] == 0
    walk.investor(alice, DE)
    walk.investor(bob, US, "us_person")
    walk.issue(alice, 10)
    assert walk.check(alice, bob, 1) == ("SUCCESS", "")


def test_reg_d_506c_with_reg_s_accreditation_binds_us_persons_only(
    deploy_presets: Callable[..., Walk], chain: Any, alice: Any, bob: Any, carol: Any, accounts: Any
) -> None:
    start = _today(chain)
    walk = deploy_presets(
        ["reg_d_506c", {"reg_s": {"category": 2, "offering_start": start.isoformat()}}]
    )
    regime = walk.regime()
    assert regime["accreditationUsOnly"] is True
    walk.investor(alice, DE)  # offshore, not accredited: Reg S tranche
    walk.investor(bob, US, "us_person", "accredited")  # Reg D tranche
    walk.investor(carol, US, "us_person")  # U.S. person, not accredited
    # during the period: issuance to an accredited U.S. person (Reg D) and offshore (Reg S)
    assert walk.check(ZERO, bob, 1) == ("SUCCESS", "")
    assert walk.check(ZERO, alice, 1) == ("SUCCESS", "")
    assert walk.check(ZERO, carol, 1) == (
        "NOT_ACCREDITED",
        "Reg D 506(c): the receiver is not an accredited investor (17 CFR 230.506(c)(2)(i))",
    )
