"""Thousands of holders: the gas of a transfer, a claim and a vote does not grow with them.

Nothing loops over holders on chain (DESIGN.md); this puts that to the test. Investors are added
with ``registry.setInvestors`` in batches of 250 and issued one by one (there is no batch issue),
sent as JSON-RPC batches with automine off and mined a block at a time. Gas is compared between
the first holders, measured while the cap table is small, and holders added last, measured once
it is full: the same operation on the same storage pattern must cost the same.

The test runs on its own Anvil (127.0.0.1, a free port) through web3 only: the Anvil that
ape-foundry starts records a step trace of every transaction (``--steps-tracing``) and grows by
gigabytes over a few thousand issuances. Without it the whole run takes about ten seconds, so it
is part of the quick profile.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from eth_utils import to_checksum_address
from web3 import Web3

from sectoken.chain.client import ChainClient
from sectoken.chain.contracts import container

from ..contracts.conftest import record
from ..contracts.corporate_fixtures import DAY, ballot_params, eth_params

HOLDERS = 5000
BATCH = 250
TOLERANCE = 100  # gas; identical storage patterns should cost exactly the same
MNEMONIC = "test test test test test test test test test test test junk"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def node(project_root: Path) -> Iterator[Web3]:
    """A fresh Anvil without step tracing, gas price zero, the project's hardfork."""
    anvil = shutil.which("anvil")
    if anvil is None:
        pytest.skip("anvil is not on PATH (make install links it into .venv/bin)")
    config = yaml.safe_load((project_root / "ape-config.yaml").read_text())
    port = _free_port()
    cmd = [anvil, "--host", "127.0.0.1", "--port", str(port), "--silent", "--mnemonic", MNEMONIC]
    cmd += ["--hardfork", str(config["solidity"]["evm_version"]), "--gas-limit", "30000000"]
    cmd += ["--base-fee", "0", "--gas-price", "0"]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 600}))
        for _ in range(100):
            if process.poll() is None and w3.is_connected():
                break
            time.sleep(0.1)
        else:
            pytest.fail("the test's Anvil did not start")
        yield w3
    finally:
        process.terminate()
        process.wait(timeout=30)


