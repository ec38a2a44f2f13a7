"""Reg D 506(c) on chain: accredited receivers only; the Rule 144 holding period to the second."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from sectoken.model.presets import ONE_YEAR, SIX_MONTHS

from .conftest import ZERO, Walk

pytestmark = pytest.mark.e2e

NOT_ACCREDITED = (
    "NOT_ACCREDITED",
    "Reg D 506(c): the receiver is not an accredited investor (17 CFR 230.506(c)(2)(i))",
)


@pytest.mark.parametrize(("reporting", "period"), [(False, ONE_YEAR), (True, SIX_MONTHS)])
def test_reg_d_506c_rule_table(
    deploy_presets: Callable[..., Walk],
    alice: Any,
    bob: Any,
    carol: Any,
    reporting: bool,
    period: int,
) -> None:
    walk = deploy_presets([{"reg_d_506c": {"issuer_reporting": reporting}}])
    assert walk.token.rules()["requireAccreditation"] is True
    assert walk.token.rules()["holdingPeriod"] == period
    walk.investor(alice, 840, "accredited")
    walk.investor(bob, 840, "accredited")
    walk.investor(carol, 840)  # verified, not accredited

    # accreditation: refused to a non-accredited receiver, allowed to an accredited one
    assert walk.check(ZERO, carol, 1) == NOT_ACCREDITED
    acquired = walk.issue(alice, 10)

    # the holding period: refused through its last second, allowed at its end
    walk.at(acquired + period - 1)
    last_day = datetime.fromtimestamp(acquired + period - 1, tz=UTC).date().isoformat()
    paragraph = "(d)(1)(i)" if reporting else "(d)(1)(ii)"
    assert walk.check(alice, bob, 1) == (
        "HOLDING_PERIOD",
        "Reg D 506(c): the sender's tokens are restricted securities within the Rule 144 "
        f"holding period (ends {last_day}; 17 CFR 230.144{paragraph})",
    )
    walk.at(acquired + period)
    assert walk.check(alice, bob, 1) == ("SUCCESS", "")
    assert walk.check(alice, carol, 1) == NOT_ACCREDITED
    walk.transfer(alice, bob, 1)
    assert walk.token.balanceOf(bob) == 1
