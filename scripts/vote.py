"""ape run vote create|results|cast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from scripts._cli import (
    ADDRESS,
    DATE,
    SectokenCommand,
    console,
    deployments_option,
    friendly,
    open_suite_here,
    resolve_account,
    sender_option,
)


@click.group()
def cli() -> None:
    """Shareholder ballots weighted by balances at a record date."""


@cli.command(name="create", cls=SectokenCommand)
@click.option("--title", required=True)
@click.option("--option", "options", multiple=True, required=True, help="Repeat per option.")
@click.option("--record-date", "record_date", type=int, required=True, help="Record date id.")
@click.option("--start", type=DATE, help="Opens at (ISO 8601 UTC; default now).")
@click.option("--end", type=DATE, required=True, help="Closes at (ISO 8601 UTC).")
@click.option("--quorum-bps", type=int, required=True, help="Turnout needed, bps of supply.")
@click.option(
    "--threshold-bps",
    type=int,
    default=0,
    show_default=True,
    help="Share of votes the leader needs; 0 = plurality.",
)
@click.option("--document-uri", default="", help="Where the resolution is published.")
@click.option(
    "--exclude",
    type=ADDRESS,
    multiple=True,
    help="Wallet that does not vote; repeatable.",
)
@deployments_option
@sender_option
@friendly
def create_cmd(
    title: str,
    options: tuple[str, ...],
    record_date: int,
    start: int | None,
    end: int,
    quorum_bps: int,
    threshold_bps: int,
    document_uri: str,
    exclude: tuple[str, ...],
    deployments_dir: Path,
    account: Any,
) -> None:
    """Create a ballot."""
    from sectoken.voting import create_ballot

    suite = open_suite_here(deployments_dir)
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    ballot_id, done = create_ballot(
        suite,
        resolve_account(account),
        title=title,
        options=list(options),
        record_date_id=record_date,
        start=start if start is not None else now,
        end=end,
        quorum_bps=quorum_bps,
        threshold_bps=threshold_bps,
        document_uri=document_uri,
        excluded=list(exclude),
    )
    console.print(f"[green]{escape(done.summary)}[/green] (id {ballot_id}, tx {done.tx_hash})")


@cli.command(name="results", cls=SectokenCommand)
@click.argument("ballot_id", type=int)
@deployments_option
@friendly
def results_cmd(ballot_id: int, deployments_dir: Path) -> None:
    """Tally, turnout, quorum and outcome."""
    from sectoken.voting import ballot_results, print_results

    print_results(console, ballot_results(open_suite_here(deployments_dir), ballot_id))


@cli.command(name="cast", cls=SectokenCommand)
@click.argument("ballot_id", type=int)
@click.argument("option")
@deployments_option
@sender_option
@friendly
def cast_cmd(ballot_id: int, option: str, deployments_dir: Path, account: Any) -> None:
    """Vote OPTION (its number, 0-based, or its label) with --account's record-date balance."""
    from sectoken.voting import cast_vote

    done = cast_vote(open_suite_here(deployments_dir), resolve_account(account), ballot_id, option)
    console.print(f"[green]{escape(done.summary)}[/green] (tx {done.tx_hash})")