class Chain:
    """Contracts deployed on the bare node, and transactions from any (impersonated) address."""

    def __init__(self, w3: Web3, project: Any) -> None:
        self.w3 = w3
        self.project = project
        self.admin = w3.eth.accounts[0]
        self.client = ChainClient(w3)

    def deploy(self, name: str, *args: Any) -> Any:
        contract_type = container(self.project, name).contract_type
        factory = self.w3.eth.contract(
            abi=[item.model_dump(mode="json", by_alias=True) for item in contract_type.abi],
            bytecode=contract_type.deployment_bytecode.bytecode,
        )
        tx_hash = factory.constructor(*args).transact({"from": self.admin})
        address = self.w3.eth.wait_for_transaction_receipt(tx_hash).contractAddress
        return self.w3.eth.contract(address=address, abi=factory.abi)

    def send(self, call: Any, sender: str, value: int = 0) -> Any:
        self.client.request("anvil_impersonateAccount", [sender])
        tx_hash = call.transact({"from": sender, "value": value, "gas": 5_000_000, "gasPrice": 0})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt.status == 1, call.fn_name
        return receipt

    def gas(self, call: Any, sender: str) -> int:
        return int(self.send(call, sender).gasUsed)

    def batch(self, calls: list[Any], gas: int) -> None:
        """Many calls from the admin, sent by the package's client in JSON-RPC batches of one
        block each with automine off."""
        nonce = self.w3.eth.get_transaction_count(self.admin, "pending")
        blocks = self.client.send_in_blocks(
            self.admin,
            [(call.address, bytes.fromhex(call._encode_transaction_data()[2:])) for call in calls],
            gas=gas,
            gas_price=0,
        )
        assert blocks == -(-len(calls) // max(1, 25_000_000 // gas))  # no block to spare
        assert self.w3.eth.get_transaction_count(self.admin, "latest") == nonce + len(calls)


def wallets(start: int, count: int) -> list[str]:
    return [to_checksum_address(f"0x{0x5EC0000 + i:040x}") for i in range(start, start + count)]


def test_transfer_claim_and_vote_gas_stay_flat_with_5000_holders(node: Web3, project: Any) -> None:
    holders = HOLDERS
    c = Chain(node, project)
    admin = c.admin
    registry = c.deploy("InvestorRegistry", admin)
    module = c.deploy("SecurityTokenAdmin")
    token = c.deploy("SecurityToken", "Acme", "ACME", 0, registry.address, admin, module.address)
    for role in ("ISSUER_ROLE", "COMPLIANCE_ROLE", "CONTROLLER_ROLE"):
        c.send(token.functions.grantRole(getattr(token.functions, role)().call(), admin), admin)
    distributor = c.deploy("DividendDistributor", registry.address, admin)
    voting = c.deploy("ShareholderVoting", registry.address, admin)
    c.send(distributor.functions.setTokenServed(token.address, True), admin)
    c.send(voting.functions.setTokenServed(token.address, True), admin)

    def add_and_issue(new: list[str]) -> None:
        words = [record()] * len(new)
        c.batch(
            [
                registry.functions.setInvestors(new[i : i + BATCH], words[i : i + BATCH])
                for i in range(0, len(new), BATCH)
            ],
            gas=7_000_000,
        )
        c.batch([token.functions.issue(w, 100 + i % 7, b"") for i, w in enumerate(new)], 300_000)

    def corporate_round() -> tuple[int, int]:
        """Pass a record date, open a distribution and a ballot on it; returns their ids."""
        at = node.eth.get_block("latest").timestamp + 60
        c.send(token.functions.scheduleRecordDate(at), admin)
        c.client.request("evm_mine", [at])
        rid = token.functions.latestRecordDateId().call()
        params = eth_params(token.address, rid, 10**18, at + 30 * DAY)
        c.send(distributor.functions.createDistribution(params), admin, value=10**18)
        start = at
        c.send(
            voting.functions.createBallot(
                ballot_params(token.address, rid, start, start + 7 * DAY)
            ),
            admin,
        )
        return (
            distributor.functions.distributionCount().call(),
            voting.functions.ballotCount().call(),
        )

    def transfer_gas(sender: str, warm_to: str, to: str) -> int:
        """Gas of ``sender``'s second transfer after the record date (its first one saves its
        record-date balance, a one-off that depends on the wallet's history, not on holders)."""
        c.send(token.functions.transfer(warm_to, 1), sender)
        return c.gas(token.functions.transfer(to, 1), sender)

    early = wallets(0, 12)
    add_and_issue(early)
    fresh = wallets(holders, 2)  # verified, never held: "new holder" receivers
    c.send(registry.functions.setInvestors(fresh, [record()] * 2), admin)
    did, bid = corporate_round()
    small = {
        "transfer, existing holder": transfer_gas(early[0], early[1], early[1]),
        "transfer, new holder": transfer_gas(early[2], early[3], fresh[0]),
        "claim": c.gas(distributor.functions.claim(did), early[4]),
        "vote": c.gas(voting.functions.vote(bid, 0), early[4]),
    }
    late = wallets(12, holders - 12)
    add_and_issue(late)
    assert token.functions.holderCount().call() == holders + 1
    did, bid = corporate_round()
    measured = {
        "early": {
            "transfer, existing holder": transfer_gas(early[5], early[6], early[6]),
            "claim": c.gas(distributor.functions.claim(did), early[7]),
            "vote": c.gas(voting.functions.vote(bid, 0), early[7]),
        },
        "late": {
            "transfer, existing holder": transfer_gas(late[-1], late[-2], late[-2]),
            "transfer, new holder": transfer_gas(late[-3], late[-4], fresh[1]),
            "claim": c.gas(distributor.functions.claim(did), late[-5]),
            "vote": c.gas(voting.functions.vote(bid, 0), late[-5]),
        },
    }
    problems = [
        (which, name, small[name], used)
        for which, figures in measured.items()
        for name, used in figures.items()
        if abs(used - small[name]) > TOLERANCE
    ]
    assert problems == [], f"gas grew with {holders} holders (small cap table vs now): {problems}"
    print(f"gas with 12 holders {small}; with {holders}: {measured}")
