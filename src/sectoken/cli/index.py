"""ape run index sync|status|captable|registry|audit: the suite's events in a SQL database.

The index is a SQLite file next to the deployment record (``deployments/<network>.index.sqlite``)
unless ``--db`` (or SECTOKEN_INDEX_DB) gives a database URL such as
``postgresql+psycopg://user@host/db``. ``sync`` reads the chain; the other commands read only the
index (they connect to the network to find its deployment file).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sectoken.cli.common import (
    AddressType,
    SectokenCommand,
    console,
    deployments_option,
    friendly,
    reader_option,
)

F = TypeVar("F", bound=Callable[..., Any])


def db_option(f: F) -> F:
    return click.option(
        "--db",
        "db_url",
        envvar="SECTOKEN_INDEX_DB",
        metavar="URL",
        help="Database URL of the index (env SECTOKEN_INDEX_DB). Default: SQLite next to "
        "the deployment file, deployments/<network>.index.sqlite.",
    )(f)


def _deployment_file(deployments_dir: Path) -> Path:
    from sectoken.chain.deployments import deployment_path
    from sectoken.chain.suite import network_name

    return deployment_path(deployments_dir, network_name())


def _open(db_url: str | None, deployments_dir: Path) -> Any:
    """The index (read-only commands): it must exist and have been synced."""
    from sectoken.errors import SectokenError
    from sectoken.index.sync import default_index_url, open_index

    url = db_url or default_index_url(_deployment_file(deployments_dir))
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise SectokenError(
            f"no index at {url.removeprefix('sqlite:///')}",
            hint="build it first: `ape run index sync`",
        )
    index = open_index(url)
    if index.last_block() is None:
        raise SectokenError(
            f"the index at {index.url} is empty", hint="build it: `ape run index sync`"
        )
    return index


def _checksum(address: str | None) -> str:
    from eth_utils.address import to_checksum_address

    return str(to_checksum_address(address)) if address else ""


def _short(address: str | None) -> str:
    text = _checksum(address)
    return f"{text[:6]}…{text[-4:]}" if text else ""


_ROLE_FIELDS = ("role", "previousAdminRole", "newAdminRole")


def _details(entry: Any) -> str:
    """The fields of an audit entry not already in its columns, readable: role names, short
    addresses, bytes as text when they are printable (operator data such as a ticket id)."""
    shown = {entry.wallet, entry.operator}
    parts = []
    for key, value in entry.args.items():
        if key in _ROLE_FIELDS:
            from sectoken.index.derive import role_name

            value = role_name(str(value))
        elif isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
            if value in shown:
                continue
            value = _short(value)
        elif isinstance(value, str) and value.startswith("0x") and len(value) % 2 == 0:
            try:
                raw = bytes.fromhex(value[2:])
            except ValueError:  # text that merely starts with 0x
                raw = b""
            if key == "name":  # a bytes32 document name: text padded with zeros
                raw = raw.rstrip(b"\0")
            elif len(value) == 66:  # a hash
                raw = b""
            text = raw.decode("utf-8", errors="replace")
            if raw and text.isprintable():
                value = repr(text)
        parts.append(f"{key}={value}")
    return ", ".join(parts)


@click.group()
def cli() -> None:
    """The event index: every event of the suite in SQLite or PostgreSQL, queried with SQL."""


@cli.command(name="sync", cls=SectokenCommand)
@db_option
@click.option(
    "--confirmations",
    default=12,
    show_default=True,
    type=click.IntRange(min=0),
    help="Blocks this deep below the head are final; younger ones are re-checked for reorgs.",
)
@click.option(
    "--batch-blocks",
    default=2_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Blocks per batch (one log query and one database transaction).",
)
@click.option("--rebuild", is_flag=True, help="Drop the index and sync from the first block.")
@deployments_option
@reader_option
@friendly
def sync_cmd(
    db_url: str | None,
    confirmations: int,
    batch_blocks: int,
    rebuild: bool,
    deployments_dir: Path,
) -> None:
    """Bring the index up to the chain's head (resumes where the last sync stopped)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from sectoken.cli.common import open_suite_here
    from sectoken.index.sync import unindexed_contracts
    from sectoken.jobs.indexed import open_suite_index, sync_suite_index

    suite = open_suite_here(deployments_dir)
    index = open_suite_index(suite, db_url)
    skipped = unindexed_contracts(suite.deployment)
    if skipped:
        console.print(
            f"[yellow]not indexed: {', '.join(skipped)} (this sectoken ships no ABI for "
            "them)[/yellow]"
        )
    try:
        last = index.last_block()
        start = suite.deployment.first_block() if last is None else last + 1
        with Progress(
            TextColumn("syncing blocks"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[events]} events"),
            console=console,
            transient=not sys.stdout.isatty(),
            disable=not sys.stdout.isatty(),
        ) as bar:
            task = bar.add_task("sync", total=None, events=0)

            def progress(done: int, target: int, events: int) -> None:
                bar.update(
                    task,
                    completed=done - start + 1,
                    total=max(target - start + 1, 1),
                    events=events,
                )
                if not sys.stdout.isatty():
                    console.print(f"  block {done} of {target}: {events} events")

            report = sync_suite_index(
                suite,
                index,
                confirmations=confirmations,
                batch_blocks=batch_blocks,
                rebuild=rebuild,
                progress=progress,
            )
        if report.reorg_from is not None:
            console.print(
                f"[yellow]reorganisation: blocks from {report.reorg_from} were replaced "
                f"({report.rolled_back_rows} derived rows rolled back)[/yellow]"
            )
        console.print(
            f"[green]index at block {index.last_block()}[/green] (head {report.head}, final up "
            f"to {max(report.final_block, 0)}): {report.events} new events in "
            f"{report.batches} batches, {report.seconds:.2f} s — {index.url}"
        )
    finally:
        index.close()


