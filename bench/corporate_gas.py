"""Gas of corporate actions (record dates, dividends, votes), measured in one run on Anvil.

Two identical suites (registry, token, distributor, voting) are built, one with 10 holders and
one with 1,000; every operation is measured in both so that one can see that nothing grows with
the number of holders. Every figure is ``gas_used`` of a mined receipt: nothing is estimated.

Run: ``make bench`` (or ``.venv/bin/python bench/corporate_gas.py`` from the project root after
``make install``). Prints a table; with ``--json FILE`` also writes the figures for the gas report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sectoken.abi import function  # noqa: E402
from sectoken.chain.client import ChainClient  # noqa: E402
from sectoken.chain.contracts import container  # noqa: E402
from sectoken.model.records import InvestorRecord  # noqa: E402

FAR_FUTURE = 4_102_444_800
US = 840
DAY = 86_400
ZERO = "0x" + "00" * 20
CLAIM_TARGET = 80_000
VOTE_TARGET = 80_000
SIZES = (10, 1_000)
PUSH_BATCH = 6
FLAT_TOLERANCE = 0.03  # "the figures must match within a few percent"
# Each scenario's clock starts at CLOCK + its index * CLOCK_STEP; every timestamp sent in
# calldata is a constant from there, never the wall clock (a zero byte of calldata costs 4 gas,
# any other 16: clock-derived timestamps made figures differ by 12-24 gas between runs).
CLOCK = 3_100_000_000  # 2068-03-24, after bench/token_gas.py's clock
CLOCK_STEP = 100 * DAY


def word() -> int:
    return InvestorRecord(kyc_expiry=FAR_FUTURE, country=US, accredited=True).pack()


def fresh_addresses(ape: Any, start: int, count: int) -> list[str]:
    return [
        ape.convert(f"0x{0xC0FFEE00000000 + start + i:040x}", ape.types.AddressType)
        for i in range(count)
    ]


class Suite:
    """Registry, token, distributor and voting (serving the token), a stablecoin; roles granted
    to ``admin``."""

    def __init__(self, ape: Any, admin: Any) -> None:
        project = ape.project
        self.ape, self.admin = ape, admin
        self.registry = project.InvestorRegistry.deploy(admin, sender=admin)
        module = project.SecurityTokenAdmin.deploy(sender=admin)
        self.token = container(project, "SecurityToken").deploy(
            "Acme", "ACME", 0, self.registry, admin, module, sender=admin
        )
        for role in ("ISSUER_ROLE", "COMPLIANCE_ROLE", "CONTROLLER_ROLE"):
            self.token.grantRole(getattr(self.token, role)(), admin, sender=admin)
        self.registry.grantRole(self.registry.COMPLIANCE_ROLE(), admin, sender=admin)
        self.distributor = project.DividendDistributor.deploy(self.registry, admin, sender=admin)
        self.voting = project.ShareholderVoting.deploy(self.registry, admin, sender=admin)
        self.distributor.setTokenServed(self.token, True, sender=admin)
        self.voting.setTokenServed(self.token, True, sender=admin)
        self.coin = project.MockStablecoin.deploy(sender=admin)
        self.coin.mint(admin, 10**30, sender=admin)
        self.coin.approve(self.distributor, 2**256 - 1, sender=admin)

    def onboard(self, wallets: list[Any], amount: int) -> None:
        """Register and issue to ``wallets``; bulk issuance goes straight through JSON-RPC."""
        for i in range(0, len(wallets), 200):
            batch = wallets[i : i + 200]
            self.registry.setInvestors(batch, [word()] * len(batch), sender=self.admin)
        client = ChainClient(self.ape.chain.provider.web3)
        issue = function("SecurityToken", "issue")
        sender, token = self.admin.address, self.token.address
        # About 60 issuances per block with automine off (the client checks that all landed):
        # one automined block per issuance stalled on a busy machine (a nonce left queued).
        client.send_in_blocks(
            sender, [(token, issue.encode(w, amount, b"")) for w in wallets], gas=400_000
        )


def scenario(ape: Any, n: int, offset: int, clock: int) -> dict[str, int]:
    """The measured operations on a token with ``n`` holders (three of them test accounts:
    alice moves tokens after the record date, dave keeps his, bob is recovered to carol)."""
    chain, accounts = ape.chain, ape.accounts.test_accounts
    admin, alice, bob, carol, dave = (accounts[i] for i in (0, 4, 5, 6, 7))
    chain.mine(timestamp=max(clock, chain.pending_timestamp))
    s = Suite(ape, admin)
    rows: dict[str, int] = {}
    others = fresh_addresses(ape, offset, n - 3)
    s.onboard([alice.address, bob.address, dave.address, *others], 1_000)
    s.registry.setInvestors([carol], [word()], sender=admin)
    rows["holders (holderCount)"] = int(s.token.holderCount())

    # record dates and transfers
    rows["transfer, no record date pending"] = s.token.transfer(bob, 1, sender=alice).gas_used
    at = clock + DAY
    rows["schedule a record date"] = s.token.scheduleRecordDate(at, sender=admin).gas_used
    rows["transfer, record date pending"] = s.token.transfer(bob, 1, sender=alice).gas_used
    chain.mine(timestamp=at)
    rid = int(s.token.latestRecordDateId())
    rows["transfer, first after the record date"] = s.token.transfer(bob, 1, sender=alice).gas_used
    rows["transfer, again after the record date"] = s.token.transfer(bob, 1, sender=alice).gas_used

    # dividends: 1 and 2 in ETH, 3 in the stablecoin with withholding, 4 in ETH
    expiry = clock + 31 * DAY
    d, tok = s.distributor, s.token.address
    rows["create ETH distribution (the distributor's first)"] = d.createDistribution(
        (tok, rid, ZERO, 10**18, expiry, 0, ZERO, []), value=10**18, sender=admin
    ).gas_used
    rows["create ETH distribution"] = d.createDistribution(
        (tok, rid, ZERO, 10**18, expiry, 0, ZERO, []), value=10**18, sender=admin
    ).gas_used
    rows["create ERC-20 distribution, withholding, 1 excluded"] = d.createDistribution(
        (tok, rid, s.coin.address, 10**12, expiry, 1500, carol.address, [others[0]]), sender=admin
    ).gas_used
    rows["create ETH distribution, 1 excluded"] = d.createDistribution(
        (tok, rid, ZERO, 10**18, expiry, 0, ZERO, [others[0]]), value=10**18, sender=admin
    ).gas_used
    rows["claim ETH, wallet's first claim"] = d.claim(1, sender=dave).gas_used
    rows["claim ETH, wallet's first claim, moved since the record date"] = d.claim(
        1, sender=alice
    ).gas_used
    rows["claim ETH, wallet's later claim"] = d.claim(2, sender=dave).gas_used
    rows["claim ETH, later claim, moved since the record date"] = d.claim(2, sender=alice).gas_used
    s.coin.mint(dave, 1, sender=admin)
    rows["claim ERC-20, later claim, receiver holds the asset"] = d.claim(3, sender=dave).gas_used
    rows["claim ERC-20, later claim, receiver holds none yet"] = d.claim(3, sender=alice).gas_used
    s.token.recoverWallet(bob, carol, b"bench", sender=admin)
    rows["claimFor a recovered wallet (paid to its successor)"] = d.claimFor(
        4, bob, sender=carol
    ).gas_used

    # push to the same number of holders in both suites; payees funded, as real wallets are
    pushed = others[1 : 1 + PUSH_BATCH]
    for a in pushed:
        chain.provider.set_balance(a, 10**16)
    rows[f"push ETH, per holder (batch of {PUSH_BATCH})"] = (
        d.push(4, pushed, sender=admin).gas_used // PUSH_BATCH
    )
    rows[f"push ERC-20, per holder (batch of {PUSH_BATCH}, new receivers)"] = (
        d.push(3, pushed, sender=admin).gas_used // PUSH_BATCH
    )

    # votes
    start = clock + 2 * DAY
    chain.pending_timestamp = start
    v = s.voting
    options = ["For", "Against", "Abstain"]
    params = (
        tok,
        "AGM 2026",
        "ipfs://agm",
        b"\x11" * 32,
        options,
        rid,
        start,
        start + DAY,
        2500,
        0,
        [],
    )
    rows["create ballot, 3 options"] = v.createBallot(params, sender=admin).gas_used
    rows["create ballot, 3 options, 1 excluded"] = v.createBallot(
        (*params[:-1], [others[0]]), sender=admin
    ).gas_used
    rows["vote, wallet's first vote"] = v.vote(1, 0, sender=dave).gas_used
    rows["vote, wallet's first vote, moved since the record date"] = v.vote(
        1, 1, sender=alice
    ).gas_used
    rows["vote, wallet's later vote"] = v.vote(2, 1, sender=dave).gas_used
    v.appointProxy(2, dave, sender=alice)
    rows["vote by proxy"] = v.voteFor(2, alice, 1, sender=dave).gas_used
    rows["vote for a recovered wallet by its successor"] = v.voteFor(
        1, bob, 2, sender=carol
    ).gas_used
    return rows


def measure(ape: Any) -> dict[str, Any]:
    runs = {
        str(n): scenario(ape, n, offset=i * 10_000, clock=CLOCK + i * CLOCK_STEP)
        for i, n in enumerate(SIZES)
    }
    sizes = {
        name: len(bytes(getattr(ape.project, name).contract_type.get_runtime_bytecode() or b""))
        for name in ("DividendDistributor", "ShareholderVoting")
    }
    return {"gas": runs, "sizes": sizes}


TARGETS = {
    "claim ETH, wallet's first claim": CLAIM_TARGET,
    "claim ETH, wallet's later claim": CLAIM_TARGET,
    "claim ERC-20, later claim, receiver holds the asset": CLAIM_TARGET,
    "vote, wallet's first vote": VOTE_TARGET,
    "vote, wallet's later vote": VOTE_TARGET,
    "vote by proxy": VOTE_TARGET,
}


def report(figures: dict[str, Any]) -> str:
    small, large = (figures["gas"][str(n)] for n in SIZES)
    head = f"{'operation':58} {SIZES[0]:>7,} h {SIZES[1]:>7,} h {'diff':>6} {'target':>8}  result"
    lines = [head, "-" * len(head)]
    for name, a in small.items():
        b = large[name]
        if name.startswith("holders"):
            lines.append(f"{name:58} {a:>9,} {b:>9,}")
            continue
        diff = (b - a) / a if a else 0.0
        target = TARGETS.get(name)
        flat = abs(diff) <= FLAT_TOLERANCE
        ok = flat and (target is None or max(a, b) < target)
        target_text = f"{target:,}" if target else ""
        lines.append(
            f"{name:58} {a:>9,} {b:>9,} {diff:>+6.1%} {target_text:>8}  {'pass' if ok else 'FAIL'}"
        )
    lines.append("")
    lines.append(f"{'deployed bytecode':58} {'bytes':>9} {'limit':>9}")
    for name, size in figures["sizes"].items():
        lines.append(f"{name:58} {size:>9,} {24_576:>9,}  {'pass' if size <= 24_576 else 'FAIL'}")
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
