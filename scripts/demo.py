"""ape run demo: the whole story on a local Anvil in under a minute (artifacts in out/demo/)."""

from __future__ import annotations

from pathlib import Path

import click

from sectoken.cli.common import SectokenCommand, console, friendly


@click.command(cls=SectokenCommand)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/demo"),
    show_default=True,
    help="Where the demo writes its artifacts.",
)
@friendly
def cli(out_dir: Path) -> None:
    """Deploy, import investors, issue, transfer, pay a dividend, vote, print the cap table."""
    from ape import accounts, chain, project

    from sectoken.dev.demo import run_demo

    run_demo(project, accounts.test_accounts, chain, out_dir=out_dir, console=console)