@cli.command(name="status", cls=SectokenCommand)
@db_option
@deployments_option
@reader_option
@friendly
def status_cmd(db_url: str | None, deployments_dir: Path) -> None:
    """Where the index stands: last block, events, holders, investors, pending blocks."""
    from sqlalchemy import func, select

    from sectoken.index import schema

    index = _open(db_url, deployments_dir)
    try:
        state = index.state()
        with index.engine.connect() as conn:

            def count(table: Any, *where: Any) -> int:
                return int(conn.execute(select(func.count()).select_from(table).where(*where))
                           .scalar() or 0)  # fmt: skip

            figures = {
                "events": count(schema.events),
                "holders": count(schema.balances),
                "investors": count(schema.investors),
                "role grants": count(schema.roles),
                "blocks not yet final": count(schema.blocks, schema.blocks.c.final.is_(False)),
            }
        console.print(f"index {index.url}")
        console.print(f"  chain {state.get('chain_id')}, last synced block {index.last_block()}")
        for label, _type, address, start in state.get("sources", []):
            console.print(f"  {label:<10} {_checksum(address)} from block {start}")
        for name, value in figures.items():
            console.print(f"  {name}: {value}")
    finally:
        index.close()


@cli.command(name="captable", cls=SectokenCommand)
@db_option
@click.option("--block", type=int, help="Balances at this block (default: the last synced).")
@click.option("--record-date", "record_date", type=int, help="Balances at this record date id.")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--top", default=25, show_default=True, help="Rows shown.")
@deployments_option
@reader_option
@friendly
def captable_cmd(
    db_url: str | None,
    block: int | None,
    record_date: int | None,
    csv_out: Path | None,
    top: int,
    deployments_dir: Path,
) -> None:
    """The cap table from the index (SQL only; `captable --from-index` also checks the chain)."""
    import csv

    from rich.table import Table

    from sectoken.index.queries import cap_table
    from sectoken.model.amounts import format_units
    from sectoken.model.countries import format_country

    index = _open(db_url, deployments_dir)
    try:
        table = cap_table(index, block=block, record_date_id=record_date)
        state = index.state()
    finally:
        index.close()
    decimals = int(state.get("token_decimals", 0))
    symbol = str(state.get("token_symbol", "token"))
    supply = table.total_supply
    when = f"block {table.block}" if table.block is not None else f"block {table.last_block}"
    if record_date is not None:
        when = f"record date {record_date} ({when})"
    grid = Table(
        title=f"{symbol} cap table at {when}: {len(table.holders)} holders, "
        f"supply {format_units(supply, decimals)}"
    )
    for column in ("#", "wallet", "balance", "%", "country"):
        grid.add_column(column, justify="right" if column in ("#", "balance", "%") else "left")
    for number, (wallet, balance, country) in enumerate(table.holders[:top], start=1):
        share = 100 * balance / supply if supply else 0.0
        grid.add_row(str(number), _checksum(wallet), format_units(balance, decimals),
                     f"{share:.2f}", format_country(country) if country else "-")  # fmt: skip
    if len(table.holders) > top:
        grid.add_row("", f"… {len(table.holders) - top} more", "", "", "")
    console.print(grid)
    if csv_out is not None:
        csv_out.parent.mkdir(parents=True, exist_ok=True)
        with csv_out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["wallet", "balance", "share_percent", "country"])
            for wallet, balance, country in table.holders:
                share = 100 * balance / supply if supply else 0.0
                writer.writerow([_checksum(wallet), format_units(balance, decimals)
                                 .replace(",", ""), f"{share:.6f}",
                                 format_country(country) if country else ""])  # fmt: skip
        console.print(f"wrote {csv_out}")


def _country_codes(values: tuple[str, ...]) -> list[int]:
    from sectoken.model.countries import parse_country

    return [parse_country(v) for v in values]


