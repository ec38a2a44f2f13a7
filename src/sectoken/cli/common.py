"""Shared pieces of the `ape run` commands (not a command itself: the name starts with _)."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

import click
from ape.cli import ConnectedProviderCommand, account_option
from ape.cli.options import NetworkOption
from rich.console import Console
from rich.markup import escape

from sectoken.errors import SectokenError
from sectoken.model.csv_investors import InvestorCsvError
from sectoken.model.spec import SpecError

# Piped output (CI logs, files) gets 120 columns so full addresses fit in tables.
console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 120)
# Notes that must not mix with a command's output (e.g. `investors export` to stdout).
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])
# Exit statuses: 2 for anything the user can fix (click's usage errors use 2 as well).
USER_ERROR = 2
INTERNAL_ERROR = 1
# A file full of garbage must not print one line per bad row.
MAX_SHOWN_ERRORS = 50


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
    """``ethereum:devnode``, or ``ethereum:devnode:<SECTOKEN_NODE_URL>`` when that is set.

    The devnode network is declared in a checkout's ape-config.yaml. Elsewhere (the installed
    plugin, `ape sectoken ...` in another project) it does not exist: then the node URL itself
    when SECTOKEN_NODE_URL is set, otherwise Ape's own default network, said in a note.
    """
    url = os.environ.get(NODE_URL_ENV, "").strip()
    if devnode_configured():
        return f"{DEVNODE_NETWORK}:{url}" if url else DEVNODE_NETWORK
    if url:
        return url
    from ape.utils.basemodel import ManagerAccessMixin

    ecosystem = ManagerAccessMixin.network_manager.default_ecosystem
    fallback = f"{ecosystem.name}:{ecosystem.default_network_name}"
    err_console.print(
        f"[dim]note: no {DEVNODE_NETWORK} network is configured here (it comes with a sectoken "
        f"checkout's ape-config.yaml); using Ape's default network {fallback} (--network to "
        "choose)[/dim]"
    )
    return fallback


def devnode_configured() -> bool:
    """Whether the current Ape configuration declares the ``ethereum:devnode`` network."""
    from ape.utils.basemodel import ManagerAccessMixin

    try:
        return DEVNODE_NETWORK.split(":")[1] in ManagerAccessMixin.network_manager.ethereum.networks
    except Exception:  # an Ape without the Ethereum ecosystem: nothing is configured either
        return False


def _node_must_answer(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
    """On the persistent node, a stopped node is one line with the fix, not a traceback."""
    if isinstance(ctx.obj, dict) and "provider" in ctx.obj:
        return value  # in-process tests hand over their connected provider
    network = getattr(value, "network", None)
    if getattr(network, "name", None) != "devnode":
        return value
    from sectoken.chain.rpc import NodeNotRunning, rpc_call

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
    default (see ``resolve_account``). --again: send even when the operation is exactly the
    account's last one (otherwise taken as a retry, see ``sectoken.chain.sending``)."""

    @functools.wraps(f)
    def wrapper(*args: Any, again: bool = False, **kwargs: Any) -> Any:
        if not again:
            return f(*args, **kwargs)
        from sectoken.chain.sending import repeat_allowed

        with repeat_allowed():
            return f(*args, **kwargs)

    option = click.option(
        "--again",
        is_flag=True,
        help="Repeat on purpose: without it, a command identical to the last one this account "
        "sent on this network is taken as a retry after a lost reply and sends nothing.",
    )
    decorated = network_option(account_option(prompt=False)(option(wrapper)))
    return cast(F, decorated)


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
    decorated = network_option(option(wrapper))
    return cast(F, decorated)


def resolve_account(account: Any) -> Any:
    """The account named with --account; without one, the first funded account of a development
    node (the persistent `make node` or Ape's throw-away local one); anywhere else an error."""
    from ape import accounts

    from sectoken.chain.suite import network_name, provider_web3
    from sectoken.jobs.devchain import DEV_CHAIN_IDS

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


def contracts_here() -> Any:
    """The current Ape project. Each suite contract is taken from it when it compiles that
    contract (a checkout), otherwise from the ABI shipped in the package (``ape sectoken`` in
    any other folder): ``sectoken.chain.contracts.container`` decides, per contract."""
    from ape import project

    return project


def open_suite_here(deployments_dir: Path) -> Any:
    from sectoken.chain.suite import open_suite

    return open_suite(contracts_here(), deployments_dir)


