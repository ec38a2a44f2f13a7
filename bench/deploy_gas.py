"""Gas of deploying: a new issuer's first suite, and a further token for an existing issuer.

Both are deployed the way a user deploys them, by the deploy job behind `ape run deploy`
(``sectoken.jobs.deploy``) from ``examples/spec.yaml``: the first suite deploys the registry, the
distributor, the voting contract and the token, then wires them (token roles, rules, countries,
a document, the token admitted on the two shared contracts); the second token names the first
suite's registry, distributor and voting contract in its spec, so only the token is deployed and
wired. Every figure is the sum of ``gas_used`` of the mined receipts of the transactions the job
sent: nothing is estimated.

For comparison (text, not a target yet): T-REX 4.1.6 deploys a token through its factory for
4,090,749 gas per token, after about 28.5M gas of one-time infrastructure (issue 17).

Run: ``make bench`` (or ``.venv/bin/python bench/deploy_gas.py`` from the project root after
``make install``). Prints a table; with ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sectoken.chain.deployments import Deployment  # noqa: E402
from sectoken.jobs.deploy import apply_deploy, plan_deploy  # noqa: E402
from sectoken.model.spec import load_spec  # noqa: E402

SPEC = ROOT / "examples" / "spec.yaml"
TREX_FACTORY_PER_TOKEN = 4_090_749
FULL = "first suite of a new issuer: registry, distributor, voting, token, wiring"
SECOND = "new token for an existing issuer: token + wiring"


def _deploy(ape: Any, spec_path: Path, directory: Path) -> tuple[Deployment, dict[str, int]]:
    """Run the deploy job; the gas of every transaction it sent, by what it was for."""
    w3 = ape.chain.provider.web3
    account = ape.accounts.test_accounts[0]
    first = int(w3.eth.block_number) + 1
    plan = plan_deploy(
        ape.project, load_spec(spec_path), account, w3=w3, network="local", directory=directory
    )
    apply_deploy(ape.project, plan, account, w3=w3)
    deployment = plan.deployment
    created = {r.address.lower(): name for name, r in deployment.contracts.items() if not r.reused}
    gas: dict[str, int] = {}
    for number in range(first, int(w3.eth.block_number) + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            if str(tx["from"]).lower() != account.address.lower():
                continue
            receipt = w3.eth.get_transaction_receipt(tx["hash"])
            address = receipt.get("contractAddress")
            what = created.get(str(address).lower(), "wiring") if address else "wiring"
            gas[what] = gas.get(what, 0) + int(receipt["gasUsed"])
    return deployment, gas


def measure(ape: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first, full = _deploy(ape, SPEC, folder / "first")
        data = yaml.safe_load(SPEC.read_text())
        data["token"].update(name="Acme Robotics Series B", symbol="ACMEB")
        data["registry"] = first.address("registry")
        data["admin_module"] = first.address("module")
        data["corporate"] = {
            "dividends": first.address("dividends"),
            "voting": first.address("voting"),
        }
        second_spec = folder / "second.yaml"
        second_spec.write_text(yaml.safe_dump(data))
        _, second = _deploy(ape, second_spec, folder / "second")
    return {"gas": {"full": full, "second": second}, "sizes": {}}


def rows(figures: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(operation, gas, note) in report order."""
    full: dict[str, int] = figures["gas"]["full"]
    second: dict[str, int] = figures["gas"]["second"]
    one_time = sum(full.get(n, 0) for n in ("registry", "module", "dividends", "voting"))
    trex = f"T-REX factory: {TREX_FACTORY_PER_TOKEN:,} per token"
    return [
        (FULL, sum(full.values()), ""),
        ("  of which one-time: registry, admin module, distributor, voting", one_time, ""),
        ("  of which the token", full.get("token", 0), ""),
        ("  of which wiring (roles, rules, countries, document, admissions)", full["wiring"], ""),
        (SECOND, sum(second.values()), trex),
        ("  of which the token", second.get("token", 0), ""),
        ("  of which wiring (roles, rules, countries, document, admissions)", second["wiring"], ""),
    ]


def report(figures: dict[str, Any]) -> str:
    lines = [f"{'deployment':70} {'gas':>11}  reference", "-" * 110]
    for name, gas, note in rows(figures):
        lines.append(f"{name:70} {gas:>11,}  {note}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()
    import ape

    with ape.networks.parse_network_choice("ethereum:local:foundry"):
        figures = measure(ape)
    print(report(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
