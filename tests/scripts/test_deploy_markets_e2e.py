"""deploy with the spec's ``markets:`` section: the issuer's offering, settlement and buy-back
contracts deployed (or reused by a further token) and granted what they need on the token; the
plan shows them; a re-run sends nothing; the commands find them in the deployment file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sectoken.chain.suite import open_suite, role_id

SPEC = Path("examples/spec.yaml")
ALL = {"offerings": True, "settlement": True, "buybacks": True}


def _spec(tmp_path: Path, name: str, markets: dict[str, Any], **top: Any) -> Path:
    data = yaml.safe_load(SPEC.read_text())
    data["markets"] = markets
    for key, value in top.items():
        section, _, leaf = key.partition("__")
        if leaf:
            data.setdefault(section, {})[leaf] = value
        else:
            data[section] = value
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_markets_deployed_granted_and_reused(
    run: Any, project: Any, deployer: Any, tmp_path: Path
) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    spec = _spec(tmp_path, "first.yaml", ALL)
    dry = run("deploy", spec, "--dry-run", "--deployments", first_dir, "--account", "TEST::0")
    for line in (
        "deploy offerings (PrimaryOffering)",
        "deploy settlement (TradeSettlement)",
        "deploy buybacks (BuybackOffers)",
        "grant ISSUER_ROLE on the token to offerings (PrimaryOffering)",
        "approve settlement (TradeSettlement) as an operator of the token",
        "approve buybacks (BuybackOffers) as an operator of the token",
    ):
        assert line in dry.output

    run("deploy", spec, "--deployments", first_dir, "--account", "TEST::0")
    first = open_suite(project, first_dir, network="local")
    records = first.deployment.contracts
    token = first.require("token")
    assert token.hasRole(role_id("ISSUER_ROLE"), records["offerings"].address)
    assert token.isApprovedOperator(records["settlement"].address)
    assert token.isApprovedOperator(records["buybacks"].address)
    assert not token.hasRole(role_id("ISSUER_ROLE"), records["buybacks"].address)
    assert project.PrimaryOffering.at(records["offerings"].address).offeringCount() == 0
    nonce = deployer.nonce
    again = run("deploy", spec, "--deployments", first_dir, "--account", "TEST::0")
    assert "Up to date" in again.output and deployer.nonce == nonce

    # the commands take the contract from the deployment file when none is named
    status = run("offering", "status", 1, "--deployments", first_dir, expect=2)
    assert "offering 1 does not exist (0 so far)" in status.output

    # a second token of the issuer shares the three contracts: recorded as reused, granted again
    shared = {key: records[key].address for key in ALL}
    second_spec = _spec(
        tmp_path,
        "second.yaml",
        shared,
        token__name="Acme Robotics Series B",
        token__symbol="ACMEB",
        registry=first.registry.address,
        corporate__dividends=first.dividends.address,
        corporate__voting=first.voting.address,
    )
    dry = run(
        "deploy", second_spec, "--dry-run", "--deployments", second_dir, "--account", "TEST::0"
    )
    assert f"record the issuer's TradeSettlement at {shared['settlement']}" in dry.output
    assert "deploy settlement" not in dry.output
    run("deploy", second_spec, "--deployments", second_dir, "--account", "TEST::0")
    second = open_suite(project, second_dir, network="local")
    token_b = second.require("token")
    for key, address in shared.items():
        assert second.deployment.contracts[key].reused
        assert second.deployment.contracts[key].address == address
    assert token_b.hasRole(role_id("ISSUER_ROLE"), shared["offerings"])
    assert token_b.isApprovedOperator(shared["settlement"])
    assert token_b.isApprovedOperator(shared["buybacks"])


def test_a_wrong_market_address_is_refused(run: Any, deployer: Any, tmp_path: Path) -> None:
    spec = _spec(tmp_path, "bad.yaml", {"settlement": deployer.address})
    refused = run("deploy", spec, "--dry-run", "--deployments", tmp_path / "d", expect=2)
    assert "markets.settlement" in refused.output and "has no contract" in refused.output
    typo = _spec(tmp_path, "typo.yaml", {"settlements": True})
    bad = run("deploy", typo, "--dry-run", "--deployments", tmp_path / "d", expect=2)
    assert "markets.settlements" in bad.output and "Traceback" not in bad.output
