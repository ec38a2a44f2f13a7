"""The ABI data shipped in the package is the compiler's output, and it alone deploys a suite."""

from __future__ import annotations

from typing import Any

import pytest

from sectoken.abi import SUITE_CONTRACTS, contract_abi, runtime_bytecode
from sectoken.chain.contracts import packaged_contracts
from sectoken.dev.artifacts import stale_contracts

pytestmark = pytest.mark.e2e


def test_packaged_abi_matches_a_fresh_compile(project: Any) -> None:
    stale = stale_contracts(project)
    assert stale == [], f"stale packaged ABI for {stale}: run `make artifacts` and commit"


def test_packaged_registry_deploys_and_answers(deployer: Any, chain: Any) -> None:
    registry = packaged_contracts().InvestorRegistry.deploy(deployer, sender=deployer)
    code = chain.provider.get_code(registry.address)
    assert "0x" + bytes(code).hex() == runtime_bytecode("InvestorRegistry")
    assert registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), deployer)


@pytest.mark.parametrize("name", sorted(SUITE_CONTRACTS.values()))
def test_every_suite_contract_is_packaged(name: str) -> None:
    kinds = {entry["type"] for entry in contract_abi(name)}
    assert {"function", "event", "error"} <= kinds
