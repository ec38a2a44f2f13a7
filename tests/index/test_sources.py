"""Which contracts of a deployment file the index reads (no chain needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sectoken.abi import SUITE_CONTRACTS
from sectoken.chain.deployments import ContractRecord, Deployment
from sectoken.errors import SectokenError
from sectoken.index.sync import (
    LATER_CONTRACTS,
    contract_type_of,
    default_index_url,
    sources_of,
    unindexed_contracts,
)

_HASH = "0x" + "ab" * 32


def _deployment(*labels: str) -> Deployment:
    return Deployment(
        path=Path("deployments/local.json"),
        network="local",
        chain_id=31337,
        deployer="0x" + "11" * 20,
        contracts={
            label: ContractRecord(address=f"0x{n + 1:040X}", block=10 + n, block_hash=_HASH)
            for n, label in enumerate(labels)
        },
    )


def test_every_suite_contract_is_indexed_from_its_deployment_block() -> None:
    sources = sources_of(_deployment(*SUITE_CONTRACTS))
    assert [(s.label, s.contract_type, s.start_block) for s in sources] == [
        (label, name, 10 + n) for n, (label, name) in enumerate(SUITE_CONTRACTS.items())
    ]
    assert all(s.address == s.address.lower() for s in sources)


def test_a_contract_without_a_packaged_abi_is_named_not_indexed() -> None:
    deployment = _deployment("registry", "token", "someday")
    assert [s.label for s in sources_of(deployment)] == ["registry", "token"]
    assert unindexed_contracts(deployment) == ["someday"]
    for label, name in LATER_CONTRACTS.items():  # the markets: indexed once their ABI ships
        shipped = contract_type_of(label)
        assert shipped in (None, name)


def test_a_file_with_nothing_to_index_is_refused() -> None:
    with pytest.raises(SectokenError, match="lists no contract to index"):
        sources_of(_deployment("someday"))


def test_the_default_database_sits_next_to_the_deployment_file() -> None:
    assert default_index_url("deployments/sepolia.json") == (
        "sqlite:///deployments/sepolia.index.sqlite"
    )
