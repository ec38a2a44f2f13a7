"""The deploy spec's numeric bounds are the contracts' ABI integer widths.

Each bound is derived here from the packaged ABI (``sectoken.abi``), independently of the
spec module's own table: the bound itself must be accepted, one more must be refused at
validation (before anything is deployed), with a message naming the key path.
"""

from __future__ import annotations

from typing import Any

import pytest

from sectoken.abi import contract_abi, function, uint_max
from sectoken.model import spec as spec_module
from sectoken.model.spec import SpecError, min_position_fits, parse_spec

# The ABI parameter each spec key feeds: (contract, function, parameter or parameter.field).
RULES = ("SecurityToken", "setRules")


def _rules(key: str) -> Any:
    def build(value: int) -> dict[str, Any]:
        return _spec(rules={key: value})

    return build


def _country(value: int) -> dict[str, Any]:
    return _spec(countries={"US": {"max_holders": value}})


def _spec(**sections: Any) -> dict[str, Any]:
    # decimals 0: whole tokens are units, so amount bounds apply to the number written.
    return {"token": {"name": "Acme", "symbol": "ACME", "decimals": 0}, **sections}


CASES: dict[str, tuple[tuple[str, str, str], Any]] = {
    "rules.max_holders": ((*RULES, "r.maxHolders"), _rules("max_holders")),
    "rules.holding_period": ((*RULES, "r.holdingPeriod"), _rules("holding_period")),
    "rules.max_balance": ((*RULES, "r.maxBalance"), _rules("max_balance")),
    "rules.max_balance_bps": ((*RULES, "r.maxBalanceBps"), _rules("max_balance_bps")),
    "rules.min_position": ((*RULES, "r.minPosition"), _rules("min_position")),
    "countries.US.max_holders": (("SecurityToken", "setCountryRule", "maxHolders"), _country),
}


def _value(spec: Any, key: str) -> int:
    if key.startswith("countries."):
        return int(spec.countries[840].max_holders)
    return int(getattr(spec.rules, key.split(".")[1]))


def _refused(data: dict[str, Any], key: str) -> str:
    with pytest.raises(SpecError) as caught:
        parse_spec(data)
    problems = caught.value.problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{key}: "), problems
    return problems[0]


def test_every_bounded_key_of_the_spec_is_covered_here() -> None:
    """A new bounded key in the spec module must get a case in this file."""
    covered = {key.replace(".US.", ".*.") for key in CASES}
    assert covered == set(spec_module.ABI_BOUNDS)


@pytest.mark.parametrize("key", [k for k in CASES if not k.endswith(("_bps", "min_position"))])
def test_bound_from_the_abi_accepted_and_one_more_refused(key: str) -> None:
    where, build = CASES[key]
    bound = uint_max(*where)
    assert _value(parse_spec(build(bound)), key) == bound
    message = _refused(build(bound + 1), key)
    assert str(bound) in message


def test_max_holders_is_the_tokens_uint24() -> None:
    bound = uint_max(*RULES, "r.maxHolders")
    assert bound == 2**24 - 1
    message = _refused(_spec(rules={"max_holders": 20_000_000}), "rules.max_holders")
    assert "must be at most 16777215" in message and "uint24" in message


def test_basis_points_stop_at_10000_within_the_abi_width() -> None:
    """The token reverts above 10,000 bps (InvalidBps): the spec refuses sooner than uint16."""
    width = uint_max(*RULES, "r.maxBalanceBps")
    assert width >= 10_000
    assert parse_spec(_spec(rules={"max_balance_bps": 10_000})).rules.max_balance_bps == 10_000
    _refused(_spec(rules={"max_balance_bps": 10_001}), "rules.max_balance_bps")
    _refused(_spec(rules={"max_balance_bps": width + 1}), "rules.max_balance_bps")


def test_min_position_within_uint256_and_its_encoding() -> None:
    """The ABI takes a uint256, and the token stores m x 10^e (m <= 32,767, e <= 31): the
    largest storable value is far below the width; one past the width is refused too."""
    width = uint_max(*RULES, "r.minPosition")
    largest = 32_767 * 10**31
    assert largest <= width and min_position_fits(largest)
    assert parse_spec(_spec(rules={"min_position": largest})).rules.min_position == largest
    _refused(_spec(rules={"min_position": width + 1}), "rules.min_position")
    _refused(_spec(rules={"min_position": 32_768}), "rules.min_position")


def test_units_bound_applies_after_decimals() -> None:
    """max_balance is written in whole tokens: the bound is on units (tokens x 10^decimals)."""
    width = uint_max(*RULES, "r.maxBalance")
    data = _spec(rules={"max_balance": width // 10**18 + 1})
    data["token"]["decimals"] = 18
    _refused(data, "rules.max_balance")
    data["rules"]["max_balance"] = width // 10**18
    assert parse_spec(data).rules.max_balance == (width // 10**18) * 10**18


def test_country_rules_array_has_the_same_width() -> None:
    """deploy sends country rules in one setCountryRules call: its uint32[] must match."""
    many = {p["name"]: p["type"] for p in function("SecurityToken", "setCountryRules").inputs}
    one = {p["name"]: p["type"] for p in function("SecurityToken", "setCountryRule").inputs}
    assert many["maxHolders"] == one["maxHolders"] + "[]"


def test_decimals_policy_within_the_constructor_width() -> None:
    [constructor] = [e for e in contract_abi("SecurityToken") if e["type"] == "constructor"]
    kind = next(p["type"] for p in constructor["inputs"] if p["name"] == "decimals_")
    assert (1 << int(kind.removeprefix("uint"))) - 1 >= spec_module.MAX_DECIMALS
    assert parse_spec(_spec(token={"name": "A", "symbol": "A", "decimals": 36})).decimals == 36
    _refused(_spec(token={"name": "A", "symbol": "A", "decimals": 37}), "token.decimals")


def test_document_name_is_bytes32() -> None:
    kinds = {p["name"]: p["type"] for p in function("SecurityToken", "setDocument").inputs}
    size = int(kinds["name"].removeprefix("bytes"))
    doc = {"uri": "https://example.com/p.pdf"}
    assert "n" * size in parse_spec(_spec(documents={"n" * size: doc})).documents
    _refused(_spec(documents={"n" * (size + 1): doc}), "documents." + "n" * (size + 1))
