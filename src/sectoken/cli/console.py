"""ape run console: the compliance console in the browser (dashboard, registry, import, transfer
check, cap table, dividends and ballots, audit trail)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import click
from ape.cli import account_option

from sectoken.cli.common import (
    SectokenCommand,
    console,
    deployments_option,
    friendly,
    network_option,
    open_suite_here,
)

TOKEN_ENV = "SECTOKEN_CONSOLE_TOKEN"


def read_token(token_file: Path | None) -> str | None:
    """The access token: from --token-file, else SECTOKEN_CONSOLE_TOKEN, else none."""
    from sectoken.errors import SectokenError

    if token_file is not None:
        try:
            text = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SectokenError(f"cannot read the token file {token_file}: {exc.strerror}") from exc
        if not text:
            raise SectokenError(f"the token file {token_file} is empty")
        return text
    value = os.environ.get(TOKEN_ENV, "").strip()
    return value or None


@click.command(cls=SectokenCommand)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8800, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--token-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"File holding the access token (or env {TOKEN_ENV}); required to listen on an "
    "address other than loopback, and then every request must carry it.",
)
@click.option(
    "--index",
    "use_index",
    is_flag=True,
    help="Read the cap table, registry and audit trail from the event index (SQLite next to "
    "the deployment file), synced to the chain's head before each page.",
)
@click.option(
    "--index-url",
    metavar="URL",
    help="The event index's database (sqlite:///FILE or postgresql+psycopg://...); implies "
    "--index.",
)
@deployments_option
@network_option
@account_option(prompt=False)
@friendly
def cli(
    host: str,
    port: int,
    token_file: Path | None,
    use_index: bool,
    index_url: str | None,
    deployments_dir: Path,
    account: Any,
) -> None:
    """Serve the console. Read-only unless --account names a signing account (then imports can
    be applied, each after its plan is shown and confirmed)."""
    from sectoken.console.app import ConsoleSettings, create_app
    from sectoken.console.imports import Importer
    from sectoken.console.security import check_listen_address
    from sectoken.console.server import ConsoleServer
    from sectoken.console.suite_data import SuiteData

    token = read_token(token_file)
    check_listen_address(host, token)  # before connecting anything
    suite = open_suite_here(deployments_dir)
    data: Any = SuiteData(suite)
    source = "read from the chain"
    if use_index or index_url:
        from sectoken.console.index_data import IndexedData
        from sectoken.index.sync import default_index_url, open_index

        index = open_index(index_url or default_index_url(suite.deployment.path))
        data = IndexedData(suite, index)
        report = data.refresh()
        source = f"event index {index.url}"
        console.print(f"index synced to block {report.end_block} ({report.events} new events)")
    with tempfile.TemporaryDirectory(prefix="sectoken-console-") as uploads:
        importer = Importer(suite, account, Path(uploads))
        settings = ConsoleSettings(
            access_token=token,
            importer=importer,
            account_label=getattr(account, "alias", None) or getattr(account, "address", None),
            source_label=source,
        )
        server = ConsoleServer(create_app(data, settings), host, port, access_token=token)
        mode = f"signing as {settings.account_label}" if account is not None else "read-only"
        guard = "access token required" if token else "this machine only"
        console.print(
            f"[green]sectoken console on {server.url}[/green] ({mode}; {guard}); Ctrl-C stops it"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            console.print("stopped")
        finally:
            importer.wait(60)
            server.stop()
