"""ape run captable: holders rebuilt from Transfer events, checked against balances on chain."""

from __future__ import annotations

from pathlib import Path

import click

from sectoken.cli.common import (
    SectokenCommand,
    console,
    deployments_option,
    friendly,
    open_suite_here,
    reader_option,
)


@click.command(cls=SectokenCommand)
@click.option("--record-date", "record_date", type=int, help="Balances at this record date id.")
@click.option("--block", type=int, help="Balances at this block (default: latest).")
@click.option("--csv", "csv_out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--chart",
    "chart_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PNG chart of ownership.",
)
@click.option("--top", default=25, show_default=True, help="Rows shown in the table.")
@click.option("--log-page-size", default=10_000, show_default=True, help="Blocks per log query.")
@click.option("--no-verify", is_flag=True, help="Skip the check against balanceOf.")
@click.option(
    "--from-index",
    is_flag=True,
    help="Read balances from the event index (`ape run index sync`) instead of replaying logs.",
)
@click.option("--db", "db_url", envvar="SECTOKEN_INDEX_DB", metavar="URL",
              help="With --from-index: the index's database URL (default: next to the "
              "deployment file).")  # fmt: skip
@deployments_option
@reader_option
@friendly
def cli(
    record_date: int | None,
    block: int | None,
    csv_out: Path | None,
    json_out: Path | None,
    chart_out: Path | None,
    top: int,
    log_page_size: int,
    no_verify: bool,
    from_index: bool,
    db_url: str | None,
    deployments_dir: Path,
) -> None:
    """Print the cap table (and write CSV, JSON, PNG)."""
    from sectoken.errors import SectokenError
    from sectoken.jobs.captable import print_cap_table, suite_cap_table

    suite = open_suite_here(deployments_dir)
    if from_index:
        from sectoken.jobs.indexed import cap_table_from_index, open_suite_index

        index = open_suite_index(suite, db_url)
        try:
            table = cap_table_from_index(
                suite, index, record_date_id=record_date, block=block, verify=not no_verify
            )
        finally:
            index.close()
    else:
        table = suite_cap_table(
            suite,
            record_date_id=record_date,
            block=block,
            page_size=log_page_size,
            verify=not no_verify,
        )
    print_cap_table(console, table, limit=top)
    for path, write in (
        (csv_out, table.write_csv),
        (json_out, table.write_json),
        (chart_out, table.write_chart),
    ):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            write(path)
            console.print(f"wrote {path}")
    if table.checked and not table.matches_chain:
        raise SectokenError("the cap table from events does not match the chain")