def friendly(fn: F) -> F:
    """Print a user error as one message (problem, then what to do) and exit 2, no traceback.

    What counts as a user error is decided by ``sectoken.chain.explain.explain``; anything else is a
    bug: its traceback is shown with a line saying so (exit 1).
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            fail(exc)

    return wrapper  # type: ignore[return-value]


def fail(exc: BaseException) -> NoReturn:
    """Report ``exc`` and leave: exit 2 for a user error, 1 (with traceback) for a bug."""
    if isinstance(exc, InvestorCsvError):
        _print_csv_errors(exc)
        raise click.exceptions.Exit(USER_ERROR) from None
    if isinstance(exc, SpecError):
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        raise click.exceptions.Exit(USER_ERROR) from None
    from sectoken.chain.explain import explain

    error = explain(exc, decoder=_decoder())
    if error is None:
        traceback.print_exception(exc)
        console.print(
            f"[bold red]internal error ({type(exc).__name__}):[/bold red] this is a bug in "
            "sectoken, not something you did. Please report it with the traceback above."
        )
        raise click.exceptions.Exit(INTERNAL_ERROR) from None
    console.print(f"[red]error:[/red] {escape(error.message)}")
    if error.hint:
        console.print(f"[yellow]what to do:[/yellow] {escape(error.hint)}")
    if verbose():
        for text in _TRACES:
            console.print("[dim]Ape's call trace:[/dim]")
            console.print(escape(text), highlight=False)
        underlying = exc if error is not exc else exc.__cause__
        if underlying is not None:
            console.print("[dim]underlying error:[/dim]")
            console.print(
                escape("".join(traceback.format_exception_only(underlying))), highlight=False
            )
    raise click.exceptions.Exit(USER_ERROR) from None


def _print_csv_errors(exc: InvestorCsvError) -> None:
    shown = exc.issues[:MAX_SHOWN_ERRORS]
    for issue in shown:
        console.print(f"[red]error[/red] {escape(str(issue))}")
    hidden = len(exc.issues) - len(shown)
    if hidden:
        console.print(f"[red]… and {hidden:,} more errors[/red]")
    console.print(
        f"[bold red]{exc.source}: {len(exc.issues):,} error(s); nothing was sent.[/bold red]"
        " Fix the rows above and run the command again."
    )


def _decoder() -> Any:
    try:
        from sectoken.chain.suite import error_decoder

        return error_decoder()
    except Exception:
        return None


# ---------------------------------------------------------------------------------------------
# Verbosity: Ape's call traces only with -v/--verbose or SECTOKEN_DEBUG=1
# ---------------------------------------------------------------------------------------------

_VERBOSE = [False]
_TRACES: list[str] = []


def verbose() -> bool:
    return _VERBOSE[0] or os.environ.get("SECTOKEN_DEBUG", "") not in ("", "0")


def _set_verbose(_ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    _VERBOSE[0] = bool(value)
    return value


@contextlib.contextmanager
def _held_traces() -> Iterator[None]:
    """Ape prints a call trace when a transaction reverts; hold it back (kept for -v).

    Without -v the trace is not rendered at all: Ape fetches and decodes the whole call tree to
    print it (about a second per revert on a token with its modules), which nobody would read.
    """
    try:
        from ape_ethereum.trace import Trace
    except ImportError:  # pragma: no cover - Ape always ships ape_ethereum
        yield
        return
    original = Trace.show
    _TRACES.clear()
    keep = verbose()

    def hold(self: Any, verbose: bool = False, file: Any = None) -> None:
        if not keep:
            return
        buffer = io.StringIO()
        try:
            original(self, verbose=verbose, file=buffer)
        except Exception:  # a trace that cannot be rendered is not worth a failure
            return
        _TRACES.append(buffer.getvalue())

    Trace.show = hold  # type: ignore[method-assign]
    try:
        yield
    finally:
        Trace.show = original  # type: ignore[method-assign]


class SectokenCommand(ConnectedProviderCommand):
    """Ape's connected command, with sectoken's error handling around the connection too.

    The connection to the network is made before the command's body runs (no node, no RPC URL);
    errors there, and in the body, end in one message and exit 2 (see ``fail``). Adds
    ``-v/--verbose`` (Ape's call trace on a revert, the underlying error) and shortens Ape's
    answer to an unknown network name.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.params.append(
            click.Option(
                ["-v", "--verbose"],
                is_flag=True,
                expose_value=False,
                is_eager=True,
                callback=_set_verbose,
                help="On errors, also show Ape's call trace and the underlying error "
                "(or set SECTOKEN_DEBUG=1).",
            )
        )

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.BadParameter as exc:
            if exc.param is None or exc.param.name != "network":
                raise
            first = exc.message.split(" Options:")[0].splitlines()[0].rstrip(".")
            raise click.BadParameter(
                f"{first}. Use ecosystem:network[:provider] (e.g. ethereum:local:foundry) or a "
                "node URL (e.g. http://127.0.0.1:8545); `ape networks list` shows them.",
                ctx=ctx,
                param=exc.param,
            ) from None

    def invoke(self, ctx: click.Context) -> Any:
        with _held_traces():
            try:
                return super().invoke(ctx)
            except (click.exceptions.Exit, click.ClickException, click.Abort):
                raise
            except Exception as exc:
                fail(exc)


# ---------------------------------------------------------------------------------------------
# Argument types: bad addresses, amounts and dates are refused before connecting (exit 2)
# ---------------------------------------------------------------------------------------------


class AddressType(click.ParamType):
    """A wallet address (EIP-55 checked when mixed case; all-lower/upper case accepted)."""

    name = "ADDRESS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from sectoken.model.addresses import AddressError, checked_address

        try:
            return checked_address(str(value), allow_unchecksummed=True)
        except AddressError as exc:
            self.fail(str(exc), param, ctx)


class AmountType(click.ParamType):
    """A non-negative decimal number (the token's decimals are checked once connected)."""

    name = "AMOUNT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from sectoken.model.amounts import AmountError, to_units

        text = str(value).strip()
        try:
            to_units(text, 100)
        except AmountError as exc:
            self.fail(f"{exc}: write a plain number such as 1000 or 12.5", param, ctx)
        return text


class DateType(click.ParamType):
    """An ISO 8601 date or date-time (UTC), converted to unix seconds, or ``+DURATION`` (kept as
    text: it counts from the chain's time, which ``sectoken.jobs.devchain.chain_date`` reads once
    connected). Both are checked before connecting."""

    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> int | str:
        from sectoken.errors import SectokenError
        from sectoken.jobs.devchain import parse_duration
        from sectoken.model.dates import DateError, parse_timestamp

        if isinstance(value, int):
            return value
        text = str(value).strip()
        try:
            if text.startswith("+"):
                parse_duration(text[1:])
                return text
            return parse_timestamp(text)
        except (DateError, SectokenError) as exc:
            self.fail(str(exc), param, ctx)


ADDRESS = AddressType()
AMOUNT = AmountType()
DATE = DateType()
