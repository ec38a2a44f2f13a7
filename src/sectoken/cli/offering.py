"""ape run offering create|status|subscribe|close|cancel|deliver|refund."""

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
    reader_option,
    resolve_account,
    sender_option,
)
from sectoken.cli.market_options import market_contract_option, open_market

_offerings_option = market_contract_option("offerings", "PrimaryOffering")


def _open(deployments_dir: Path, offerings_address: str | None) -> tuple[Any, Any]:
    from sectoken.jobs.offerings import offering_contract

    return open_market(deployments_dir, offerings_address, "offerings", offering_contract)


@click.group()
def cli() -> None:
    """Primary offerings of the token, paid in an ERC-20 (a stablecoin)."""


@cli.command(name="create", cls=SectokenCommand)
@click.option("--asset", type=ADDRESS, required=True, help="The ERC-20 investors pay in.")
@click.option("--treasury", type=ADDRESS, required=True, help="Receives the proceeds.")
@click.option("--price", type=AMOUNT, required=True, help="Price per share, whole asset units.")
@click.option("--hard-cap", type=AMOUNT, required=True, help="Most shares sold.")
@click.option("--soft-cap", type=AMOUNT, default="0", show_default=True, help="Least to succeed.")
@click.option(
    "--min", "min_shares", type=AMOUNT, default="0", show_default=True, help="Per investor."
)
@click.option("--max", "max_shares", type=AMOUNT, default="0", help="Per investor (0: hard cap).")
@click.option("--start", type=DATE, default=None, help="ISO 8601 UTC or +1d (default: now).")
@click.option("--end", type=DATE, required=True, help="ISO 8601 UTC, or +30d.")
@click.option("--delivery-days", default=30, show_default=True, help="Delivery window after close.")
@_offerings_option
@deployments_option
@sender_option
@friendly
def create_cmd(
    asset: str,
    treasury: str,
    price: str,
    hard_cap: str,
    soft_cap: str,
    min_shares: str,
    max_shares: str,
    start: int | None,
    end: int,
    delivery_days: int,
    offerings_address: str | None,
    deployments_dir: Path,
    account: Any,
) -> None:
    """Open an offering (the issuer)."""
    from sectoken.jobs.devchain import chain_date
    from sectoken.jobs.offerings import create_offering

    suite, offerings = _open(deployments_dir, offerings_address)
    offering_id, done = create_offering(
        suite,
        resolve_account(account),
        offerings,
        asset=asset,
        treasury=treasury,
        price=price,
        hard_cap=hard_cap,
        soft_cap=soft_cap,
        min_shares=min_shares,
        max_shares=max_shares,
        start=chain_date(start, suite.w3) if start is not None else None,
        end=chain_date(end, suite.w3),
        delivery_days=delivery_days,
    )
    console.print(f"[green]{escape(done.summary)}[/green] (id {offering_id}, tx {done.tx_hash})")


@cli.command(name="status", cls=SectokenCommand)
@click.argument("offering_id", type=int)
@_offerings_option
@deployments_option
@reader_option
@friendly
def status_cmd(offering_id: int, offerings_address: str | None, deployments_dir: Path) -> None:
    """Terms, subscriptions, deliveries and refunds of an offering."""
    from sectoken.jobs.offerings import offering_status, print_offering

    suite, offerings = _open(deployments_dir, offerings_address)
    print_offering(console, offering_status(suite, offerings, offering_id))


@cli.command(name="subscribe", cls=SectokenCommand)
@click.argument("offering_id", type=int)
@click.argument("shares", type=AMOUNT)
@_offerings_option
@deployments_option
@sender_option
@friendly
def subscribe_cmd(
    offering_id: int,
    shares: str,
    offerings_address: str | None,
    deployments_dir: Path,
    account: Any,
) -> None:
    """Subscribe SHARES as --account (approves the payment first if needed)."""
    from sectoken.jobs.offerings import subscribe

    suite, offerings = _open(deployments_dir, offerings_address)
    done = subscribe(suite, resolve_account(account), offerings, offering_id, shares)
    console.print(f"[green]{escape(done.summary)}[/green] (tx {done.tx_hash})")


