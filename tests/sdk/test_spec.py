"""The deployment spec: parsing, every problem at once, canonical form and hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from sectoken.errors import SectokenError
from sectoken.model.spec import (
    CountryRule,
    SpecError,
    load_spec,
    min_position_fits,
    parse_duration,
    parse_spec,
)

ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "spec.yaml"


def minimal(**extra: object) -> dict[str, object]:
    return {"token": {"name": "Acme", "symbol": "ACME", "decimals": 2}, **extra}


def test_example_spec_parses() -> None:
    spec = load_spec(EXAMPLE)
    assert spec.symbol == "ACMEP" and spec.decimals == 0 and spec.registry is None
    assert spec.rules.require_accreditation and spec.rules.max_holders == 1999
    assert spec.countries[408] == CountryRule(listed=True)
    assert spec.role_holders("issuer", ALICE) == [ALICE]
    assert "prospectus" in spec.documents


def test_defaults_and_units() -> None:
    spec = parse_spec(minimal(rules={"max_balance": "12.5", "holding_period": "90d"}))
    assert spec.rules.max_balance == 1250
    assert spec.rules.holding_period == 90 * 86400
    assert spec.dividends and spec.voting
    assert spec.roles == {}


def test_hash_is_stable_and_sensitive() -> None:
    a = parse_spec(minimal(countries={"us": {"max_holders": 5}, "DE": {"listed": True}}))
    b = parse_spec(minimal(countries={"DE": {"listed": True}, "840": {"max_holders": 5}}))
    assert a.spec_hash() == b.spec_hash()
    c = parse_spec(minimal(countries={"DE": {"listed": True}, "840": {"max_holders": 6}}))
    assert c.spec_hash() != a.spec_hash()


def test_every_problem_is_reported() -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(
            {
                "token": {"name": "", "decimals": 40, "colour": "red"},
                "registry": "0x1234",
                "corporate": {"dividends": "yes"},
                "rules": {
                    "max_holders": -1,
                    "holding_period": "soon",
                    "max_balance": "1.234",
                    "max_balance_bps": 10001,
                    "typo": 1,
                },
                "countries": {"XX": {}, "US": {"listed": 1, "max": 2}},
                "roles": {"issuer": ["0xnope"], "boss": ["deployer"]},
                "documents": {"d": {"hash": "0x12"}},
                "extra": {},
            }
        )
    text = str(caught.value)
    for fragment in (
        "unknown section 'extra'",
        "token.name is required",
        "token.symbol",
        "token.decimals",
        "unknown key token.colour",
        "registry:",
        "corporate.dividends",
        "rules.max_holders",
        "rules.holding_period",
        "rules.max_balance",
        "rules.max_balance_bps",
        "unknown key rules.typo",
        "'XX'",
        "countries.US.listed",
        "unknown key countries.US.max",
        "roles.issuer",
        "unknown role 'boss'",
        "documents.d.uri",
    ):
        assert fragment in text, fragment


def test_durations() -> None:
    assert parse_duration(0) == 0
    assert parse_duration("30m") == 1800
    assert parse_duration("2w") == 14 * 86400
    assert parse_duration("45") == 45
    for bad in ("-1", "1y", "soon", True):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(SectokenError, match="not found"):
        load_spec(tmp_path / "none.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("token: [unclosed")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(broken)
    with pytest.raises(SpecError, match="mapping"):
        parse_spec(["not", "a", "mapping"])


def test_min_position_in_tokens_and_only_storable_values() -> None:
    """The minimum position is given in whole tokens and must fit the token's exact encoding
    (m x 10^e units, m <= 32,767): 25,000 tokens of 18 decimals do, 32,768 units do not."""
    spec = parse_spec(minimal(rules={"min_position": 25_000}))
    assert spec.rules.min_position == 25_000 * 10**2  # minimal() has 2 decimals
    assert spec.rules.as_tuple()[-1] == 2_500_000
    assert min_position_fits(25 * 10**21) and min_position_fits(0)
    assert min_position_fits(32_767) and not min_position_fits(32_768)
    with pytest.raises(SpecError) as caught:
        parse_spec(minimal(rules={"min_position": "327.68"}))
    assert "rules.min_position: 327.68 is 32768 units" in str(caught.value)


def test_problems_name_their_key_path_and_a_twice_named_country_is_among_them() -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(
            minimal(
                rules={"max_holders": "many"},
                countries={"us": {}, "840": {"listed": 3}},
                roles={"issuer": ["deployer", "0xnope"]},
            )
        )
    assert caught.value.problems == [
        "rules.max_holders: must be an integer 0..16777215 (the token takes a uint24)",
        "countries.840.listed: must be true or false",
        "roles.issuer[1]: '0xnope' is not an address (0x followed by 40 hex digits) "
        "(or write 'deployer')",
        "countries: US appears twice (us, 840)",
    ]


def test_empty_sections_and_a_single_role_holder() -> None:
    spec = parse_spec({**minimal(), "rules": None, "countries": None, "roles": {"issuer": ALICE}})
    assert spec.rules == spec.rules.__class__() and spec.countries == {}
    assert spec.roles == {"issuer": [ALICE]}


@pytest.mark.parametrize(
    ("extra", "through", "canonical"),
    [
        ({}, False, None),  # full mode, no factory: plain deployment, as before
        ({"factory": "new"}, True, "new"),
        ({"factory": ALICE}, True, ALICE),
        ({"deployment": "clone"}, True, None),  # clone mode always goes through the factory
        ({"deployment": "clone", "factory": "new"}, True, None),
    ],
)
def test_factory_key_routes_a_full_token_through_the_factory(
    extra: dict[str, object], through: bool, canonical: str | None
) -> None:
    spec = parse_spec(minimal(**extra))
    assert spec.through_factory is through
    assert spec.canonical().get("factory") == canonical
