"""The end-to-end demo on a local Anvil: everything an issuer does, in under a minute.

Deploy a suite from ``examples/spec.yaml``, import ``examples/investors.csv``, issue shares, make
transfers (two of them refused by the rules, with the rule's message), fix a record date, pay an
ETH dividend (one holder claims, the rest are pushed), run a ballot, raise money in an offering
paid in a mock stablecoin and settle one trade (``sectoken.dev.demo_markets``), and write the
cap table (table, CSV, JSON, PNG) and an export of the registry to the output folder.

The demo moves the chain's clock forward, so it runs only on the local network.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule

from sectoken.chain.batching import quiet_ape, registry_sender
from sectoken.chain.suite import Suite, network_name, open_suite, provider_web3
from sectoken.cli.render import print_plan
from sectoken.errors import SectokenError
from sectoken.jobs.captable import CapTable, build_cap_table, print_cap_table
from sectoken.jobs.deploy import apply_deploy, plan_deploy
from sectoken.jobs.dividends import (
    claim_dividend,
    create_distribution,
    distribution_status,
    print_status,
    push_dividends,
)
from sectoken.jobs.investors import export_investors, import_investors
from sectoken.jobs.operations import TransferRefused, issue, schedule_record_date, transfer
from sectoken.jobs.voting import ballot_results, cast_vote, create_ballot, print_results
from sectoken.model.spec import load_spec

__all__ = ["DemoReport", "run_demo"]

DAY = 86_400


@dataclass(slots=True)
class DemoReport:
    out_dir: Path
    seconds: float = 0.0
    transactions: int = 0
    refused: list[str] = field(default_factory=list)
    cap_table: CapTable | None = None
    files: list[Path] = field(default_factory=list)


def run_demo(
    project: Any,
    accounts: Any,
    chain: Any,
    *,
    examples_dir: str | Path = "examples",
    out_dir: str | Path = "out/demo",
    console: Console | None = None,
) -> DemoReport:
    """Run the whole story; returns what it did. ``accounts`` are Ape's test accounts."""
    with quiet_ape():
        return _run_demo(project, accounts, chain, Path(examples_dir), Path(out_dir), console)


