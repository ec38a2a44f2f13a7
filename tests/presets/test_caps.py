"""Caps over a class of holders on chain, walked to the cap: Reg D 506(b)'s 35 non-accredited,
Exchange Act 12(g)'s thresholds with headroom, EU Art. 1(4)(b)'s 149 per member state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from sectoken.model.presets import ONE_YEAR

from .conftest import ZERO, Walk, needs_regime

pytestmark = [pytest.mark.e2e, needs_regime]

DE, FR = 276, 250


def test_reg_d_506b_rule_table(
    deploy_presets: Callable[..., Walk], alice: Any, bob: Any, carol: Any
) -> None:
    walk = deploy_presets(["reg_d_506b"])
    assert walk.regime()["maxNonAccredited"] == 35
    assert walk.token.rules()["holdingPeriod"] == ONE_YEAR
    walk.investor(alice, 840, "accredited")
    walk.investor(bob, 840, "accredited")
    walk.investor(carol, 840)
    others = walk.investors(34)
    walk.issue_each(others)
    assert walk.check(ZERO, carol, 1) == ("SUCCESS", "")  # the 35th non-accredited
    walk.issue(carol, 1)
    full = (
        "MAX_NON_ACCREDITED",
        "Reg D 506(b): the token already has 35 holders who are not accredited investors "
        "(17 CFR 230.506(b)(2)(i))",
    )
    extra = walk.investors(1)
    assert walk.check(ZERO, extra[0], 1) == full  # the 36th
    assert walk.check(ZERO, bob, 1) == ("SUCCESS", "")  # accredited: not counted
    acquired = walk.issue(alice, 10)
    walk.at(acquired + ONE_YEAR - 1)
    last_day = datetime.fromtimestamp(acquired + ONE_YEAR - 1, tz=UTC).date().isoformat()
    assert walk.check(alice, bob, 1) == (
        "HOLDING_PERIOD",
        "Reg D 506(b): the sender's tokens are restricted securities within the Rule 144 holding "
        f"period (ends {last_day}; 17 CFR 230.144(d)(1)(ii))",
    )
    walk.at(acquired + ONE_YEAR)
    assert walk.check(alice, bob, 1) == ("SUCCESS", "")
    assert walk.check(alice, extra[0], 1) == full


def test_section_12g_thresholds_and_headroom(
    deploy_presets: Callable[..., Walk], alice: Any, bob: Any, carol: Any
) -> None:
    plain = deploy_presets(["section_12g"])
    assert plain.token.rules()["maxHolders"] == 1_999
    assert plain.regime()["maxNonAccredited"] == 499
    # headroom 498 leaves one non-accredited holder; the holder cap tightened in the spec to 3
    walk = deploy_presets([{"section_12g": {"headroom": 498}}], max_holders=3)
    assert walk.token.rules()["maxHolders"] == 3
    assert walk.regime()["maxNonAccredited"] == 1
    walk.investor(alice, 840, "accredited")
    walk.investor(bob, 840)
    walk.investor(carol, 840)
    walk.issue(bob, 1)  # the one non-accredited holder
    assert walk.check(ZERO, carol, 1) == (
        "MAX_NON_ACCREDITED",
        "Exchange Act 12(g): the token has reached its cap of non-accredited holders of record "
        "below the 500 that require registration (Exchange Act 12(g)(1)(A)(ii))",
    )
    walk.issue(alice, 1)
    accredited = walk.investors(2, 840, "accredited")
    walk.issue_each(accredited[:1])  # the 3rd holder
    assert walk.check(ZERO, accredited[1], 1) == (
        "MAX_HOLDERS",
        "Exchange Act 12(g): the token has reached its cap of holders of record below the 2,000 "
        "that require registration (Exchange Act 12(g)(1)(A)(i))",
    )


def test_eu_private_placement_149_per_member_state(
    deploy_presets: Callable[..., Walk], alice: Any, bob: Any
) -> None:
    walk = deploy_presets(["eu_private_placement"])
    assert walk.regime()["maxNonQualifiedPerCountry"] == 149
    walk.investor(alice, DE, "eu_qualified")
    walk.investor(bob, FR)
    german = walk.investors(150, DE)
    walk.issue_each(german[:148])
    assert walk.check(ZERO, german[148], 1) == ("SUCCESS", "")  # the 149th
    walk.issue_each(german[148:149])
    assert walk.check(ZERO, german[149], 1) == (
        "MAX_NON_QUALIFIED_COUNTRY",
        "EU Prospectus Regulation: the receiver's member state already has 149 investors who are "
        "not qualified investors (Regulation (EU) 2017/1129 Art. 1(4)(b))",
    )
    assert walk.check(ZERO, alice, 1) == ("SUCCESS", "")  # a qualified investor: not counted
    assert walk.check(ZERO, bob, 1) == ("SUCCESS", "")  # another member state
