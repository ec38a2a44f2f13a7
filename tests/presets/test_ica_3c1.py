"""ICA 3(c)(1) on chain: at most 100 beneficial owners (250 for a venture capital fund)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import ZERO, Walk

pytestmark = pytest.mark.e2e

FULL = (
    "MAX_HOLDERS",
    "ICA 3(c)(1): the fund has reached the beneficial owners its exclusion allows "
    "(Investment Company Act 3(c)(1))",
)


def test_ica_3c1_hundred_owners(deploy_presets: Callable[..., Walk], alice: Any, bob: Any) -> None:
    walk = deploy_presets(["ica_3c1"])
    assert walk.token.rules()["maxHolders"] == 100
    walk.investor(alice)
    walk.investor(bob)
    owners = walk.investors(99)
    walk.issue_each(owners[:98])
    walk.issue(alice, 2)
    assert walk.token.holderCount() == 99
    assert walk.check(ZERO, owners[98], 1) == ("SUCCESS", "")  # the 100th owner
    walk.issue_each(owners[98:])
    assert walk.token.holderCount() == 100
    assert walk.check(ZERO, bob, 1) == FULL  # the 101st
    assert walk.check(alice, bob, 1) == FULL
    assert walk.check(alice, owners[0], 1) == ("SUCCESS", "")  # to an owner: no new one
    assert walk.check(alice, bob, 2) == ("SUCCESS", "")  # alice leaves as bob joins


def test_ica_3c1_venture_capital_fund_sets_250(deploy_presets: Callable[..., Walk]) -> None:
    walk = deploy_presets([{"ica_3c1": {"venture_capital_fund": True}}])
    assert walk.token.rules()["maxHolders"] == 250
