"""Gas of the money flows (primary offering, delivery versus payment, buy-back), on Anvil.

One suite (registry, token, the three shared market contracts, the mock stablecoin) and the test
accounts as investors. Every figure is ``gas_used`` of a mined receipt: nothing is estimated.
The first subscription, delivery and settlement of a wallet are measured (the dearest case:
fresh storage slots), then a later one where it differs.

Run: ``make bench`` (or ``ape run bench_markets``, or ``python bench/markets_gas.py`` from the
project root). Prints a table; with ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sectoken.chain.contracts import container  # noqa: E402
from sectoken.model.records import InvestorRecord  # noqa: E402

FAR_FUTURE = 4_102_444_800
US = 840
DAY = 86_400
MUSD = 10**6
# Timestamps in calldata are constants from here (not the wall clock): figures are reproducible.
CLOCK = 3_300_000_000  # after bench/corporate_gas.py's scenarios
SUBSCRIBE_TARGET = 100_000
SETTLE_TARGET = 150_000
PUSH_BATCH = 3

TARGETS = {
    "subscribe, investor's first": SUBSCRIBE_TARGET,
    "subscribe, investor's top-up": SUBSCRIBE_TARGET,
    "settle a trade, both legs (buyer's first shares)": SETTLE_TARGET,
    "settle a trade, both legs (buyer holds already)": SETTLE_TARGET,
}


def word() -> int:
    return InvestorRecord(kyc_expiry=FAR_FUTURE, country=US, accredited=True).pack()


def measure(ape: Any) -> dict[str, Any]:
    project, chain = ape.project, ape.chain
    accounts = ape.accounts.test_accounts
    admin, alice, bob, carol, dave, treasury = (accounts[i] for i in (0, 4, 5, 6, 7, 8))
    chain.mine(timestamp=max(CLOCK, chain.pending_timestamp))
    start = max(CLOCK, chain.pending_timestamp)

    registry = project.InvestorRegistry.deploy(admin, sender=admin)
    registry.grantRole(registry.COMPLIANCE_ROLE(), admin, sender=admin)
    token = container(project, "SecurityToken").deploy(
        "Acme",
        "ACME",
        0,
        registry,
        admin,
        project.SecurityTokenAdmin.deploy(sender=admin),
        sender=admin,
    )
    for role in ("ISSUER_ROLE", "COMPLIANCE_ROLE"):
        token.grantRole(getattr(token, role)(), admin, sender=admin)
    registry.setInvestors([alice, bob, carol, dave], [word()] * 4, sender=admin)
    offerings = project.PrimaryOffering.deploy(sender=admin)
    settlement = project.TradeSettlement.deploy(sender=admin)
    buybacks = project.BuybackOffers.deploy(sender=admin)
    token.grantRole(token.ISSUER_ROLE(), offerings, sender=admin)
    if any(getattr(m, "name", "") == "setApprovedOperator" for m in token.contract_type.abi):
        for operator in (settlement, buybacks):
            token.setApprovedOperator(operator, True, sender=admin)
    coin = project.MockStablecoin.deploy(sender=admin)
    for wallet in (admin, alice, bob, carol, dave):
        coin.mint(wallet, 10**12, sender=admin)
        coin.approve(offerings, 10**12, sender=wallet)
        coin.approve(settlement, 10**12, sender=wallet)
    coin.approve(buybacks, 10**12, sender=admin)
    for wallet in (alice, bob, carol, dave):
        token.approve(settlement, 10**9, sender=wallet)
        token.approve(buybacks, 10**9, sender=wallet)

    rows: dict[str, int] = {}
    price = 10 * MUSD

    def params(begin: int, soft_cap: int = 0) -> tuple[Any, ...]:
        return (
            token,
            coin,
            treasury,
            price,
            1,
            500,
            1_000,
            soft_cap,
            begin,
            begin + 7 * DAY,
            30 * DAY,
        )

    # ---- primary offering
    rows["create offering"] = offerings.createOffering(params(start), sender=admin).gas_used
    rows["subscribe, the offering's first (fresh totals)"] = offerings.subscribe(
        1, 100, sender=alice
    ).gas_used
    rows["subscribe, investor's first"] = offerings.subscribe(1, 100, sender=bob).gas_used
    rows["subscribe, investor's top-up"] = offerings.subscribe(1, 50, sender=alice).gas_used
    for wallet in (carol, dave):
        offerings.subscribe(1, 100, sender=wallet)
    chain.mine(timestamp=start + 7 * DAY)
    rows["close offering"] = offerings.close(1, sender=admin).gas_used
    rows["deliver, pulled by the investor (claimShares)"] = offerings.claimShares(
        1, sender=alice
    ).gas_used
    rows[f"deliver, pushed, per investor (batch of {PUSH_BATCH})"] = (
        offerings.deliver(1, [bob, carol, dave], sender=admin).gas_used // PUSH_BATCH
    )
    begin = start + 8 * DAY
    chain.mine(timestamp=begin)
    offerings.createOffering(params(begin, soft_cap=1_000), sender=admin)
    offerings.subscribe(2, 100, sender=alice)
    offerings.subscribe(2, 100, sender=bob)
    offerings.cancel(2, sender=admin)
    rows["refund, pulled by the investor"] = offerings.refund(2, sender=alice).gas_used
    rows["refund, pushed (refundMany of 1)"] = offerings.refundMany(2, [bob], sender=carol).gas_used

    # ---- delivery versus payment (alice holds 150, bob/carol/dave 100)
    expiry = begin + 10 * DAY

    def terms(seller: Any, buyer: Any, shares: int) -> tuple[Any, ...]:
        return (token, seller, buyer, coin, shares, shares * 12 * MUSD, expiry)

    rows["propose a trade"] = settlement.propose(terms(alice, admin, 10), sender=alice).gas_used
    token.grantRole(token.ISSUER_ROLE(), admin, sender=admin)
    registry.setInvestors([admin], [word()], sender=admin)
    token.approve(settlement, 10**9, sender=admin)
    rows["accept a trade, as buyer (payment held)"] = settlement.accept(1, sender=admin).gas_used
    rows["settle a trade, both legs (buyer's first shares)"] = settlement.settle(
        1, sender=admin
    ).gas_used
    settlement.propose(terms(bob, carol, 10), sender=bob)
    settlement.accept(2, sender=carol)
    rows["settle a trade, both legs (buyer holds already)"] = settlement.settle(
        2, sender=carol
    ).gas_used
    settlement.propose(terms(carol, dave, 10), sender=carol)
    rows["accept and settle in one call"] = settlement.acceptAndSettle(3, sender=dave).gas_used
    settlement.propose(terms(dave, alice, 10), sender=dave)
    settlement.accept(4, sender=alice)
    rows["cancel a trade (held payment returned)"] = settlement.cancel(4, sender=alice).gas_used

    # ---- buy-back
    deadline = begin + 20 * DAY
    first_come = (token, coin, 12 * MUSD, 100, deadline, 0, 0)
    rows["create buy-back (deposit)"] = buybacks.createBuyback(first_come, sender=admin).gas_used
    rows["tender, first come (redeem and pay)"] = buybacks.tender(1, 20, sender=alice).gas_used
    pro_rata = (token, coin, 12 * MUSD, 30, deadline, 1, 7 * DAY)
    buybacks.createBuyback(pro_rata, sender=admin)
    rows["tender, pro rata (recorded)"] = buybacks.tender(2, 40, sender=bob).gas_used
    buybacks.tender(2, 20, sender=carol)
    chain.mine(timestamp=deadline)
    rows["settle a pro-rata tender (redeem and pay)"] = buybacks.settleTender(
        2, bob, sender=bob
    ).gas_used
    rows["close buy-back (return the rest)"] = buybacks.close(1, sender=admin).gas_used

    sizes = {
        name: len(bytes(getattr(project, name).contract_type.get_runtime_bytecode() or b""))
        for name in ("PrimaryOffering", "TradeSettlement", "BuybackOffers")
    }
    return {"gas": rows, "sizes": sizes}


def report(figures: dict[str, Any]) -> str:
    head = f"{'operation':52} {'gas':>9} {'target':>9}  result"
    lines = [head, "-" * len(head)]
    for name, used in figures["gas"].items():
        target = TARGETS.get(name)
        verdict = "" if target is None else ("pass" if used < target else "FAIL")
        target_text = f"< {target:,}" if target else ""
        lines.append(f"{name:52} {used:>9,} {target_text:>9}  {verdict}")
    lines += ["", f"{'deployed bytecode':52} {'bytes':>9} {'limit':>9}"]
    for name, size in figures["sizes"].items():
        lines.append(f"{name:52} {size:>9,} {24_576:>9,}  {'pass' if size <= 24_576 else 'FAIL'}")
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
