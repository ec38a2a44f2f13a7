"""Rule 144A, ICA 3(c)(7) and EU Art. 1(4)(a) on chain: every receiver holds the status; each
class of investor refused or allowed, on issuance and on transfer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import ZERO, Walk, needs_regime

pytestmark = [pytest.mark.e2e, needs_regime]

CASES = [
    (
        "rule_144a",
        "qib",
        "NOT_QIB",
        "Rule 144A: the receiver is not a qualified institutional buyer (17 CFR 230.144A(d)(1))",
    ),
    (
        "ica_3c7",
        "qualified_purchaser",
        "NOT_QUALIFIED_PURCHASER",
        "ICA 3(c)(7): the receiver is not a qualified purchaser (Investment Company Act "
        "3(c)(7)(A))",
    ),
    (
        "eu_qualified_only",
        "eu_qualified",
        "NOT_EU_QUALIFIED",
        "EU Prospectus Regulation: the receiver is not a qualified investor (Regulation (EU) "
        "2017/1129 Art. 1(4)(a))",
    ),
]


@pytest.mark.parametrize(("preset", "flag", "code", "message"), CASES)
def test_receivers_need_the_status(
    deploy_presets: Callable[..., Walk], alice: Any, bob: Any, carol: Any,
    preset: str, flag: str, code: str, message: str,
) -> None:  # fmt: skip
    walk = deploy_presets([preset])
    walk.investor(alice, 276, flag)
    walk.investor(bob, 276, flag)
    walk.investor(carol, 276, "accredited")  # another status does not stand in for it
    assert walk.check(ZERO, carol, 1) == (code, message)
    walk.issue(alice, 10)
    assert walk.check(alice, carol, 1) == (code, message)
    assert walk.check(alice, bob, 1) == ("SUCCESS", "")
    walk.transfer(alice, bob, 1)
    assert walk.token.balanceOf(bob) == 1


def test_rule_144a_with_3c7_needs_both(
    deploy_presets: Callable[..., Walk], alice: Any, bob: Any, carol: Any
) -> None:
    walk = deploy_presets(["rule_144a", "ica_3c7"])
    assert walk.regime()["requiredFlags"] == 32 | 2
    walk.investor(alice, 840, "qib", "qualified_purchaser")
    walk.investor(bob, 840, "qib")
    walk.investor(carol, 840, "qualified_purchaser")
    assert walk.check(ZERO, alice, 1) == ("SUCCESS", "")
    assert walk.check(ZERO, bob, 1)[0] == "NOT_QUALIFIED_PURCHASER"
    assert walk.check(ZERO, carol, 1)[0] == "NOT_QIB"
