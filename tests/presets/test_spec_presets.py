"""Presets in the deploy spec: applied, tightened, loosening refused, every problem with its key."""

from __future__ import annotations

from typing import Any

import pytest

from sectoken.model.presets import DAY, ONE_YEAR, Regime
from sectoken.model.spec import SpecError, parse_spec

_REG_S = {"category": 3, "offering_start": "2026-07-01", "closing_date": "2026-07-10"}

_TOKEN = {"token": {"name": "Acme", "symbol": "ACME"}}


def _spec_problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(_TOKEN | data)
    return caught.value.problems


def test_spec_applies_preset_rules_and_keeps_its_own() -> None:
    spec = parse_spec(
        _TOKEN | {"presets": ["section_12g", "reg_d_506c"], "rules": {"max_balance_bps": 500}}
    )
    assert spec.rules.max_holders == 1_999
    assert spec.rules.require_accreditation is True
    assert spec.rules.holding_period == ONE_YEAR
    assert spec.rules.max_balance_bps == 500
    assert spec.regime.max_non_accredited == 499
    assert spec.canonical()["presets"] == [
        {"section_12g": {"headroom": 0}},
        {"reg_d_506c": {"issuer_reporting": False}},
    ]


def test_spec_without_presets_hashes_as_before() -> None:
    spec = parse_spec(_TOKEN)
    assert "presets" not in spec.canonical()
    assert spec.regime == Regime()


def test_canonical_presets_parse_back_to_the_same_rules() -> None:
    spec = parse_spec(_TOKEN | {"presets": ["reg_cf", {"reg_s": _REG_S}]})
    again = parse_spec(_TOKEN | {"presets": spec.canonical()["presets"]})
    assert again.regime == spec.regime
    assert again.spec_hash() == spec.spec_hash()


def test_canonical_presets_leave_unset_optional_parameters_out() -> None:
    raw = {"category": 2, "offering_start": "2026-07-01"}
    spec = parse_spec(_TOKEN | {"presets": [{"reg_s": raw}]})
    (stored,) = spec.canonical()["presets"]
    assert "closing_date" not in stored["reg_s"]
    again = parse_spec(_TOKEN | {"presets": spec.canonical()["presets"]})
    assert again.regime == spec.regime


def test_spec_tightening_a_preset_is_accepted() -> None:
    spec = parse_spec(
        _TOKEN
        | {
            "presets": ["section_12g", "reg_d_506b"],
            "rules": {"max_holders": 1500, "holding_period": "400d"},
        }
    )
    assert spec.rules.max_holders == 1500
    assert spec.rules.holding_period == 400 * DAY


def test_spec_loosening_a_preset_is_refused_with_the_reason() -> None:
    problems = _spec_problems(
        {
            "presets": ["section_12g", "reg_d_506c"],
            "rules": {"max_holders": 2500, "holding_period": "30d", "require_accreditation": False},
        }
    )
    assert problems == [
        "rules.require_accreditation: false loosens reg_d_506c's true (all purchasers are "
        "accredited investors; 17 CFR 230.506(c)(2)(i)); tighten or drop the preset",
        "rules.max_holders: 2,500 loosens section_12g's 1,999 (fewer than 2,000 holders of record;"
        " Exchange Act 12(g)(1)(A)(i)); tighten or drop the preset",
        "rules.holding_period: 30d loosens reg_d_506c's 366d (one year holding period of "
        "restricted securities of an issuer that does not report (366 days) (230.502(d): Reg D "
        "securities are restricted); 17 CFR 230.144(d)(1)(ii)); tighten or drop the preset",
    ]
    no_limit = _spec_problems({"presets": ["ica_3c1"], "rules": {"max_holders": 0}})
    assert no_limit[0].startswith("rules.max_holders: 0 (none) loosens ica_3c1's 100")


def test_spec_reports_preset_problems_with_the_others() -> None:
    problems = _spec_problems(
        {"presets": [{"reg_s": {"category": 9}}], "countries": {"XX": {}}, "rules": {"x": 1}}
    )
    assert "presets[0].reg_s.category: must be one of 1, 2, 3 (got 9)" in problems
    assert any(p.startswith("countries.XX:") for p in problems)
    assert any(p.startswith("unknown key rules.x") for p in problems)


def test_the_example_spec_with_presets_parses() -> None:
    from pathlib import Path

    from sectoken.model.spec import load_spec

    spec = load_spec(Path(__file__).resolve().parents[2] / "examples" / "spec-presets.yaml")
    assert [u.name for u in spec.presets.uses] == ["reg_d_506c", "reg_s", "section_12g"]
    assert spec.rules.max_holders == 1_899 and spec.rules.max_balance_bps == 2500
    assert spec.regime.accreditation_us_only is True
