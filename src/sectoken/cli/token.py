"""ape run token ...: the issuer's, compliance officer's and controller's operations."""

from __future__ import annotations

from collections.abc import Callable
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


def _print(done: Any) -> None:
    console.print(
        f"[green]{escape(done.summary)}[/green] (tx {done.tx_hash}, gas {done.gas_used:,})"
    )


@click.group()
def cli() -> None:
    """Issue, redeem, transfer, force-transfer, recover, freeze, pause, documents, record dates."""


def _command(name: str) -> Callable[[Callable[..., None]], click.Command]:
    """A subcommand that sends a transaction: --deployments, --account, friendly errors."""

    def decorate(fn: Callable[..., None]) -> click.Command:
        wrapped = deployments_option(sender_option(friendly(fn)))
        command: click.Command = cli.command(name=name, cls=SectokenCommand)(wrapped)
        return command

    return decorate


@_command("issue")
@click.argument("to", type=ADDRESS)
@click.argument("amount", type=AMOUNT)
def issue_cmd(to: str, amount: str, deployments_dir: Path, account: Any) -> None:
    """Issue AMOUNT (whole tokens) to TO, after the compliance pre-flight."""
    from sectoken.jobs.operations import issue

    _print(issue(open_suite_here(deployments_dir), resolve_account(account), to, amount))


@_command("transfer")
@click.argument("to", type=ADDRESS)
@click.argument("amount", type=AMOUNT)
def transfer_cmd(to: str, amount: str, deployments_dir: Path, account: Any) -> None:
    """Transfer AMOUNT from --account to TO, after the compliance pre-flight."""
    from sectoken.jobs.operations import transfer

    _print(transfer(open_suite_here(deployments_dir), resolve_account(account), to, amount))


@cli.command(name="check", cls=SectokenCommand)
@click.argument("sender", type=ADDRESS)
@click.argument("to", type=ADDRESS)
@click.argument("amount", type=AMOUNT)
@deployments_option
@reader_option
@friendly
def check_cmd(sender: str, to: str, amount: str, deployments_dir: Path) -> None:
    """Would AMOUNT move from SENDER to TO now? (SENDER 0x0…0 asks about issuance)."""
    from sectoken.jobs.operations import preflight
    from sectoken.model.amounts import to_units

    suite = open_suite_here(deployments_dir)
    units = to_units(amount, int(suite.require("token").decimals()))
    preflight(suite, sender, to, units)
    console.print("[green]allowed: no restriction[/green]")


@_command("redeem")
@click.argument("amount", type=AMOUNT)
def redeem_cmd(amount: str, deployments_dir: Path, account: Any) -> None:
    """Redeem (burn) AMOUNT of --account's own tokens."""
    from sectoken.jobs.operations import redeem

    _print(redeem(open_suite_here(deployments_dir), resolve_account(account), amount))


@_command("force-transfer")
@click.argument("source", type=ADDRESS)
@click.argument("to", type=ADDRESS)
@click.argument("amount", type=AMOUNT)
@click.option("--reason", required=True, help="Court order or ticket, recorded on chain.")
def force_transfer_cmd(
    source: str, to: str, amount: str, reason: str, deployments_dir: Path, account: Any
) -> None:
    """Controller: move AMOUNT from SOURCE to TO, bypassing the rules."""
    from sectoken.jobs.operations import force_transfer

    suite = open_suite_here(deployments_dir)
    _print(force_transfer(suite, resolve_account(account), source, to, amount, reason=reason))


@_command("force-redeem")
@click.argument("holder", type=ADDRESS)
@click.argument("amount", type=AMOUNT)
@click.option("--reason", required=True, help="Court order or ticket, recorded on chain.")
def force_redeem_cmd(
    holder: str, amount: str, reason: str, deployments_dir: Path, account: Any
) -> None:
    """Controller: redeem AMOUNT from HOLDER."""
    from sectoken.jobs.operations import force_redeem

    suite = open_suite_here(deployments_dir)
    _print(force_redeem(suite, resolve_account(account), holder, amount, reason=reason))


@_command("recover")
@click.argument("lost", type=ADDRESS)
@click.argument("new", type=ADDRESS)
@click.option("--reason", required=True, help="Court order or ticket, recorded on chain.")
def recover_cmd(lost: str, new: str, reason: str, deployments_dir: Path, account: Any) -> None:
    """Controller: move a lost wallet's whole position to the investor's NEW wallet."""
    from sectoken.jobs.operations import recover_wallet

    suite = open_suite_here(deployments_dir)
    _print(recover_wallet(suite, resolve_account(account), lost, new, reason=reason))


