"""Reg CF on chain: one year from issuance only to the issuer, an accredited investor or a
permitted family transferee (17 CFR 227.501(a)); anyone once the year is over, to the second."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from sectoken.model.presets import ONE_YEAR

from .conftest import Walk, needs_regime

pytestmark = [pytest.mark.e2e, needs_regime]


def test_reg_cf_rule_table(
    deploy_presets: Callable[..., Walk], deployer: Any, alice: Any, bob: Any, carol: Any,
    accounts: Any,
) -> None:  # fmt: skip
    walk = deploy_presets(["reg_cf"])
    assert walk.regime()["resalePeriod"] == ONE_YEAR
    family = accounts[7]
    walk.investor(alice, 840)
    walk.investor(bob, 840)  # neither accredited nor exempt
    walk.investor(carol, 840, "accredited")  # 227.501(a)(2)
    walk.investor(family, 840, "resale_exempt")  # 227.501(a)(4)
    walk.investor(deployer, 840)  # the issuer (holds ISSUER_ROLE): 227.501(a)(1)
    acquired = walk.issue(alice, 10)
    walk.at(acquired + ONE_YEAR - 1)
    last_day = datetime.fromtimestamp(acquired + ONE_YEAR - 1, tz=UTC).date().isoformat()
    assert walk.check(alice, bob, 1) == (
        "RESALE_RESTRICTED",
        "Reg CF: the sender's tokens are within the one-year resale restriction and the receiver "
        "is neither the issuer, an accredited investor nor a permitted family transferee "
        f"(ends {last_day}; 17 CFR 227.501(a))",
    )
    for exempt in (carol, family, deployer):
        assert walk.check(alice, exempt, 1) == ("SUCCESS", ""), exempt
    walk.at(acquired + ONE_YEAR)
    assert walk.check(alice, bob, 1) == ("SUCCESS", "")
    walk.transfer(alice, bob, 1)
    assert walk.token.balanceOf(bob) == 1
