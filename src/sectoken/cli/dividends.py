"""ape run dividends create|status|push|reclaim|claim."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from sectoken.cli.common import (
    ADDRESS,
    AMOUNT,
    DATE,
    SectokenCommand,
    console,
    deployments_option,
    friendly,
    open_suite_here,
    reader_option,
    resolve_account,
    sender_option,
)


@click.group()
def cli() -> None:
    """Dividends paid pro rata to the holders at a record date."""


@cli.command(name="create", cls=SectokenCommand)
@click.option("--record-date", "record_date", type=int, required=True, help="Record date id.")
@click.option(
    "--amount",
    type=AMOUNT,
    required=True,
    help="Total to distribute, in whole units of the asset.",
)
@click.option("--asset", default="ETH", show_default=True, help="ETH or an ERC-20 address.")
@click.option("--expiry", type=DATE, required=True, help="Claims end then (ISO 8601 UTC, or +90d).")
@click.option("--withholding-bps", default=0, show_default=True, help="Tax withheld, bps.")
@click.option(
    "--tax-wallet",
    type=ADDRESS,
    help="Receives withheld tax (required with withholding).",
)
@click.option(
    "--exclude",
    type=ADDRESS,
    multiple=True,
    help="Wallet left out (treasury); repeatable.",
)
@deployments_option
@sender_option
@friendly
def create_cmd(
    record_date: int,
    amount: str,
    asset: str,
    expiry: int,
    withholding_bps: int,
    tax_wallet: str | None,
    exclude: tuple[str, ...],
    deployments_dir: Path,
    account: Any,
) -> None:
    """Create a distribution (deposits the amount)."""
    from sectoken.jobs.devchain import chain_date
    from sectoken.jobs.dividends import create_distribution

    suite = open_suite_here(deployments_dir)
    dist_id, done = create_distribution(
        suite,
        resolve_account(account),
        record_date_id=record_date,
        amount=amount,
        asset=asset,
        expiry=chain_date(expiry, suite.w3),
        withholding_bps=withholding_bps,
        tax_wallet=tax_wallet,
        excluded=list(exclude),
    )
    console.print(f"[green]{escape(done.summary)}[/green] (id {dist_id}, tx {done.tx_hash})")


@cli.command(name="status", cls=SectokenCommand)
@click.argument("dist_id", type=int)
@deployments_option
@reader_option
@friendly
def status_cmd(dist_id: int, deployments_dir: Path) -> None:
    """Claimed, unclaimed, withheld and reclaimed amounts of a distribution."""
    from sectoken.jobs.dividends import distribution_status, print_status

    print_status(console, distribution_status(open_suite_here(deployments_dir), dist_id))


@cli.command(name="push", cls=SectokenCommand)
@click.argument("dist_id", type=int)
@click.option("--batch-size", default=100, show_default=True, help="Holders per transaction.")
@deployments_option
@sender_option
@friendly
def push_cmd(dist_id: int, batch_size: int, deployments_dir: Path, account: Any) -> None:
    """Pay every holder who has not claimed (resumable)."""
    from sectoken.jobs.dividends import push_dividends

    report = push_dividends(
        open_suite_here(deployments_dir),
        resolve_account(account),
        dist_id,
        batch_size=batch_size,
    )
    console.print(
        f"[green]{report.considered} holders at the record date, {report.already_paid} already "
        f"paid or excluded; pushed to {report.pushed_to} in {report.transactions} "
        f"transaction(s), gas {report.gas_used:,}[/green]"
    )
    for holder, reason in report.skipped:
        console.print(f"[yellow]skipped {holder}: {escape(reason)}[/yellow]")


@cli.command(name="reclaim", cls=SectokenCommand)
@click.argument("dist_id", type=int)
@deployments_option
@sender_option
@friendly
def reclaim_cmd(dist_id: int, deployments_dir: Path, account: Any) -> None:
    """After expiry, take back what was not claimed."""
    from sectoken.jobs.dividends import reclaim_dividend

    done = reclaim_dividend(open_suite_here(deployments_dir), resolve_account(account), dist_id)
    console.print(f"[green]{escape(done.summary)}[/green] (tx {done.tx_hash})")


@cli.command(name="withdraw-withheld", cls=SectokenCommand)
@click.argument("dist_id", type=int)
@deployments_option
@sender_option
@friendly
def withdraw_withheld_cmd(dist_id: int, deployments_dir: Path, account: Any) -> None:
    """Send the withheld tax to the distribution's tax wallet."""
    from sectoken.jobs.dividends import withdraw_withheld

    done = withdraw_withheld(open_suite_here(deployments_dir), resolve_account(account), dist_id)
    console.print(f"[green]{escape(done.summary)}[/green] (tx {done.tx_hash})")


@cli.command(name="claim", cls=SectokenCommand)
@click.argument("dist_id", type=int)
@deployments_option
@sender_option
@friendly
def claim_cmd(dist_id: int, deployments_dir: Path, account: Any) -> None:
    """Claim --account's share (what an investor's wallet does)."""
    from sectoken.jobs.dividends import claim_dividend

    done = claim_dividend(open_suite_here(deployments_dir), resolve_account(account), dist_id)
    console.print(f"[green]{escape(done.summary)}[/green] (tx {done.tx_hash})")