@cli.command(name="registry", cls=SectokenCommand)
@db_option
@click.option("--country", "countries", multiple=True, help="ISO code (US, 840); repeatable.")
@click.option(
    "--class",
    "investor_class",
    type=click.Choice(["accredited", "qualified", "affiliate", "withholding"]),
    help="Only investors of this class.",
)
@click.option(
    "--kyc-expiring",
    "kyc_days",
    type=click.IntRange(min=0),
    metavar="DAYS",
    help="Only investors whose KYC expires within DAYS days of the chain's time.",
)
@click.option("--frozen/--not-frozen", default=None, help="Only frozen (or unfrozen) investors.")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path))
@deployments_option
@reader_option
@friendly
def registry_cmd(
    db_url: str | None,
    countries: tuple[str, ...],
    investor_class: str | None,
    kyc_days: int | None,
    frozen: bool | None,
    csv_out: Path | None,
    deployments_dir: Path,
) -> None:
    """The investor registry from the index, with filters."""
    import csv

    from rich.table import Table

    from sectoken.chain.suite import provider_web3
    from sectoken.index.queries import registry_view
    from sectoken.model.countries import format_country
    from sectoken.model.dates import format_timestamp

    codes = _country_codes(countries)
    now = int(provider_web3().eth.get_block("latest")["timestamp"])
    index = _open(db_url, deployments_dir)
    try:
        rows = registry_view(
            index,
            countries=codes,
            investor_class=investor_class,
            kyc_expiring_within=None if kyc_days is None else kyc_days * 86_400,
            now=now,
            frozen=frozen,
        )
    finally:
        index.close()
    grid = Table(title=f"{len(rows)} investors")
    for column in ("wallet", "country", "KYC expiry", "lock-up until", "flags", "frozen"):
        grid.add_column(column)
    for r in rows:
        grid.add_row(_checksum(r.wallet), format_country(r.country), format_timestamp(r.kyc_expiry),
                     format_timestamp(r.lockup_until) if r.lockup_until else "-",
                     str(r.flags), "yes" if r.frozen else "")  # fmt: skip
    console.print(grid)
    if csv_out is not None:
        with csv_out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["wallet", "country", "kyc_expiry", "lockup_until", "flags", "frozen"])
            for r in rows:
                writer.writerow([_checksum(r.wallet), format_country(r.country), r.kyc_expiry,
                                 r.lockup_until, r.flags, r.frozen])  # fmt: skip
        console.print(f"wrote {csv_out}")


@cli.command(name="audit", cls=SectokenCommand)
@db_option
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(
        [
            "roles",
            "rules",
            "freezes",
            "forced",
            "recoveries",
            "documents",
            "registry",
            "issuance",
            "pause",
            "record-dates",
        ]
    ),
    help="Categories to show (repeatable). Default: all but registry and issuance.",
)
@click.option("--wallet", type=AddressType(), help="Only events about this wallet.")
@click.option("--operator", type=AddressType(), help="Only events this operator made.")
@click.option("--from-block", type=int)
@click.option("--to-block", type=int)
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write every matching entry as CSV ('-': standard output).")  # fmt: skip
@click.option("--limit", default=50, show_default=True, help="Rows shown on screen.")
@deployments_option
@reader_option
@friendly
def audit_cmd(
    db_url: str | None,
    kinds: tuple[str, ...],
    wallet: str | None,
    operator: str | None,
    from_block: int | None,
    to_block: int | None,
    csv_out: str | None,
    limit: int,
    deployments_dir: Path,
) -> None:
    """The audit trail: role grants, rule changes, freezes, forced transfers, recoveries (with
    their operator data), documents."""
    from rich.table import Table

    from sectoken.index.queries import DEFAULT_AUDIT_KINDS, audit_trail, write_audit_csv
    from sectoken.model.dates import format_timestamp

    index = _open(db_url, deployments_dir)
    try:
        entries = audit_trail(
            index,
            kinds=kinds or DEFAULT_AUDIT_KINDS,
            wallet=wallet,
            operator=operator,
            from_block=from_block,
            to_block=to_block,
        )
    finally:
        index.close()
    if csv_out == "-":
        write_audit_csv(entries, sys.stdout)
        return
    grid = Table(title=f"audit trail: {len(entries)} entries (full addresses and fields: --csv)")
    for column in ("block", "time (UTC)", "event", "wallet", "operator", "details"):
        grid.add_column(column, overflow="fold")
    for e in entries[-limit:]:
        when = format_timestamp(e.timestamp) if e.timestamp else ""
        grid.add_row(str(e.block_number), when.replace("T", " ").removesuffix("Z"),
                     f"{e.contract}.{e.event}", _short(e.wallet), _short(e.operator),
                     _details(e))  # fmt: skip
    console.print(grid)
    if csv_out is not None:
        count = write_audit_csv(entries, Path(csv_out))
        console.print(f"wrote {count} entries to {csv_out}")
