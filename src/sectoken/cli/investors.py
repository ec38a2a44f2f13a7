"""ape run investors import|export|freeze|unfreeze: the investor registry from CSV files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from sectoken.cli.common import (
    ADDRESS,
    SectokenCommand,
    console,
    deployments_option,
    friendly,
    open_suite_here,
    reader_option,
    resolve_account,
    sender_option,
)


def interactive() -> bool:
    """Whether someone can answer a prompt (stdin is a terminal)."""
    return sys.stdin.isatty()


@click.group()
def cli() -> None:
    """Keep the investor registry (whitelist) from CSV files."""


@cli.command(name="import", cls=SectokenCommand)
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", default=100, show_default=True, help="Investors per transaction.")
@click.option("--dry-run", is_flag=True, help="Check the file and show the plan; send nothing.")
@click.option("--prune", is_flag=True, help="Also remove on-chain records the file omits.")
@click.option(
    "--allow-unchecksummed",
    is_flag=True,
    help="Accept all-lowercase/uppercase addresses (no EIP-55 checksum).",
)
@click.option("--log-page-size", default=10_000, show_default=True, help="Blocks per log query.")
@click.option("--no-events", is_flag=True, help="Do not read event history (no eth_getLogs).")
@click.option(
    "--yes",
    "assume_yes",
    is_flag=True,
    help="Apply destructive changes (unfreeze, removal, shorter KYC) without asking.",
)
@deployments_option
@sender_option
@friendly
def import_cmd(
    csv_file: Path,
    batch_size: int,
    dry_run: bool,
    prune: bool,
    allow_unchecksummed: bool,
    log_page_size: int,
    no_events: bool,
    assume_yes: bool,
    deployments_dir: Path,
    account: Any,
) -> None:
    """Check CSV_FILE, plan against the registry, send the changes in batches.

    Changes that take something away from an investor (unfreezing a frozen investor, removing
    one with --prune, shortening a KYC expiry) are listed and applied only when confirmed: at
    the prompt, or with --yes when no one is there to answer."""
    from sectoken.chain.batching import registry_sender
    from sectoken.chain.suite import require_role
    from sectoken.cli.render import print_csv_issues, print_plan, print_send_report
    from sectoken.jobs.investors import ImportOutcome, import_investors
    from sectoken.model.plan import Destructive

    suite = open_suite_here(deployments_dir)
    sender = None if dry_run else resolve_account(account)
    if sender is not None:
        require_role(suite.registry, "COMPLIANCE_ROLE", sender, what="investor registry")

    def show(outcome: ImportOutcome) -> None:
        print_csv_issues(console, outcome.parsed)
        if outcome.waited_for_pending:
            console.print(
                f"[green]the {outcome.waited_for_pending} pending transaction(s) of an earlier "
                "run landed; planning from the chain as it is now[/green]"
            )
        console.print(
            f"{outcome.parsed.source}: {len(outcome.parsed.rows)} valid rows; registry read at "
            f"block {outcome.snapshot.block} ({outcome.snapshot.event_count} events)"
        )
        if outcome.snapshot.mismatches:
            console.print(
                f"[yellow]{len(outcome.snapshot.mismatches)} wallet(s) differ between events "
                "and storage; storage was used[/yellow]"
            )
        print_plan(console, outcome.plan, batch_size=batch_size)
        for change in outcome.plan.destructive():
            console.print(f"[bold yellow]destructive:[/bold yellow] {escape(change.describe())}")

    def waiting(left: int, seconds: float) -> None:
        where = sender.address if sender is not None else "the account"
        console.print(
            f"[yellow]waiting for {left} transaction(s) from {where} still pending in the node "
            f"(an earlier run's), {seconds:.0f} s of at most 180 s; they must land before the "
            "registry is read, so that nothing is sent twice[/yellow]"
        )

    def confirm(changes: list[Destructive]) -> bool:
        if assume_yes:
            return True
        if not interactive():
            return False  # refused with the list and the --yes hint
        return click.confirm(
            f"Apply {len(changes)} destructive change(s) listed above?", default=False
        )

    outcome = import_investors(
        csv_file,
        suite.reader(),
        registry_sender(suite.registry_writer(sender)) if sender is not None else None,
        sender_address=sender.address if sender is not None else None,
        reserved=suite.deployment.suite_addresses(),
        allow_unchecksummed=allow_unchecksummed,
        prune=prune,
        batch_size=batch_size,
        dry_run=dry_run,
        use_events=not no_events,
        page_size=log_page_size,
        console=console,
        describe_error=suite.decoder.explain,
        on_plan=show,
        confirm=confirm,
        on_wait=waiting,
    )
    if dry_run:
        console.print("[yellow]--dry-run: nothing sent.[/yellow]")
    elif outcome.report is not None:
        if outcome.replans:
            console.print(
                f"[yellow]re-planned {outcome.replans} time(s) after another transaction took "
                "the account's nonce[/yellow]"
            )
        print_send_report(console, outcome.report)


@cli.command(name="export", cls=SectokenCommand)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--log-page-size", default=10_000, show_default=True, help="Blocks per log query.")
@deployments_option
@reader_option
@friendly
def export_cmd(out: Path | None, log_page_size: int, deployments_dir: Path) -> None:
    """Write the registry to OUT (CSV, the import format; stdout when omitted)."""
    from sectoken.jobs.investors import export_investors

    suite = open_suite_here(deployments_dir)
    if out is None:
        export_investors(suite.reader(), sys.stdout, page_size=log_page_size)
        return
    count = export_investors(suite.reader(), out, page_size=log_page_size)
    console.print(f"[green]Wrote {count} investors to {out}[/green]")


def _freeze(wallet: str, frozen: bool, deployments_dir: Path, account: Any) -> None:
    from sectoken.jobs.operations import set_investor_frozen

    suite = open_suite_here(deployments_dir)
    done = set_investor_frozen(suite, resolve_account(account), wallet, frozen=frozen)
    console.print(f"[green]{escape(done.summary)}[/green] (tx {done.tx_hash})")


@cli.command(name="freeze", cls=SectokenCommand)
@click.argument("wallet", type=ADDRESS)
@deployments_option
@sender_option
@friendly
def freeze_cmd(wallet: str, deployments_dir: Path, account: Any) -> None:
    """Freeze an investor in the registry (every token of the issuer)."""
    _freeze(wallet, True, deployments_dir, account)


@cli.command(name="unfreeze", cls=SectokenCommand)
@click.argument("wallet", type=ADDRESS)
@deployments_option
@sender_option
@friendly
def unfreeze_cmd(wallet: str, deployments_dir: Path, account: Any) -> None:
    """Lift an investor-level freeze."""
    _freeze(wallet, False, deployments_dir, account)
