"""Rebuild the cap table of a token with 10,000 holders from its events, and time it.

Run: ``make bench`` (or ``.venv/bin/python bench/captable_scale.py [--holders N]`` from the project
root after ``make install``). Prints figures; a benchmark, not a test (target: under 15 s for
10,000 holders, including the check of every balance against ``balanceOf``).

Setting up 10,000 holders through Ape would take minutes (one awaited transaction each), so the
setup sends ``eth_sendTransaction`` batches from Anvil's unlocked deployer with automine off
and mines them in full blocks (``ChainClient.send_in_blocks``, about a minute); only the rebuild
is timed. The bench starts its own Anvil (127.0.0.1, a free port) without ``--steps-tracing``:
with tracing on, as ape-foundry starts it, Anvil keeps every transaction's trace and grew past
20 GB over 10,000 issuances.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from eth_utils.address import to_checksum_address  # noqa: E402
from eth_utils.crypto import keccak  # noqa: E402

from sectoken.abi import function  # noqa: E402
from sectoken.chain.batching import quiet_ape  # noqa: E402
from sectoken.chain.client import ChainClient  # noqa: E402
from sectoken.chain.contracts import container  # noqa: E402
from sectoken.chain.registry import RegistryReader  # noqa: E402
from sectoken.jobs.captable import build_cap_table  # noqa: E402
from sectoken.model.records import InvestorRecord  # noqa: E402

TARGET_SECONDS = 15.0
ISSUE = function("SecurityToken", "issue")


def measure(ape: Any, holders: int, page_size: int) -> dict[str, float]:
    admin = ape.accounts.test_accounts[0]
    w3 = ape.networks.provider.web3
    project = ape.project
    registry = project.InvestorRegistry.deploy(admin, sender=admin)
    module = project.SecurityTokenAdmin.deploy(sender=admin)
    token = container(project, "SecurityToken").deploy(
        "Scale", "SCALE", 0, registry, admin, module, sender=admin
    )
    start_block = int(w3.eth.block_number)
    token.grantRole(token.ISSUER_ROLE(), admin, sender=admin)
    wallets = [to_checksum_address(keccak(text=f"holder-{i}")[-20:]) for i in range(holders)]
    countries = [840, 826, 276, 756, 702, 392]
    figures: dict[str, float] = {}

    t0 = time.perf_counter()
    for start in range(0, holders, 500):
        part = wallets[start : start + 500]
        words = [
            InvestorRecord(kyc_expiry=4_102_444_800, country=countries[(start + i) % 6]).pack()
            for i in range(len(part))
        ]
        registry.setInvestors(part, words, sender=admin)
    issues = [(token.address, ISSUE.encode(w, 100 + i % 900, b"")) for i, w in enumerate(wallets)]
    # An issuance to a new holder is estimated at about 202,000 (ERC-5805 supply checkpoint).
    ChainClient(w3).send_in_blocks(admin.address, issues, gas=300_000)
    figures["setup: registry + issuance (s, untimed path)"] = time.perf_counter() - t0
    assert int(token.holderCount()) == holders, token.holderCount()

    t0 = time.perf_counter()
    table = build_cap_table(
        w3,
        token,
        start_block=start_block,
        registry=RegistryReader(w3, registry.address, start_block=start_block),
        page_size=page_size,
    )
    figures["rebuild from events + check balanceOf (s)"] = time.perf_counter() - t0
    assert table.matches_chain, table.mismatches[:3]
    figures["holders"] = len(table.holders)
    figures["transfers replayed"] = table.transfers
    figures["blocks scanned"] = table.block - start_block + 1

    t0 = time.perf_counter()
    unchecked = build_cap_table(
        w3, token, start_block=start_block, verify=False, page_size=page_size
    )
    figures["rebuild from events only (s)"] = time.perf_counter() - t0
    assert len(unchecked.holders) == holders

    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        table.write_csv(Path(folder) / "cap.csv")
        table.write_json(Path(folder) / "cap.json")
        table.write_chart(Path(folder) / "cap.png")
        figures["write CSV + JSON + PNG (s)"] = time.perf_counter() - t0
    return figures


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _evm_version() -> str:
    import yaml

    config = yaml.safe_load((ROOT / "ape-config.yaml").read_text())
    return str(config.get("solidity", {}).get("evm_version", "prague"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holders", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=10_000, help="blocks per log query")
    args = parser.parse_args()
    anvil = shutil.which("anvil")
    if anvil is None:
        sys.exit("anvil is not on PATH: run `make install` (it links Anvil into .venv/bin)")
    port = _free_port()
    node = subprocess.Popen(
        [
            anvil,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--silent",
            "--hardfork",
            _evm_version(),
            "--gas-limit",
            "30000000",
            "--base-fee",
            "0",
            "--gas-price",
            "0",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import ape

        time.sleep(1.0)
        with ape.networks.parse_network_choice(f"http://127.0.0.1:{port}"), quiet_ape():
            figures = measure(ape, args.holders, args.page_size)
    finally:
        node.terminate()
        node.wait(timeout=30)
    print(f"Cap table: {args.holders:,} holders, log pages of {args.page_size:,} blocks")
    for name, value in figures.items():
        shown = f"{value:,.2f}" if isinstance(value, float) and value % 1 else f"{value:,.0f}"
        print(f"  {name:46} {shown:>12}")
    total = figures["rebuild from events + check balanceOf (s)"]
    verdict = "pass" if total < TARGET_SECONDS else "FAIL"
    print(f"  target: under {TARGET_SECONDS:.0f} s for 10,000 holders: {verdict}")


if __name__ == "__main__":
    main()
