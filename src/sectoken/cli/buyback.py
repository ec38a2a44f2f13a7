"""ape run buyback create|tender|settle|close|status."""

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

_buybacks_option = market_contract_option("buybacks", "BuybackOffers")


def _open(deployments_dir: Path, buybacks_address: str | None) -> tuple[Any, Any]:
    from sectoken.jobs.buybacks import buyback_contract

    return open_market(deployments_dir, buybacks_address, "buybacks", buyback_contract)


@click.group()
def cli() -> None:
    """Buy-backs: the issuer deposits money and buys back shares that holders tender."""


@cli.command(name="create", cls=SectokenCommand)
@click.option("--asset", type=ADDRESS, required=True, help="The ERC-20 paid to holders.")
@click.option("--price", type=AMOUNT, required=True, help="Per share, whole asset units.")
@click.option("--max-shares", type=AMOUNT, required=True, help="Most shares bought back.")
@click.option("--deadline", type=DATE, required=True, help="Tenders until (ISO 8601 or +14d).")
@click.option("--pro-rata", is_flag=True, help="Scale tenders down pro rata (default: first come).")
@click.option("--settlement-days", default=7, show_default=True, help="Pro rata: settle window.")
@_buybacks_option
@deployments_option
@sender_option
@friendly
def create_cmd(
    asset: str,
    price: str,
    max_shares: str,
    deadline: int,
    pro_rata: bool,
    settlement_days: int,
    buybacks_address: str | None,
    deployments_dir: Path,
    account: Any,
) -> None:
    """Open a buy-back offer and deposit its cost (the issuer)."""
    from sectoken.jobs.buybacks import create_buyback
    from sectoken.jobs.devchain import chain_date

    suite, buybacks = _open(deployments_dir, buybacks_address)
    buyback_id, done = create_buyback(
        suite,
        resolve_account(account),
        buybacks,
        asset=asset,
        price=price,
        max_shares=max_shares,
        deadline=chain_date(deadline, suite.w3),
        pro_rata=pro_rata,
        settlement_days=settlement_days,
    )
    console.print(f"[green]{escape(done.summary)}[/green] (id {buyback_id}, tx {done.tx_hash})")


@cli.command(name="tender", cls=SectokenCommand)
@click.argument("buyback_id", type=int)
@click.argument("shares", type=AMOUNT)
@_buybacks_option
@deployments_option
@sender_option
@friendly
def tender_cmd(
    buyback_id: int, shares: str, buybacks_address: str | None, deployments_dir: Path, account: Any
) -> None:
    """Tender SHARES as --account (approves the buy-back contract for them first)."""
    from sectoken.jobs.buybacks import tender_shares

    suite, buybacks = _open(deployments_dir, buybacks_address)
    done = tender_shares(suite, resolve_account(account), buybacks, buyback_id, shares)
    console.print(f"[green]{escape(done.summary)}[/green] (tx {done.tx_hash})")


@cli.command(name="status", cls=SectokenCommand)
@click.argument("buyback_id", type=int)
@_buybacks_option
@deployments_option
@reader_option
@friendly
def status_cmd(buyback_id: int, buybacks_address: str | None, deployments_dir: Path) -> None:
    """Terms, tenders, redemptions and payments of a buy-back."""
    from sectoken.jobs.buybacks import buyback_state, print_buyback

    suite, buybacks = _open(deployments_dir, buybacks_address)
    print_buyback(console, buyback_state(suite, buybacks, buyback_id))


@cli.command(name="settle", cls=SectokenCommand)
@click.argument("buyback_id", type=int)
@click.option(
    "--all",
    "everyone",
    is_flag=True,
    help="Settle every pending tender, one transaction each (the token's issuer).",
)
@click.option(
    "--from-block",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="With --all: where to start reading the offer's Tendered events.",
)
@_buybacks_option
@deployments_option
@sender_option
@friendly
def settle_cmd(
    buyback_id: int,
    everyone: bool,
    from_block: int,
    buybacks_address: str | None,
    deployments_dir: Path,
    account: Any,
) -> None:
    """Pro rata, after the deadline: redeem and pay --account's accepted part (or everyone's)."""
    from sectoken.jobs.buybacks import settle_tenders

    suite, buybacks = _open(deployments_dir, buybacks_address)
    done = settle_tenders(
        suite,
        resolve_account(account),
        buybacks,
        buyback_id,
        everyone=everyone,
        from_block=from_block,
    )
    for item in done:
        tail = f" (tx {item.tx_hash})" if item.tx_hash else ""
        console.print(f"[green]{escape(item.summary)}[/green]{tail}")
    if not done:
        console.print("nothing to settle: no pending tender")


@cli.command(name="close", cls=SectokenCommand)
@click.argument("buyback_id", type=int)
@_buybacks_option
@deployments_option
@sender_option
@friendly
def close_cmd(
    buyback_id: int, buybacks_address: str | None, deployments_dir: Path, account: Any
) -> None:
    """Close an offer and return the unspent deposit (the token's issuer)."""
    from sectoken.jobs.buybacks import close_buyback

    suite, buybacks = _open(deployments_dir, buybacks_address)
    done = close_buyback(suite, resolve_account(account), buybacks, buyback_id)
    console.print(
        f"[green]{escape(done.summary)}[/green]" + (f" (tx {done.tx_hash})" if done.tx_hash else "")
    )
