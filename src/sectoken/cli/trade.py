"""ape run trade propose|accept|settle|cancel|status."""

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

_settlement_option = market_contract_option("settlement", "TradeSettlement")


def _open(deployments_dir: Path, settlement_address: str | None) -> tuple[Any, Any]:
    from sectoken.jobs.trades import settlement_contract

    return open_market(deployments_dir, settlement_address, "settlement", settlement_contract)


def _say(done: Any) -> None:
    tail = f" (tx {done.tx_hash})" if done.tx_hash else ""
    console.print(f"[green]{escape(done.summary)}[/green]{tail}")


@click.group()
def cli() -> None:
    """Delivery versus payment between two investors."""


@cli.command(name="propose", cls=SectokenCommand)
@click.option("--seller", type=ADDRESS, required=True, help="Delivers the shares.")
@click.option("--buyer", type=ADDRESS, required=True, help="Pays.")
@click.option("--shares", type=AMOUNT, required=True, help="Shares delivered.")
@click.option("--asset", type=ADDRESS, required=True, help="The ERC-20 paid.")
@click.option("--amount", type=AMOUNT, required=True, help="Paid, in whole units of the asset.")
@click.option("--expiry", type=DATE, required=True, help="Settles until then (ISO 8601 or +2d).")
@_settlement_option
@deployments_option
@sender_option
@friendly
def propose_cmd(
    seller: str,
    buyer: str,
    shares: str,
    asset: str,
    amount: str,
    expiry: int,
    settlement_address: str | None,
    deployments_dir: Path,
    account: Any,
) -> None:
    """Propose a trade as its seller or buyer (approves your leg)."""
    from sectoken.jobs.devchain import chain_date
    from sectoken.jobs.trades import propose_trade

    suite, settlement = _open(deployments_dir, settlement_address)
    trade_id, done = propose_trade(
        suite,
        resolve_account(account),
        settlement,
        seller=seller,
        buyer=buyer,
        shares=shares,
        asset=asset,
        amount=amount,
        expiry=chain_date(expiry, suite.w3),
    )
    console.print(f"[green]{escape(done.summary)}[/green] (id {trade_id}, tx {done.tx_hash})")


def _id_command(name: str, job: str, doc: str) -> None:
    @cli.command(name=name, cls=SectokenCommand, help=doc)
    @click.argument("trade_id", type=int)
    @_settlement_option
    @deployments_option
    @sender_option
    @friendly
    def command(
        trade_id: int, settlement_address: str | None, deployments_dir: Path, account: Any
    ) -> None:
        from sectoken.jobs import trades

        suite, settlement = _open(deployments_dir, settlement_address)
        _say(getattr(trades, job)(suite, resolve_account(account), settlement, trade_id))


_id_command("accept", "accept_trade", "Accept a trade as its other party (approves your leg).")
_id_command("settle", "settle_trade", "Settle an accepted trade: both legs or nothing.")
_id_command("cancel", "cancel_trade", "Cancel a proposed trade (a party; anyone once expired).")


@cli.command(name="status", cls=SectokenCommand)
@click.argument("trade_id", type=int)
@_settlement_option
@deployments_option
@reader_option
@friendly
def status_cmd(trade_id: int, settlement_address: str | None, deployments_dir: Path) -> None:
    """Terms, affirmations, the held payment and the state of a trade."""
    from sectoken.jobs.trades import print_trade, trade_state

    _, settlement = _open(deployments_dir, settlement_address)
    print_trade(console, trade_state(settlement, trade_id))
