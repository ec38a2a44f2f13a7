"""Gas of a compliant transfer under each regulatory preset (reported, not a target).

For each preset (docs/REGULATION.md) a token is deployed the way a user deploys it, by the deploy
job (packaged contracts) from a spec naming that preset (no corporate contracts); two investors
are registered with every status a preset may require (accredited, qualified purchaser, QIB, EU
qualified investor; not U.S. persons), both receive an issuance, the clock moves past every
period the preset sets, and one transfer between the two existing holders is measured:
``gas_used`` of the mined receipt. The first row is the same set-up with no preset, so each row's
difference to it is what the preset's rules cost.

Run: ``make bench`` (or ``.venv/bin/python bench/preset_gas.py`` from the project root after
``make install``). Prints a table; with ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sectoken.chain.contracts import container, packaged_contracts  # noqa: E402
from sectoken.jobs.deploy import apply_deploy, plan_deploy  # noqa: E402
from sectoken.model.presets import REGIME_FLAGS  # noqa: E402
from sectoken.model.records import InvestorRecord  # noqa: E402
from sectoken.model.spec import parse_spec  # noqa: E402

FAR_FUTURE = 4_102_444_800
CLOCK = 3_100_000_000  # the bench's fixed clock (2068), past every period below
SENT = 10
# Past the longest period (one year, counted as 366 days). Mined once per case, so kept short:
# the benches run after this one in the same chain (token_gas) need their investors' KYC valid.
PAST_PERIODS = 400 * 86_400
_FLAG_SHIFT = 144  # the registry record's flag byte
#: What both investors are: every status a preset may require, and no U.S. person.
STATUSES = ("accredited", "qualified_purchaser", "qib", "eu_qualified")
_REG_S = {"category": 3, "offering_start": "2026-07-01", "closing_date": "2026-07-10"}

#: (row label, presets) in report order.
CASES: tuple[tuple[str, list[Any]], ...] = (
    ("no preset (the same set-up)", []),
    ("reg_d_506b", ["reg_d_506b"]),
    ("reg_d_506c", ["reg_d_506c"]),
    ("section_12g", ["section_12g"]),
    ("rule_144_affiliates (sender not an affiliate)", ["rule_144_affiliates"]),
    ("reg_s category 3 equity (period over)", [{"reg_s": _REG_S}]),
    ("reg_cf (resale period over)", ["reg_cf"]),
    ("rule_144a", ["rule_144a"]),
    ("ica_3c1", ["ica_3c1"]),
    ("ica_3c7", ["ica_3c7"]),
    ("eu_private_placement (DE)", ["eu_private_placement"]),
    ("eu_qualified_only", ["eu_qualified_only"]),
    ("reg_d_506c + reg_s + section_12g", ["reg_d_506c", {"reg_s": _REG_S}, "section_12g"]),
)


def _word(country: int) -> int:
    word = InvestorRecord(kyc_expiry=FAR_FUTURE, country=country).pack()
    for status in STATUSES:
        word |= REGIME_FLAGS[status] << _FLAG_SHIFT
    return word


def _transfer_gas(ape: Any, presets: list[Any], directory: Path) -> int:
    w3 = ape.chain.provider.web3
    admin, alice, bob = (ape.accounts.test_accounts[i] for i in range(3))
    spec = parse_spec(
        {
            "token": {"name": "Preset Bench", "symbol": "PSB", "decimals": 0},
            "corporate": {"dividends": False, "voting": False},
            "presets": presets,
            "roles": {"issuer": ["deployer"], "compliance": ["deployer"]},
        }
    )
    source = packaged_contracts()  # what users deploy (the packaged ABI and bytecode)
    plan = plan_deploy(source, spec, admin, w3=w3, network="local", directory=directory)
    apply_deploy(source, plan, admin, w3=w3)
    token = container(source, "SecurityToken").at(plan.deployment.address("token"))
    registry = container(source, "InvestorRegistry").at(plan.deployment.address("registry"))
    registry.setInvestors([alice, bob], [_word(276), _word(276)], sender=admin)
    token.issue(alice, 1_000, b"", sender=admin)
    token.issue(bob, 1_000, b"", sender=admin)
    # past every period (holding, resale, affiliate window); timestamps are not calldata here
    ape.chain.mine(timestamp=max(CLOCK, ape.chain.pending_timestamp) + PAST_PERIODS)
    return int(token.transfer(bob, SENT, sender=alice).gas_used)


def measure(ape: Any) -> dict[str, Any]:
    gas: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for index, (label, presets) in enumerate(CASES):
            gas[label] = _transfer_gas(ape, presets, Path(tmp) / str(index))
    return {"gas": gas, "sizes": {}}


def rows(figures: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(preset, transfer gas, difference to no preset) in report order."""
    gas: dict[str, int] = figures["gas"]
    base = gas[CASES[0][0]]
    return [(label, gas[label], gas[label] - base) for label, _ in CASES if label in gas]


def report(figures: dict[str, Any]) -> str:
    lines = [f"{'transfer, existing holders, under':52} {'gas':>9} {'vs none':>9}", "-" * 72]
    for label, used, delta in rows(figures):
        lines.append(f"{label:52} {used:>9,} {delta:>+9,}")
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
