"""ape run vote create|results|cast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from sectoken.cli.common import (
    ADDRESS,
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
    """Shareholder ballots weighted by balances at a record date."""


@cli.command(name="create", cls=SectokenCommand)
@click.option("--title", required=True)
@click.option("--option", "options", multiple=True, required=True, help="Repeat per option.")
@click.option("--record-date", "record_date", type=int, required=True, help="Record date id.")
@click.option("--start", type=DATE, help="Opens at (ISO 8601 UTC, or +1d; default now).")
@click.option("--end", type=DATE, required=True, help="Closes at (ISO 8601 UTC, or +30d).")
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
    from sectoken.jobs.devchain import chain_date
    from sectoken.jobs.voting import create_ballot

    suite = open_suite_here(deployments_dir)
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    ballot_id, done = create_ballot(
        suite,
        resolve_account(account),
        title=title,
        options=list(options),
        record_date_id=record_date,
        start=chain_date(start, suite.w3) if start else now,
        end=chain_date(end, suite.w3),
        quorum_bps=quorum_bps,
        threshold_bps=threshold_bps,
        document_uri=document_uri,
        excluded=list(exclude),
    )
    console.print(f"[green]{escape(done.summary)}[/green] (id {ballot_id}, tx {done.tx_hash})")


@cli.command(name="results", cls=SectokenCommand)
@click.argument("ballot_id", type=int)
@deployments_option
@reader_option
@friendly
def results_cmd(ballot_id: int, deployments_dir: Path) -> None:
    """Tally, turnout, quorum and outcome."""
    from sectoken.jobs.voting import ballot_results, print_results

    print_results(console, ballot_results(open_suite_here(deployments_dir), ballot_id))


@cli.command(name="cast", cls=SectokenCommand)
@click.argument("ballot_id", type=int)
@click.argument("option")
@deployments_option
@sender_option
@friendly
def cast_cmd(ballot_id: int, option: str, deployments_dir: Path, account: Any) -> None:
    """Vote OPTION (its label, e.g. yes, or its 0-based number) with --account's record-date
    balance."""
    from sectoken.jobs.voting import ballot_results, cast_vote, option_index

    suite = open_suite_here(deployments_dir)
    chosen = option_index(ballot_results(suite, ballot_id).options, option)
    done = cast_vote(suite, resolve_account(account), ballot_id, chosen)
    console.print(f"[green]{escape(done.summary)}[/green] (tx {done.tx_hash})")
