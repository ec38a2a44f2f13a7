"""Shared pieces of the `ape run` commands (not a command itself: the name starts with _)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from ape.cli import account_option
from rich.console import Console
from rich.markup import escape

from sectoken.csv_investors import InvestorCsvError
from sectoken.errors import SectokenError
from sectoken.spec import SpecError

# Piped output (CI logs, files) gets 120 columns so full addresses fit in tables.
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
F = TypeVar("F", bound=Callable[..., Any])


def deployments_option(f: F) -> F:
    return click.option(
        "--deployments",
        "deployments_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("deployments"),
        show_default=True,
        help="Folder holding <network>.json deployment files.",
    )(f)


def sender_option(f: F) -> F:
    """Ape's --account option; on the local network the first test account is the default."""
    decorated: F = account_option(prompt=False)(f)
    return decorated


def resolve_account(account: Any) -> Any:
    from ape import accounts

    from sectoken.suite import network_name

    if account is not None:
        return account
    if network_name() == "local":
        chosen = accounts.test_accounts[0]
        console.print(f"[dim]no --account given: using test account {chosen.address}[/dim]")
        return chosen
    raise SectokenError(
        "no account given for a transaction on a public network",
        hint="pass --account ALIAS (see `ape accounts list`)",
    )


def open_suite_here(deployments_dir: Path) -> Any:
    from ape import project

    from sectoken.suite import open_suite

    return open_suite(project, deployments_dir)


def friendly(fn: F) -> F:
    """Print sectoken's errors as one or two plain lines and exit 1 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InvestorCsvError as exc:
            for issue in exc.issues:
                console.print(f"[red]error[/red] {escape(str(issue))}")
            console.print(
                f"[bold red]{exc.source}: {len(exc.issues)} error(s); nothing was sent.[/bold red]"
                " Fix the rows above and run the command again."
            )
            raise click.exceptions.Exit(1) from None
        except SpecError as exc:
            console.print(f"[red]error[/red] {escape(str(exc))}")
            raise click.exceptions.Exit(1) from None
        except SectokenError as exc:
            console.print(f"[red]error:[/red] {escape(exc.message)}")
            if exc.hint:
                console.print(f"[yellow]what to do:[/yellow] {escape(exc.hint)}")
            raise click.exceptions.Exit(1) from None
        except Exception as exc:
            decoded = _decode(exc)
            if decoded is None:
                raise
            console.print(f"[red]error:[/red] the transaction reverted: {escape(str(decoded))}")
            raise click.exceptions.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _decode(exc: BaseException) -> Any:
    try:
        from ape import project

        from sectoken.suite import error_decoder

        return error_decoder(project).decode_exception(exc)
    except Exception:
        return None