@_command("freeze")
@click.argument("wallet", type=ADDRESS)
@click.option("--amount", type=AMOUNT, help="Freeze only this amount of the wallet's balance.")
@click.option("--unfreeze", is_flag=True, help="Lift the freeze (or unfreeze --amount).")
def freeze_cmd(
    wallet: str, amount: str | None, unfreeze: bool, deployments_dir: Path, account: Any
) -> None:
    """Freeze WALLET on this token (fully, or --amount of it)."""
    from sectoken.jobs.operations import freeze_amount, freeze_wallet

    suite = open_suite_here(deployments_dir)
    sender = resolve_account(account)
    if amount is not None:
        _print(freeze_amount(suite, sender, wallet, amount, unfreeze=unfreeze))
    else:
        _print(freeze_wallet(suite, sender, wallet, frozen=not unfreeze))


@_command("pause")
def pause_cmd(deployments_dir: Path, account: Any) -> None:
    """Pause every transfer (controller operations still work)."""
    from sectoken.jobs.operations import set_paused

    _print(set_paused(open_suite_here(deployments_dir), resolve_account(account), paused=True))


@_command("unpause")
def unpause_cmd(deployments_dir: Path, account: Any) -> None:
    """Allow transfers again."""
    from sectoken.jobs.operations import set_paused

    _print(set_paused(open_suite_here(deployments_dir), resolve_account(account), paused=False))


@_command("close-issuance")
def close_issuance_cmd(deployments_dir: Path, account: Any) -> None:
    """Close issuance for good (irreversible)."""
    from sectoken.jobs.operations import close_issuance

    _print(close_issuance(open_suite_here(deployments_dir), resolve_account(account)))


@_command("record-date")
@click.argument("when", type=DATE)
def record_date_cmd(when: int | str, deployments_dir: Path, account: Any) -> None:
    """Fix a record date at WHEN (ISO 8601 UTC, e.g. 2026-12-31T17:00:00Z, or +7d from the
    chain's time)."""
    from sectoken.jobs.devchain import chain_date
    from sectoken.jobs.operations import schedule_record_date

    suite = open_suite_here(deployments_dir)
    at = chain_date(when, suite.w3)
    _record_id, done = schedule_record_date(suite, resolve_account(account), at)
    _print(done)


@_command("cancel-record-date")
@click.argument("record_id", metavar="ID", type=int)
def cancel_record_date_cmd(record_id: int, deployments_dir: Path, account: Any) -> None:
    """Cancel the pending record date ID (the latest one, not reached yet)."""
    from sectoken.jobs.operations import cancel_record_date

    suite = open_suite_here(deployments_dir)
    _print(cancel_record_date(suite, resolve_account(account), record_id))


@_command("set-document")
@click.argument("name")
@click.argument("uri")
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Hash this file's content (keccak256).",
)
@click.option("--hash", "digest", help="The document's 32-byte hash (0x…).")
def set_document_cmd(
    name: str,
    uri: str,
    file: Path | None,
    digest: str | None,
    deployments_dir: Path,
    account: Any,
) -> None:
    """Publish (or replace) document NAME at URI."""
    from sectoken.jobs.operations import set_document

    suite = open_suite_here(deployments_dir)
    content = file.read_bytes() if file is not None else None
    _print(set_document(suite, resolve_account(account), name, uri, content=content, digest=digest))


@_command("remove-document")
@click.argument("name")
def remove_document_cmd(name: str, deployments_dir: Path, account: Any) -> None:
    """Remove document NAME."""
    from sectoken.jobs.operations import remove_document

    _print(remove_document(open_suite_here(deployments_dir), resolve_account(account), name))


@cli.command(name="documents", cls=SectokenCommand)
@deployments_option
@reader_option
@friendly
def documents_cmd(deployments_dir: Path) -> None:
    """List the token's documents."""
    from sectoken.jobs.operations import list_documents
    from sectoken.model.dates import format_timestamp

    rows = list_documents(open_suite_here(deployments_dir))
    if not rows:
        console.print("no documents")
    for name, uri, digest, timestamp in rows:
        console.print(escape(f"{name:<20} {uri}  {digest}  {format_timestamp(timestamp)}"))
