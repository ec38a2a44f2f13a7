"""Gas of deploying: a new issuer's first suite, and a further token for an existing issuer.

Both are deployed the way a user deploys them, by the deploy job behind `ape run deploy`
(``sectoken.jobs.deploy``) from ``examples/spec.yaml``: the first suite deploys the registry, the
distributor, the voting contract and the token, then wires them (token roles, rules, countries,
a document, the token admitted on the two shared contracts); the second token names the first
suite's registry, distributor and voting contract in its spec, so only the token is deployed and
wired. Every figure is the sum of ``gas_used`` of the mined receipts of the transactions the job
sent: nothing is estimated.

Clone mode (``deployment: clone``): the issuer's first clone token also deploys the one-time
``SecurityTokenFactory`` and ``SecurityTokenClone`` implementation; a further clone token deploys
only its EIP-1167 proxy, configured in the same transaction by the factory (``cloneWired``:
roles, rules, countries, document), and is then admitted on the shared contracts. The proxy
alone is measured by one more ``cloneToken`` call without configuration. A full-mode token whose
spec names the issuer's factory is created and configured the same way (``deployWired``): its
factory call is compared with T-REX's factory, which also configures its token. The compliant
transfer between two existing holders is measured on the full second token and on that clone
token, after the same issuances and one warm-up transfer (the country verdict cached), with the
same amount; the break-even number of transfers is (full deploy - clone deploy) / (clone
transfer - full transfer), the token alone and the token with its wiring.

Targets (issue 17): a new token for an existing issuer, full mode <= 4,090,000 gas (T-REX 4.1.6's
factory per token: 4,090,749, after about 28.5M gas of one-time infrastructure), clone mode
<= 1,000,000 gas.

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
FULL_TARGET = 4_090_000
CLONE_TARGET = 1_000_000
FAR_FUTURE = 4_102_444_800
SENT = 10  # what the measured transfers move (as bench/token_gas.py)
FULL = "first suite of a new issuer: registry, distributor, voting, token, wiring"
SECOND = "new token for an existing issuer: token + wiring"
CLONE_FIRST = "first clone-mode token of an issuer: factory, implementation, clone, wiring"
CLONE = "new token for an existing issuer, clone mode: clone + wiring"
WIRED = "new token for an existing issuer, full mode through its factory"


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
    # Contracts created through the factory (CREATE2) are found by the transaction that made them.
    by_tx = {
        str(r.tx_hash).lower(): name
        for name, r in deployment.contracts.items()
        if r.tx_hash and not r.reused
    }
    gas: dict[str, int] = {}
    for number in range(first, int(w3.eth.block_number) + 1):
        block = w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            if str(tx["from"]).lower() != account.address.lower():
                continue
            receipt = w3.eth.get_transaction_receipt(tx["hash"])
            address = receipt.get("contractAddress")
            what = created.get(str(address).lower(), "wiring") if address else "wiring"
            what = by_tx.get("0x" + bytes(tx["hash"]).hex(), what)
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
        second_deployment, second = _deploy(ape, second_spec, folder / "second")
        # Clone mode for the same issuer: the first clone token brings the factory and the
        # implementation (one-time), the next one names that factory and deploys only its proxy.
        data["token"].update(name="Acme Robotics Series C", symbol="ACMEC")
        data["deployment"] = "clone"
        third_spec = folder / "third.yaml"
        third_spec.write_text(yaml.safe_dump(data))
        third_deployment, clone_first = _deploy(ape, third_spec, folder / "third")
        data["token"].update(name="Acme Robotics Series D", symbol="ACMED")
        data["factory"] = third_deployment.address("factory")
        fourth_spec = folder / "fourth.yaml"
        fourth_spec.write_text(yaml.safe_dump(data))
        fourth_deployment, clone = _deploy(ape, fourth_spec, folder / "fourth")
        clone_alone = _bare_clone(ape, third_deployment)
        # Full mode through the same factory: the token and its configuration in one call.
        data["token"].update(name="Acme Robotics Series E", symbol="ACMEE")
        data["deployment"] = "full"
        fifth_spec = folder / "fifth.yaml"
        fifth_spec.write_text(yaml.safe_dump(data))
        _fifth, wired = _deploy(ape, fifth_spec, folder / "fifth")
        transfers = _transfers(
            ape,
            first.address("registry"),
            {
                "full": second_deployment.address("token"),
                "clone": fourth_deployment.address("token"),
            },
        )
    return {
        "gas": {
            "full": full,
            "second": second,
            "clone_first": clone_first,
            "clone": clone,
            "clone_alone": clone_alone,
            "wired": wired,
        },
        "transfers": transfers,
        "sizes": {},
    }


def _bare_clone(ape: Any, deployment: Deployment) -> int:
    """Gas of ``cloneToken`` alone (the proxy created and initialized, nothing configured)."""
    from sectoken.chain.contracts import container
    from sectoken.model.create2 import CLONE_SALT

    factory = container(ape.project, "SecurityTokenFactory").at(deployment.address("factory"))
    receipt = factory.cloneToken(
        deployment.address("implementation"),
        CLONE_SALT,
        "Acme Robotics Series F",
        "ACMEF",
        0,
        deployment.address("registry"),
        ape.accounts.test_accounts[0],
        sender=ape.accounts.test_accounts[0],
    )
    return int(receipt.gas_used)


def _transfers(ape: Any, registry_address: str, tokens: dict[str, str]) -> dict[str, int]:
    """Gas of a compliant transfer between two existing holders, per token."""
    from sectoken.chain.contracts import container
    from sectoken.model.records import InvestorRecord

    project = ape.project
    admin, alice, bob = (ape.accounts.test_accounts[i] for i in range(3))
    registry = container(project, "InvestorRegistry").at(registry_address)
    registry.grantRole(registry.COMPLIANCE_ROLE(), admin, sender=admin)
    word = InvestorRecord(kyc_expiry=FAR_FUTURE, country=840, accredited=True).pack()
    registry.setInvestors([alice, bob], [word, word], sender=admin)
    figures: dict[str, int] = {}
    for mode, address in tokens.items():
        token = container(project, "SecurityToken").at(address)
        token.issue(alice, 10**6, b"", sender=admin)
        token.issue(bob, 10**6, b"", sender=admin)
        token.transfer(bob, SENT, sender=alice)  # caches bob's country verdict
        figures[mode] = int(token.transfer(bob, SENT, sender=alice).gas_used)
    return figures


def _verdict(gas: int, target: int) -> str:
    return f"target <= {target:,}: {'pass' if gas <= target else 'FAIL'}"


def rows(figures: dict[str, Any]) -> list[tuple[str, int, str]]:
    """(operation, gas, note) in report order."""
    full: dict[str, int] = figures["gas"]["full"]
    second: dict[str, int] = figures["gas"]["second"]
    clone_first: dict[str, int] = figures["gas"]["clone_first"]
    clone: dict[str, int] = figures["gas"]["clone"]
    clone_alone: int = figures["gas"]["clone_alone"]
    wired: dict[str, int] = figures["gas"]["wired"]
    transfers: dict[str, int] = figures["transfers"]
    extra = transfers["clone"] - transfers["full"]
    saved_token = second.get("token", 0) - clone_alone
    saved_all = sum(second.values()) - sum(clone.values())
    one_time = sum(full.get(n, 0) for n in ("registry", "module", "dividends", "voting"))
    trex = f"T-REX factory: {TREX_FACTORY_PER_TOKEN:,} per token"
    return [
        (FULL, sum(full.values()), ""),
        ("  of which one-time: registry, admin module, distributor, voting", one_time, ""),
        ("  of which the token", full.get("token", 0), ""),
        ("  of which wiring (roles, rules, countries, document, admissions)", full["wiring"], ""),
        (SECOND, sum(second.values()), trex),
        (
            "  of which the token",
            second.get("token", 0),
            _verdict(second.get("token", 0), FULL_TARGET),
        ),
        ("  of which wiring (roles, rules, countries, document, admissions)", second["wiring"], ""),
        (CLONE_FIRST, sum(clone_first.values()), ""),
        (
            "  of which one-time: factory, clone implementation",
            clone_first.get("factory", 0) + clone_first.get("implementation", 0),
            "",
        ),
        (CLONE, sum(clone.values()), ""),
        (
            "  of which the clone token configured in one transaction (cloneWired)",
            clone.get("token", 0),
            _verdict(clone.get("token", 0), CLONE_TARGET),
        ),
        ("  of which admissions on the shared contracts", clone["wiring"], ""),
        (
            "clone token alone (cloneToken: proxy created and initialized)",
            clone_alone,
            _verdict(clone_alone, CLONE_TARGET),
        ),
        (WIRED, sum(wired.values()), ""),
        (
            "  of which the token configured in one transaction (deployWired)",
            wired.get("token", 0),
            trex,
        ),
        ("  of which admissions on the shared contracts", wired["wiring"], ""),
        ("compliant transfer, existing holder: full token", transfers["full"], ""),
        (
            "compliant transfer, existing holder: clone token",
            transfers["clone"],
            f"+{extra:,} per transfer",
        ),
        (
            "break-even transfers (token alone): full deploy saving / clone extra",
            saved_token // extra if extra > 0 else 0,
            "a clone is cheaper until this many transfers",
        ),
        (
            "break-even transfers (token + wiring)",
            saved_all // extra if extra > 0 else 0,
            "",
        ),
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
