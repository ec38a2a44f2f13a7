"""Rule 144(e) on chain: an affiliate sells at most 1% of the supply within three months; the
token counts a sale in its window and the next one (never looser than a rolling window)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sectoken.model.presets import THREE_MONTHS

from .conftest import Walk, needs_regime

pytestmark = [pytest.mark.e2e, needs_regime]

OVER = (
    "AFFILIATE_VOLUME",
    "Rule 144 (affiliates): the affiliate's sales would pass 1% of the units outstanding within "
    "three months (17 CFR 230.144(e)(1)(i))",
)


def test_affiliate_volume_rule_table(
    deploy_presets: Callable[..., Walk], alice: Any, bob: Any, carol: Any
) -> None:
    walk = deploy_presets(["rule_144_affiliates"])
    regime = walk.regime()
    assert (regime["affiliateVolumeBps"], regime["affiliateWindow"]) == (100, THREE_MONTHS)
    walk.investor(alice, 840, "affiliate")
    walk.investor(bob, 840)
    walk.investor(carol, 840)
    walk.issue(alice, 1_000)
    walk.issue(bob, 9_000)  # supply 10,000: 1% is 100
    walk.transfer(alice, carol, 60)
    assert walk.check(alice, carol, 41) == OVER
    assert walk.check(alice, carol, 40) == ("SUCCESS", "")  # exactly 1%
    sold_at = walk.transfer(alice, carol, 40)
    assert walk.check(alice, carol, 1) == OVER
    assert walk.check(bob, carol, 5_000) == ("SUCCESS", "")  # not an affiliate: no limit
    forgotten = (sold_at // THREE_MONTHS + 2) * THREE_MONTHS
    walk.at(forgotten - 1)
    assert walk.check(alice, carol, 1) == OVER
    walk.at(forgotten)
    assert walk.check(alice, carol, 100) == ("SUCCESS", "")
    assert walk.check(alice, carol, 101) == OVER