@cli.command(name="close", cls=SectokenCommand)
@click.argument("offering_id", type=int)
@_offerings_option
@deployments_option
@sender_option
@friendly
def close_cmd(
    offering_id: int, offerings_address: str | None, deployments_dir: Path, account: Any
) -> None:
    """Close an offering after its end or once sold out (anyone)."""
    from sectoken.jobs.offerings import close_offering

    suite, offerings = _open(deployments_dir, offerings_address)
    done = close_offering(suite, resolve_account(account), offerings, offering_id)
    console.print(
        f"[green]{escape(done.summary)}[/green]" + (f" (tx {done.tx_hash})" if done.tx_hash else "")
    )


@cli.command(name="refund", cls=SectokenCommand)
@click.argument("offering_id", type=int)
@_offerings_option
@deployments_option
@sender_option
@friendly
def refund_cmd(
    offering_id: int, offerings_address: str | None, deployments_dir: Path, account: Any
) -> None:
    """Take back --account's payment (failed or cancelled offering, or undelivered)."""
    from sectoken.jobs.offerings import refund_subscription

    suite, offerings = _open(deployments_dir, offerings_address)
    done = refund_subscription(suite, resolve_account(account), offerings, offering_id)
    console.print(
        f"[green]{escape(done.summary)}[/green]" + (f" (tx {done.tx_hash})" if done.tx_hash else "")
    )


@cli.command(name="cancel", cls=SectokenCommand)
@click.argument("offering_id", type=int)
@_offerings_option
@deployments_option
@sender_option
@friendly
def cancel_cmd(
    offering_id: int, offerings_address: str | None, deployments_dir: Path, account: Any
) -> None:
    """Cancel an active offering (the token's issuer); subscribers then take refunds."""
    from sectoken.jobs.offerings import cancel_offering

    suite, offerings = _open(deployments_dir, offerings_address)
    done = cancel_offering(suite, resolve_account(account), offerings, offering_id)
    console.print(
        f"[green]{escape(done.summary)}[/green]" + (f" (tx {done.tx_hash})" if done.tx_hash else "")
    )


@cli.command(name="deliver", cls=SectokenCommand)
@click.argument("offering_id", type=int)
@click.option(
    "--batch",
    type=click.IntRange(min=1, max=500),
    default=50,
    show_default=True,
    help="Investors per transaction.",
)
@click.option(
    "--from-block",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Where to start reading the offering's Subscribed events.",
)
@_offerings_option
@deployments_option
@sender_option
@friendly
def deliver_cmd(
    offering_id: int,
    batch: int,
    from_block: int,
    offerings_address: str | None,
    deployments_dir: Path,
    account: Any,
) -> None:
    """Push the shares of a succeeded offering to its subscribers, --batch per transaction."""
    from rich.table import Table

    from sectoken.jobs.offerings import deliver_in_batches

    suite, offerings = _open(deployments_dir, offerings_address)
    result = deliver_in_batches(
        suite,
        resolve_account(account),
        offerings,
        offering_id,
        batch=batch,
        from_block=from_block,
    )
    table = Table(title=f"Offering {offering_id}: delivery")
    table.add_column("investor")
    table.add_column("result")
    for investor in result.delivered:
        table.add_row(investor, "[green]delivered[/green]")
    for investor, code, _ in result.refused:
        table.add_row(investor, f"[yellow]refused (code {code})[/yellow]")
    console.print(table)
    for investor, code, message in result.refused:
        console.print(f"{investor}: refused by the token: code {code}, {escape(message)}")
    for done in result.batches:
        console.print(f"[green]{escape(done.summary)}[/green] (tx {done.tx_hash})")
    if not result.batches:
        console.print("nothing to deliver: every deliverable subscription has its shares")
    if result.left:
        console.print(f"[yellow]{result.left} subscriptions still undelivered: run again[/yellow]")
