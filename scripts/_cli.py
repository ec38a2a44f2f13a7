"""Shared pieces of the `ape run` commands (not a command itself: the name starts with _)."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from ape.cli import account_option
from ape.cli.options import NetworkOption
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
        envvar="SECTOKEN_DEPLOYMENTS",
        show_default=True,
        help="Folder holding <network>.json deployment files (env SECTOKEN_DEPLOYMENTS).",
    )(f)


# The persistent local node (`make node`, ape-config.yaml's ethereum:devnode) is the commands'
# default network; SECTOKEN_NODE_URL moves it to another URL (same network, same defaults).
DEVNODE_NETWORK = "ethereum:devnode"
NODE_URL_ENV = "SECTOKEN_NODE_URL"
DEFAULT_NODE_URL = "http://127.0.0.1:8545"
# Networks whose funded development accounts are the default --account.
DEV_NETWORKS = ("local", "devnode")


def default_network() -> str:
    """``ethereum:devnode``, or ``ethereum:devnode:<SECTOKEN_NODE_URL>`` when that is set."""
    url = os.environ.get(NODE_URL_ENV, "").strip()
    return f"{DEVNODE_NETWORK}:{url}" if url else DEVNODE_NETWORK


def _node_must_answer(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    """On the persistent node, a stopped node is one line with the fix, not a traceback."""
    if isinstance(ctx.obj, dict) and "provider" in ctx.obj:
        return value  # in-process tests hand over their connected provider
    network = getattr(value, "network", None)
    if getattr(network, "name", None) != "devnode":
        return value
    from sectoken.devnode import NodeNotRunning, rpc_call

    url = str(getattr(value, "http_uri", None) or DEFAULT_NODE_URL)
    try:
        rpc_call(url, "eth_chainId", timeout=5)
    except NodeNotRunning as exc:
        console.print(f"[red]error:[/red] {escape(exc.message)}: start it with `make node`")
        raise click.exceptions.Exit(2) from None
    return value


def network_option(f: F) -> F:
    """Ape's --network, defaulting to the persistent local node instead of a throw-away one."""
    option = NetworkOption(
        default=default_network,
        callback=_node_must_answer,
        help="Network (see `ape networks list`). Default: the persistent local node "
        "(`make node`; ethereum:devnode, URL from SECTOKEN_NODE_URL or http://127.0.0.1:8545).",
    )
    f.__click_params__ = [*getattr(f, "__click_params__", []), option]  # type: ignore[attr-defined]
    return f


def sender_option(f: F) -> F:
    """--network and Ape's --account; on a development node the first funded account is the
    default (see ``resolve_account``)."""
    decorated: F = network_option(account_option(prompt=False)(f))
    return decorated


def reader_option(f: F) -> F:
    """--network, and --account accepted (and ignored) by commands that only read the chain, so
    every command takes the same options."""

    @functools.wraps(f)
    def wrapper(*args: Any, account: Any = None, **kwargs: Any) -> Any:
        return f(*args, **kwargs)

    option = click.option(
        "--account",
        "account",
        default=None,
        metavar="ALIAS",
        help="Accepted for uniformity and ignored: this command only reads the chain.",
    )
    decorated: F = network_option(option(wrapper))  # type: ignore[arg-type]
    return decorated


def resolve_account(account: Any) -> Any:
    """The account named with --account; without one, the first funded account of a development
    node (the persistent `make node` or Ape's throw-away local one); anywhere else an error."""
    from ape import accounts

    from sectoken.devchain import DEV_CHAIN_IDS
    from sectoken.suite import network_name, provider_web3

    if account is not None:
        return account
    network = network_name()
    # the name alone is not enough: SECTOKEN_NODE_URL could point "devnode" at any node
    if network in DEV_NETWORKS and int(provider_web3().eth.chain_id) in DEV_CHAIN_IDS:
        chosen = accounts.test_accounts[0]
        console.print(
            f"[dim]no --account given: using development account {chosen.address} "
            f"(on {network} only)[/dim]"
        )
        return chosen
    raise SectokenError(
        f"no --account given for a transaction on {network}: on a network other than the "
        "local development nodes the sending account must be named",
        hint="pass --account ALIAS; to create one: `ape accounts import ALIAS` (paste a private "
        "key or a mnemonic) or `ape accounts generate ALIAS`",
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
