"""deploy through the issuer's factory, broken while the token's transaction is in flight.

A further token of the example issuer (its registry, admin module, distributor and voting contract
reused) names a factory, so its first transaction is the factory's ``deployWired``: the token
created and configured at once. The reply to that transaction is lost, or the command is killed
while it waits; the same command run again on a healthy connection finds the token at its
predicted address, sends nothing for it and only admits it on the shared contracts. Exactly one
token transaction lands, and every event the token ever emitted is in it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from fault_support import ROOT, Node, kill_when_sent
from proxy import FaultProxy

from sectoken.abi import bytecode, contract_abi


def _factory(node: Node) -> str:
    contract = node.w3.eth.contract(
        abi=contract_abi("SecurityTokenFactory"), bytecode=bytecode("SecurityTokenFactory")
    )
    tx = contract.constructor().transact({"from": node.accounts[0]})
    receipt = node.w3.eth.wait_for_transaction_receipt(tx)
    return str(receipt["contractAddress"])


def _spec(node: Node, tmp_path: Path, factory: str) -> Path:
    suite = json.loads((node.deployments / "custom.json").read_text(encoding="utf-8"))
    address = {key: record["address"] for key, record in suite["contracts"].items()}
    data = yaml.safe_load((ROOT / "examples" / "spec.yaml").read_text(encoding="utf-8"))
    data["token"].update(name="Acme Robotics Series W", symbol="ACMEW")
    data.update(registry=address["registry"], admin_module=address["module"], factory=factory)
    data["corporate"] = {"dividends": address["dividends"], "voting": address["voting"]}
    path = tmp_path / "series-w.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _run(command: list[str], **env: str) -> tuple[int, str]:
    done = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode, done.stdout + done.stderr


def _deploy_command(node: Node, spec: Path, folder: Path, url: str) -> list[str]:
    command = node.command(["deploy", str(spec)], url=url)
    command[-1] = str(folder)  # this token's own deployment file, not the suite's
    return command


@pytest.mark.parametrize("fault", ["lost_reply", "killed"])
def test_token_through_the_factory_lands_once_after_a_fault(
    node: Node, proxy: FaultProxy, tmp_path: Path, fault: str
) -> None:
    snapshot = node.snapshot()
    try:
        spec = _spec(node, tmp_path, _factory(node))
        folder = tmp_path / "series-w"
        nonce = node.nonce(0)
        first_block = int(node.w3.eth.block_number) + 1
        if fault == "killed":
            proxy.arm("hold")
            kill_when_sent(_deploy_command(node, spec, folder, proxy.url), proxy)
        else:
            proxy.arm("lose_reply")
            code, output = _run(
                _deploy_command(node, spec, folder, proxy.url), SECTOKEN_SEND_TIMEOUT="3"
            )
            assert code != 0, output
            assert "Traceback" not in output and "run the command again" in output, output
        proxy.release()
        assert node.nonce(0) == nonce + 1  # the token's transaction reached the node

        code, output = _run(_deploy_command(node, spec, folder, node.url))
        assert code == 0, output
        landed = json.loads((folder / "custom.json").read_text(encoding="utf-8"))
        token = landed["contracts"]["token"]["address"]
        assert f"found the token at {token}" in output, output
        # The plan reads what the found token still needs: nothing is planned inside its creation.
        assert "creating transaction" not in output, output
        # The token's transaction and the two admissions: nothing sent twice.
        assert node.nonce(0) == nonce + 3, output
        logs: list[Any] = node.w3.eth.get_logs(
            {"address": token, "fromBlock": first_block, "toBlock": "latest"}
        )
        assert len(logs) >= 10
        assert len({bytes(log["transactionHash"]) for log in logs}) == 1
        token_contract = node.w3.eth.contract(address=token, abi=contract_abi("SecurityToken"))
        assert token_contract.functions.rules().call()[2] == 1999
        code, output = _run(_deploy_command(node, spec, folder, node.url))
        assert code == 0 and "nothing sent" in output, output
        assert node.nonce(0) == nonce + 3
    finally:
        proxy.release()
        node.revert(snapshot)
