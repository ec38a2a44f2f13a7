"""The preset catalogue, pure: parameters, rule values and citations, combination, loosening."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from sectoken.model.presets import (
    CATALOGUE,
    COMBINE,
    DAY,
    EU_MEMBER_STATES,
    ONE_YEAR,
    REGIME_FLAGS,
    SIX_MONTHS,
    PresetError,
    Regime,
    parse_presets,
    reg_s_period,
)

_REG_S = {"category": 3, "offering_start": "2026-07-01", "closing_date": "2026-07-10"}
_REQUIRED: dict[str, dict[str, Any]] = {"reg_s": _REG_S}


def _ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def _problems(raw: Any) -> list[str]:
    with pytest.raises(PresetError) as caught:
        parse_presets(raw)
    return caught.value.problems


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_preset_sets_cited_rules(name: str) -> None:
    resolution = parse_presets([{name: _REQUIRED.get(name, {})}])
    (use,) = resolution.uses
    assert use.settings, f"{name} sets no rule"
    for setting in use.settings:
        assert setting.key.split(":")[0] in COMBINE
        assert setting.cite.startswith(("17 CFR ", "Exchange Act ", "Investment Company Act ",
                                        "Regulation (EU) 2017/1129 "))  # fmt: skip
        assert setting.meaning and setting.refusal
    assert CATALOGUE[name].off_chain, f"{name} lists no off-chain duty"


def test_reg_d_values_follow_the_issuers_reporting_status() -> None:
    b = parse_presets(["reg_d_506b"])
    assert b.regime().max_non_accredited == 35
    assert b.rule_values() == {"holding_period": ONE_YEAR}
    c = parse_presets([{"reg_d_506c": {"issuer_reporting": True}}])
    assert c.rule_values() == {"require_accreditation": True, "holding_period": SIX_MONTHS}
    assert c.winners["rules.holding_period"].setting.cite == "17 CFR 230.144(d)(1)(i)"


def test_section_12g_stays_below_both_thresholds_with_headroom() -> None:
    plain = parse_presets(["section_12g"])
    assert plain.rule_values() == {"max_holders": 1_999}
    assert plain.regime().max_non_accredited == 499
    roomy = parse_presets([{"section_12g": {"headroom": 100}}])
    assert roomy.rule_values() == {"max_holders": 1_899}
    assert roomy.regime().max_non_accredited == 399
    assert _problems([{"section_12g": {"headroom": 499}}]) == [
        "presets[0].section_12g.headroom: at most 498 (it comes off the 499 non-accredited holders)"
    ]


@pytest.mark.parametrize(
    ("params", "last_day", "cite"),
    [
        ({"category": 1}, None, "17 CFR 230.903(b)(1)"),
        ({"category": 2}, "2026-08-19", "17 CFR 230.903(b)(2)(ii)"),
        ({"category": 3, "security": "debt"}, "2026-08-19", "17 CFR 230.903(b)(3)(ii)(A)"),
        ({"category": 3, "issuer_reporting": True}, "2027-01-10", "17 CFR 230.903(b)(3)(iii)(A)"),
        ({"category": 3}, "2027-07-10", "17 CFR 230.903(b)(3)(iii)(A)"),
    ],
)
def test_reg_s_distribution_compliance_period(
    params: dict[str, Any], last_day: str | None, cite: str
) -> None:
    raw = {"offering_start": "2026-07-01", "closing_date": "2026-07-10"} | params
    resolution = parse_presets([{"reg_s": raw}])
    (use,) = resolution.uses
    _span, day, paragraph = reg_s_period(use.params)
    assert paragraph == cite
    blocked = resolution.regime().us_person_blocked_until
    if last_day is None:
        assert day is None and blocked == 0
    else:
        assert day == date.fromisoformat(last_day)
        assert blocked == _ts(last_day) + DAY  # refused through the whole last day


def test_reg_s_period_runs_from_the_later_of_offer_and_closing() -> None:
    early_close = {"category": 2, "offering_start": "2026-07-10", "closing_date": "2026-07-10"}
    assert parse_presets([{"reg_s": early_close}]).regime().us_person_blocked_until == _ts(
        "2026-08-20"
    )
    assert _problems(
        [{"reg_s": {"category": 2, "offering_start": "2026-07-10", "closing_date": "2026-07-01"}}]
    ) == ["presets[0].reg_s.closing_date: before offering_start"]


def test_reg_s_domestic_equity_is_restricted() -> None:
    raw = _REG_S | {"domestic_issuer": True}
    assert parse_presets([{"reg_s": raw}]).rule_values() == {"holding_period": ONE_YEAR}
    assert parse_presets([{"reg_s": _REG_S}]).rule_values() == {}


def test_flags_caps_and_periods_of_the_other_presets() -> None:
    assert parse_presets(["rule_144a"]).regime().required_flags == REGIME_FLAGS["qib"]
    assert parse_presets(["ica_3c7"]).regime().required_flags == REGIME_FLAGS["qualified_purchaser"]
    assert parse_presets(["eu_qualified_only"]).regime().required_flags == 64
    assert parse_presets(["eu_private_placement"]).regime().max_non_qualified_per_country == 149
    assert parse_presets(["ica_3c1"]).rule_values() == {"max_holders": 100}
    assert parse_presets([{"ica_3c1": {"venture_capital_fund": True}}]).rule_values() == {
        "max_holders": 250
    }
    assert parse_presets(["reg_cf"]).regime().resale_period == ONE_YEAR
    affiliates = parse_presets(["rule_144_affiliates"]).regime()
    assert (affiliates.affiliate_volume_bps, affiliates.affiliate_window) == (100, 92 * DAY)
    assert len(EU_MEMBER_STATES) == 27 == len(set(EU_MEMBER_STATES))


def test_tightest_value_wins_per_rule() -> None:
    combined = parse_presets(
        [
            "section_12g",
            "ica_3c1",
            {"reg_d_506b": {"issuer_reporting": True}},
            {"reg_s": _REG_S | {"domestic_issuer": True}},
            "rule_144a",
            "eu_qualified_only",
        ]
    )
    assert combined.rule_values() == {"max_holders": 100, "holding_period": ONE_YEAR}
    assert combined.winners["rules.max_holders"].preset.name == "ica_3c1"
    assert combined.winners["rules.holding_period"].preset.name == "reg_s"
    regime = combined.regime()
    assert regime.max_non_accredited == 35  # 506(b)'s 35 beats 12(g)'s 499
    assert regime.required_flags == REGIME_FLAGS["qib"] | REGIME_FLAGS["eu_qualified"]
    assert regime.us_person_blocked_until == _ts("2027-07-11")
    lines = combined.describe()
    assert (
        "  rules.max_holders = 1,999: fewer than 2,000 holders of record "
        "[Exchange Act 12(g)(1)(A)(i)] (tighter ica_3c1 value applies)"
    ) in lines


def test_reg_d_with_reg_s_requires_accreditation_of_us_persons_only() -> None:
    alone = parse_presets(["reg_d_506c"]).regime()
    assert alone.accreditation_us_only is False
    both = parse_presets(["reg_d_506c", {"reg_s": _REG_S}])
    assert both.rule_values()["require_accreditation"] is True
    assert both.regime().accreditation_us_only is True
    assert parse_presets([{"reg_s": _REG_S}]).regime() == Regime(
        us_person_blocked_until=_ts("2027-07-11")
    )


def test_contradictions_and_repeats_are_refused_with_the_reason() -> None:
    assert _problems(["reg_d_506b", "reg_d_506c"]) == [
        "presets: reg_d_506b and reg_d_506c cannot combine: an offering relies on 506(b) or on "
        "506(c), not both (506(c) permits the general solicitation 506(b) forbids); choose one"
    ]
    assert "ica_3c1 and ica_3c7 cannot combine" in _problems(["ica_3c1", "ica_3c7"])[0]
    assert "cannot combine" in _problems(["eu_qualified_only", "eu_private_placement"])[0]
    assert _problems(["reg_cf", "section_12g", "reg_cf"]) == [
        "presets[2]: reg_cf is named twice; name each preset once"
    ]


def test_bad_parameters_name_their_key_path() -> None:
    problems = _problems(
        [
            "section_12g",
            {"reg_s": {"category": 4, "security": "bond", "offering_start": "1 July"}},
            {"reg_cf": {"issuer_reporting": True}},
            "reg_t",
            {"a": 1, "b": 2},
        ]
    )
    assert problems == [
        "presets[1].reg_s.category: must be one of 1, 2, 3 (got 4)",
        "presets[1].reg_s.security: must be one of equity, debt (got 'bond')",
        "presets[1].reg_s.offering_start: '1 July' is not a date (YYYY-MM-DD)",
        "unknown key presets[2].reg_cf.issuer_reporting (reg_cf takes no parameters)",
        "presets[3]: unknown preset 'reg_t' (presets: " + ", ".join(CATALOGUE) + ")",
        "presets[4]: a preset name or one mapping {name: parameters}",
    ]
    assert _problems([{"reg_s": {"category": 2}}]) == [
        "presets[0].reg_s.offering_start is required (first offer to persons other than "
        "distributors (YYYY-MM-DD))"
    ]


# ------------------------------------------------ refusals, in the regulation's terms


def test_refusals_in_the_regulations_terms_with_their_end() -> None:
    resolution = parse_presets(
        [{"reg_s": _REG_S | {"issuer_reporting": True}}, "reg_d_506c", "section_12g", "reg_cf"]
    )
    assert resolution.explain("US_PERSON_RESTRICTED") == (
        "Reg S: the receiver is a U.S. person during the distribution compliance period "
        "(ends 2027-01-10; 17 CFR 230.903(b)(3)(iii)(A))"
    )
    assert resolution.explain("HOLDING_PERIOD", _ts("2027-03-01")) == (
        "Reg D 506(c): the sender's tokens are restricted securities within the Rule 144 "
        "holding period (ends 2027-02-28; 17 CFR 230.144(d)(1)(ii))"
    )
    assert resolution.explain("NOT_ACCREDITED") == (
        "Reg D 506(c): the receiver is not an accredited investor (17 CFR 230.506(c)(2)(i))"
    )
    assert resolution.explain("MAX_HOLDERS") is not None
    assert "Exchange Act 12(g)(1)(A)(i)" in str(resolution.explain("MAX_HOLDERS"))
    assert "17 CFR 227.501(a)" in str(resolution.explain("RESALE_RESTRICTED", _ts("2027-01-01")))
    assert resolution.explain("PAUSED") is None  # not a preset's rule
    assert resolution.explain("NOT_QIB") is None  # no preset here requires it


def test_regime_flags_are_the_registry_flags() -> None:
    from sectoken.model.records import FLAG_FIELDS

    assert dict(REGIME_FLAGS) == {name: int(flag) for name, flag in FLAG_FIELDS}