def _run_demo(
    project: Any,
    accounts: Any,
    chain: Any,
    examples: Path,
    out: Path,
    console: Console | None,
) -> DemoReport:
    started = time.perf_counter()
    say = console or Console(highlight=False, soft_wrap=True)
    if network_name() != "local":
        raise SectokenError(
            "the demo moves the chain's clock, so it runs only on the local network",
            hint="run `ape run demo` without --network (Ape starts a local Anvil)",
        )
    out.mkdir(parents=True, exist_ok=True)
    report = DemoReport(out_dir=out)
    issuer, alice, bob, carol, dave, erin = (accounts[i] for i in range(6))
    tax_wallet = accounts[9]
    w3 = provider_web3()

    say.print(Rule("1. Deploy the suite from examples/spec.yaml"))
    spec = load_spec(examples / "spec.yaml")
    deployments = out / "deployments"
    plan = plan_deploy(
        project, spec, issuer, w3=w3, network="local", directory=deployments, fresh=True
    )
    for step in plan.steps:
        say.print(f"  • {step}")
    report.transactions += apply_deploy(project, plan, issuer, w3=w3)
    suite = open_suite(project, deployments, network="local")
    for name, record in suite.deployment.contracts.items():
        say.print(f"  {name:<10} {record.address}")
    again = plan_deploy(project, spec, issuer, w3=w3, network="local", directory=deployments)
    say.print(f"  re-running deploy with the same spec: {len(again.steps)} steps (nothing to do)")

    say.print(Rule("2. Import the investors from examples/investors.csv"))
    csv_path = examples / "investors.csv"
    outcome = import_investors(
        csv_path,
        suite.reader(),
        registry_sender(suite.registry_writer(issuer)),
        sender_address=issuer.address,
        reserved=suite.deployment.suite_addresses(),
        batch_size=10,
        progress=False,
        describe_error=suite.decoder.explain,
        on_plan=lambda o: print_plan(say, o.plan, batch_size=10, limit=3),
    )
    _expect_demo_wallets(outcome.parsed.records(), [alice, bob, carol, dave, erin])
    if outcome.report:
        report.transactions += outcome.report.transactions
        say.print(
            f"  {outcome.report.investors} investors in {outcome.report.transactions} "
            f"transactions, {outcome.report.gas_used // max(outcome.report.investors, 1):,} gas "
            "per investor"
        )

    say.print(Rule("3. Issue shares"))
    allocations = [(alice, 4000), (bob, 2500), (carol, 1500), (erin, 500)]
    for account, amount in allocations:
        _run(say, report, issue(suite, issuer, account.address, amount))
    others = [w for w in outcome.parsed.records() if w not in {a.address for a in accounts[:6]}]
    for wallet in others:
        issue(suite, issuer, wallet, 100)
        report.transactions += 1
    say.print(f"  issued 100 shares to each of {len(others)} other investors")
    _refused(say, report, lambda: issue(suite, issuer, dave.address, 10), "issue to dave")

    say.print(Rule("4. Transfers under the rules"))
    _run(say, report, transfer(suite, alice, carol.address, 300))
    _refused(say, report, lambda: transfer(suite, bob, dave.address, 100), "bob → dave")
    _refused(say, report, lambda: transfer(suite, erin, alice.address, 50), "erin → alice")

    say.print(Rule("5. Record date, then an ETH dividend"))
    now = _now(w3)
    record_id, done = schedule_record_date(suite, issuer, now + 60)
    _run(say, report, done)
    chain.mine(deltatime=61)
    _run(say, report, transfer(suite, alice, bob.address, 100))
    say.print("  (moved after the record date: it does not change entitlements)")
    dist_id, done = create_distribution(
        suite,
        issuer,
        record_date_id=record_id,
        amount="10",
        expiry=_now(w3) + 30 * DAY,
        withholding_bps=1500,
        tax_wallet=tax_wallet.address,
    )
    _run(say, report, done)
    _run(say, report, claim_dividend(suite, alice, dist_id))
    pushed = push_dividends(suite, issuer, dist_id, batch_size=10)
    report.transactions += pushed.transactions
    say.print(
        f"  pushed to {pushed.pushed_to} holders in {pushed.transactions} transactions "
        f"({pushed.already_paid} had claimed)"
    )
    again_push = push_dividends(suite, issuer, dist_id, batch_size=10)
    say.print(f"  pushing again sends {again_push.transactions} transactions (all paid)")
    print_status(say, distribution_status(suite, dist_id))

    say.print(Rule("6. Shareholder vote"))
    now = _now(w3)
    ballot_id, done = create_ballot(
        suite,
        issuer,
        title="Approve the 2027 employee stock option plan",
        options=["For", "Against", "Abstain"],
        record_date_id=record_id,
        start=now,
        end=now + 3 * DAY,
        quorum_bps=5000,
        threshold_bps=5000,
        document_uri="https://example.com/acme/esop-2027.pdf",
    )
    _run(say, report, done)
    for voter, option in ((alice, 0), (bob, 1), (carol, 0)):
        _run(say, report, cast_vote(suite, voter, ballot_id, option))
    chain.mine(deltatime=3 * DAY + 1)
    print_results(say, ballot_results(suite, ballot_id))

    say.print(Rule("6b. Money flows: an offering in a mock stablecoin, one settled trade"))
    from sectoken.dev.demo_markets import run_money_flows

    report.transactions += run_money_flows(project, suite, accounts, chain, say)

    say.print(Rule("7. Cap table from events, checked against balances"))
    table = _cap_table(suite, None)
    at_record = _cap_table(suite, record_id)
    print_cap_table(say, table, limit=8)
    say.print(
        f"  at record date {record_id}: {len(at_record.holders)} holders, "
        f"{'matches' if at_record.matches_chain else 'DOES NOT MATCH'} balanceOfAt"
    )
    report.cap_table = table
    for name, write in (
        ("captable.csv", table.write_csv),
        ("captable.json", table.write_json),
        ("captable.png", table.write_chart),
        ("captable-record-date.csv", at_record.write_csv),
    ):
        write(out / name)
        report.files.append(out / name)
    export = out / "investors-export.csv"
    export_investors(suite.reader(), export)
    report.files.append(export)
    replay = import_investors(export, suite.reader(), None, dry_run=True, progress=False)
    say.print(f"  re-importing the export: {replay.plan.summary()}")

    report.seconds = time.perf_counter() - started
    say.print(Rule("Done"))
    say.print(
        f"[green]Demo finished in {report.seconds:.1f} s with {report.transactions} "
        f"transactions.[/green] Artifacts in {out}/:"
    )
    for path in [*report.files, suite.deployment.path]:
        say.print(f"  {path}")
    return report


def _now(w3: Any) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def _run(say: Console, report: DemoReport, done: Any) -> None:
    report.transactions += 1
    say.print(f"  [green]✓[/green] {done.summary}")


def _refused(say: Console, report: DemoReport, action: Any, label: str) -> None:
    try:
        action()
    except TransferRefused as exc:
        report.refused.append(f"{label}: {exc.reason}")
        say.print(f"  [red]✗[/red] {label}: refused before sending: [bold]{exc.reason}[/bold]")
        return
    raise SectokenError(f"the demo expected {label} to be refused")


def _cap_table(suite: Suite, record_id: int | None) -> CapTable:
    return build_cap_table(
        suite.w3,
        suite.require("token"),
        start_block=suite.deployment.contracts["token"].block,
        registry=suite.reader(),
        record_date_id=record_id,
    )


def _expect_demo_wallets(records: dict[str, Any], accounts: list[Any]) -> None:
    missing = [a.address for a in accounts if a.address not in records]
    if missing:
        raise SectokenError(
            f"examples/investors.csv does not list the demo's test accounts {missing}",
            hint="the demo expects Ape's default test mnemonic (test test … junk)",
        )
