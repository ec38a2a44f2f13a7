"""The deployment file: atomic writes, loading, clear errors; CREATE addresses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sectoken.chain.deployments import ContractRecord, Deployment, deployment_path, load_deployment
from sectoken.errors import SectokenError
from sectoken.jobs.deploy import create_address

DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


def test_round_trip(tmp_path: Path) -> None:
    path = deployment_path(tmp_path / "deployments", "sepolia")
    assert path.name == "sepolia.json"
    deployment = Deployment(path=path, network="sepolia", chain_id=11155111, deployer=DEPLOYER)
    deployment.contracts["registry"] = ContractRecord("0x" + "11" * 20, 5, "0x" + "ab" * 32, "0x1")
    deployment.pending["token"] = {"address": "0x" + "22" * 20, "nonce": 3, "block": 5}
    deployment.spec_hash = "0xhash"
    deployment.save()
    assert not list(path.parent.glob(".deploy-*"))
    loaded = load_deployment(path)
    assert loaded.contracts == deployment.contracts
    assert loaded.pending == deployment.pending and loaded.spec_hash == "0xhash"
    assert loaded.address("registry") == "0x" + "11" * 20
    assert loaded.suite_addresses() == {"0x" + "11" * 20: "the registry contract"}
    assert loaded.first_block() == 5
    with pytest.raises(SectokenError, match="has no token contract"):
        loaded.address("token")


def test_missing_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(SectokenError, match="no deployment file") as caught:
        load_deployment(tmp_path / "mainnet.json")
    assert caught.value.hint and "ape run deploy" in caught.value.hint
    bad = tmp_path / "local.json"
    bad.write_text("{not json")
    with pytest.raises(SectokenError, match="not a sectoken deployment file"):
        load_deployment(bad)


def test_create_address_known_values() -> None:
    sender = "0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0"
    assert create_address(sender, 0) == "0xcd234A471b72ba2F1Ccf0A70FCABA648a5eeCD8d"
    assert create_address(sender, 1) == "0x343c43A37D37dfF08AE8C4A11544c718AbB4fCF8"
    # Anvil's first account: its first deployments are well known.
    assert create_address(DEPLOYER, 0) == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert create_address(DEPLOYER, 1) == "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
    assert create_address(DEPLOYER, 200) != create_address(DEPLOYER, 201)


def test_damaged_file_names_every_problem_by_key_path(tmp_path: Path) -> None:
    path = tmp_path / "local.json"
    good = Deployment(path=path, network="local", chain_id=31337, deployer=DEPLOYER)
    good.contracts["token"] = ContractRecord("0x" + "11" * 20, 5, "0x" + "ab" * 32)
    good.save()
    data = json.loads(path.read_text())
    data["chain_id"] = "mainnet"
    data["contracts"]["token"]["block"] = -1
    del data["contracts"]["token"]["block_hash"]
    data["contracts"]["registry"] = {"address": "0x12", "block": 1, "block_hash": "0x1"}
    path.write_text(json.dumps(data))
    with pytest.raises(SectokenError, match="not a sectoken deployment file") as caught:
        load_deployment(path)
    message = str(caught.value)
    for fragment in (
        "chain_id:",
        "contracts.token.block:",
        "contracts.token.block_hash: Field required",
        "contracts.registry.address: '0x12' is not an address",
        "contracts.registry.block_hash: must be 0x followed by 64 hex digits",
    ):
        assert fragment in message, message
    path.write_text(json.dumps({"format": 2, "network": "x", "chain_id": 1, "deployer": DEPLOYER}))
    with pytest.raises(SectokenError, match="format 2 is not one this sectoken reads"):
        load_deployment(path)


def test_saved_file_keeps_its_format(tmp_path: Path) -> None:
    path = tmp_path / "local.json"
    Deployment(path=path, network="local", chain_id=31337, deployer=DEPLOYER).save()
    data = json.loads(path.read_text())
    assert list(data) == [
        "format",
        "network",
        "chain_id",
        "deployer",
        "spec_hash",
        "configured",
        "updated_at",
        "contracts",
        "pending",
        "spec",
    ]
    assert data["format"] == 1 and data["contracts"] == {} and data["spec"] is None
