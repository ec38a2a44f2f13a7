"""Helpers of the fault tests: the test's Anvil, its suite, and commands run as subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proxy import FaultProxy
from web3 import Web3

from sectoken.abi import contract_abi
from sectoken.chain.client import ChainClient
from sectoken.chain.suite import CONTRACT_TYPES

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = CONTRACT_TYPES


@dataclass
class Run:
    code: int
    output: str


class Node:
    """The test's Anvil, the suite deployed on it, and the commands run against it."""

    def __init__(self, url: str, deployments: Path, project: Any) -> None:
        self.url = url
        self.deployments = deployments
        self.w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120}))
        self.client = ChainClient(self.w3)
        self.accounts: list[str] = []
        self.project = project
        self.c: dict[str, Any] = {}

    def load_suite(self) -> None:
        self.accounts = list(self.w3.eth.accounts)
        data = json.loads((self.deployments / "custom.json").read_text(encoding="utf-8"))
        for key, name in CONTRACTS.items():
            # The packaged ABI: the token's includes what its admin module answers.
            abi = contract_abi(name)
            self.c[key] = self.w3.eth.contract(address=data["contracts"][key]["address"], abi=abi)

    # ---------------------------------------------------------------- chain helpers

    def send(self, contract: str, method: str, *args: Any, sender: int = 0, value: int = 0) -> Any:
        call = getattr(self.c[contract].functions, method)(*args)
        tx_hash = call.transact({"from": self.accounts[sender], "value": value})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, f"setup {method} reverted"
        return receipt

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def advance(self, seconds: int) -> None:
        self.client.request("evm_increaseTime", [seconds])
        self.client.request("evm_mine")

    def nonce(self, index: int) -> int:
        return int(self.w3.eth.get_transaction_count(self.accounts[index]))

    def snapshot(self) -> str:
        return str(self.client.request("evm_snapshot"))

    def revert(self, snapshot: str) -> None:
        assert self.client.request("evm_revert", [snapshot]) is True, f"no snapshot {snapshot}"

    # ---------------------------------------------------------------- commands

    def command(
        self, args: Sequence[str], *, account: str = "TEST::0", url: str | None = None
    ) -> list[str]:
        ape = str(Path(sys.executable).parent / "ape")
        return [
            ape,
            "run",
            *args,
            "--network",
            url or self.url,
            "--account",
            account,
            "--deployments",
            str(self.deployments),
        ]

    def run(
        self,
        args: Sequence[str],
        *,
        account: str = "TEST::0",
        url: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 300,
    ) -> Run:
        done = subprocess.run(
            self.command(args, account=account, url=url),
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Run(done.returncode, done.stdout + done.stderr)

    def run_and_kill(
        self, args: Sequence[str], proxy: FaultProxy, *, account: str = "TEST::0"
    ) -> None:
        """Start the command through ``proxy`` and SIGKILL it once its transaction was
        forwarded to the node (its reply held by the proxy)."""
        kill_when_sent(self.command(args, account=account, url=proxy.url), proxy)


def kill_when_sent(command: Sequence[str], proxy: FaultProxy) -> None:
    """Start ``command`` (its node URL the proxy's) and SIGKILL it once its transaction was
    forwarded to the node (its reply held by the proxy)."""
    process = subprocess.Popen(
        list(command),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proxy.forwarded.wait(300), "the command never sent its transaction"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
