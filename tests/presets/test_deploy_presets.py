"""The deploy job applies the presets' rules (setRules, setRegime) once: a re-run sends nothing,
a changed preset sends only the difference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sectoken
from sectoken.model.presets import ONE_YEAR

from .conftest import needs_regime

pytestmark = [pytest.mark.e2e, needs_regime]


def _spec(presets: list[Any]) -> dict[str, Any]:
    return {
        "token": {"name": "Preset Shares", "symbol": "PRE", "decimals": 0},
        "corporate": {"dividends": False, "voting": False},
        "presets": presets,
        "roles": {"issuer": ["deployer"], "compliance": ["deployer"]},
    }


def test_presets_deploy_once_and_change_by_difference(deployer: Any, tmp_path: Path) -> None:
    folder = tmp_path / "deployments"
    first = _spec(["reg_cf", "section_12g"])
    steps: list[str] = []
    suite = sectoken.deploy(first, deployer, deployments=folder, on_step=steps.append)
    assert any(s.startswith("set regime (") and "presets: reg_cf, section_12g" in s for s in steps)
    assert suite.token.rules()["maxHolders"] == 1_999
    assert sectoken.plan_deployment(first, deployer, deployments=folder).is_empty

    changed = _spec(["reg_cf", {"section_12g": {"headroom": 99}}])
    plan = sectoken.plan_deployment(changed, deployer, deployments=folder)
    assert [s.split(" (")[0] for s in plan.steps] == ["set rules", "set regime"]
    assert "max_non_accredited 499→400" in plan.steps[1]
    sectoken.deploy(changed, deployer, deployments=folder)
    from sectoken.jobs.deploy import decode_regime

    regime = decode_regime(int(suite.token.regimeState(0, "0x" + "00" * 20)[0]))
    assert (regime.max_non_accredited, regime.resale_period) == (400, ONE_YEAR)
    assert suite.token.rules()["maxHolders"] == 1_900
    assert sectoken.plan_deployment(changed, deployer, deployments=folder).is_empty

    # dropping every preset turns the regime off again
    plan = sectoken.plan_deployment(_spec([]), deployer, deployments=folder)
    assert any(s.startswith("set regime (") for s in plan.steps)
