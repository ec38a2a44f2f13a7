"""Refusal codes in the regulation's terms, from a deployment's recorded spec (no chain)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sectoken.chain.explain import in_regulation_terms
from sectoken.model.restrictions import RESTRICTIONS
from sectoken.model.spec import parse_spec

_CODE = {r.name: r.code for r in RESTRICTIONS.values()}


def _recorded(presets: list[Any], rules: dict[str, Any] | None = None) -> dict[str, Any]:
    data = {"token": {"name": "Acme", "symbol": "ACME"}, "presets": presets, "rules": rules or {}}
    return parse_spec(data).canonical()


def _ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def test_holding_period_ends_a_period_after_the_senders_acquisition() -> None:
    spec = _recorded([{"reg_d_506b": {"issuer_reporting": True}}])
    text = in_regulation_terms(spec, _CODE["HOLDING_PERIOD"], acquired_at=_ts("2026-03-01"))
    # six months as the token counts them: 184 days, the last one refused is 2026-08-31
    assert text == (
        "Reg D 506(b): the sender's tokens are restricted securities within the Rule 144 holding "
        "period (ends 2026-08-31; 17 CFR 230.144(d)(1)(i))"
    )


def test_a_tightened_holding_period_dates_the_end_by_the_spec() -> None:
    spec = _recorded(["reg_d_506c"], {"holding_period": "400d"})
    text = in_regulation_terms(spec, _CODE["HOLDING_PERIOD"], acquired_at=_ts("2026-01-01"))
    assert text is not None and "(ends 2027-02-04; 17 CFR 230.144(d)(1)(ii))" in text


def test_codes_of_existing_rules_name_the_preset_that_set_them() -> None:
    spec = _recorded(["section_12g", "reg_d_506c"])
    assert in_regulation_terms(spec, _CODE["NOT_ACCREDITED"]) == (
        "Reg D 506(c): the receiver is not an accredited investor (17 CFR 230.506(c)(2)(i))"
    )
    assert in_regulation_terms(spec, _CODE["MAX_HOLDERS"]) == (
        "Exchange Act 12(g): the token has reached its cap of holders of record below the 2,000 "
        "that require registration (Exchange Act 12(g)(1)(A)(i))"
    )


def test_no_preset_no_regulation_words() -> None:
    assert in_regulation_terms(_recorded([]), _CODE["MAX_HOLDERS"]) is None
    assert in_regulation_terms(None, _CODE["MAX_HOLDERS"]) is None
    spec = _recorded(["reg_d_506c"])
    assert in_regulation_terms(spec, _CODE["PAUSED"]) is None
    assert in_regulation_terms(spec, _CODE["MAX_HOLDERS"]) is None  # no preset caps holders
    assert in_regulation_terms(spec | {"presets": ["nonsense"]}, _CODE["NOT_ACCREDITED"]) is None
    assert in_regulation_terms(spec, 250) is None
