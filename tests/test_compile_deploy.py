"""End to end: the project compiles through Ape, and a contract deploys and runs on Anvil.

Ape starts Anvil (ape-foundry, a free local port) and compiles with the compiler that
``sectoken.dev.toolchain`` registered. PlainERC20 is the plain OpenZeppelin ERC-20 that the gas
benchmark keeps as its baseline.
"""

from __future__ import annotations

from typing import Any

import pytest

from sectoken.dev.toolchain import read_solidity_config

pytestmark = pytest.mark.e2e


def test_compiles_with_the_configured_compiler(project: Any, project_root: Any) -> None:
    config = read_solidity_config(project_root)
    contract_type = project.PlainERC20.contract_type
    assert contract_type.deployment_bytecode.bytecode, "PlainERC20 compiled to no bytecode"
    compilers = [c for c in project.manifest.compilers or [] if c.name == "solidity"]
    assert compilers, "no solidity compiler recorded in the project manifest"
    versions = {c.version.split("+", 1)[0] for c in compilers}
    assert versions == {config.version}
    evm_versions = {(c.settings or {}).get("evmVersion") for c in compilers}
    assert evm_versions == {config.evm_version}


def test_anvil_runs_the_configured_hardfork(chain: Any, project_root: Any) -> None:
    config = read_solidity_config(project_root)
    info = chain.provider.make_request("anvil_nodeInfo", [])
    assert str(info["hardFork"]).lower() == config.evm_version


def test_deploy_mint_and_transfer(plain_erc20: Any, deployer: Any, alice: Any, bob: Any) -> None:
    supply = plain_erc20.totalSupply()
    assert plain_erc20.balanceOf(deployer) == supply > 0
    assert plain_erc20.decimals() == 18

    receipt = plain_erc20.transfer(alice, 1_000, sender=deployer)
    assert plain_erc20.balanceOf(alice) == 1_000
    assert plain_erc20.balanceOf(deployer) == supply - 1_000
    [event] = receipt.events.filter(plain_erc20.Transfer)
    assert (event["from"], event["to"], event["value"]) == (deployer, alice, 1_000)

    plain_erc20.transfer(bob, 1, sender=deployer)
    # Transfer between two existing holders: the baseline the token's budget is measured on.
    baseline = plain_erc20.transfer(bob, 500, sender=alice)
    assert plain_erc20.balanceOf(bob) == 501
    assert 30_000 < baseline.gas_used < 40_000, baseline.gas_used


def test_transfer_beyond_balance_reverts(plain_erc20: Any, alice: Any, bob: Any) -> None:
    import ape

    with ape.reverts(plain_erc20.ERC20InsufficientBalance):
        plain_erc20.transfer(bob, 1, sender=alice)


def test_ape_sees_every_contract_source(project: Any, project_root: Any) -> None:
    # Ape lists at most 500 files under contracts/ (its unpacked dependencies in
    # contracts/.cache included); past that, sources silently go missing from the project.
    contracts = project_root / "contracts"
    on_disk = {p for p in contracts.rglob("*.sol") if ".cache" not in p.parts}
    listed = {p.resolve() for p in project.sources.paths}
    assert {p.resolve() for p in on_disk} <= listed
    assert sum(1 for p in contracts.rglob("*") if p.is_file()) < 450, "near Ape's 500-file cap"
