"""`ape sectoken <command>`: the commands as an Ape plugin (entry point group
``ape_cli_subcommands`` in pyproject.toml), the same click commands `ape run <command>` runs from
a checkout's scripts/.

The group loads a command's module only when that command is asked for (``--help`` loads them
all, for their one-line descriptions), so ``ape --help`` stays as fast as without the plugin.
The demo is development tooling and stays out of the plugin (`make demo` in a checkout).
"""

from __future__ import annotations

import importlib

import click

from sectoken.errors import SectokenError

__all__ = ["COMMANDS", "cli"]

#: Command name -> the module of ``sectoken.cli`` whose ``cli`` it is.
COMMANDS = {
    "captable": "captable",
    "chain": "chain",
    "console": "console",
    "deploy": "deploy",
    "dividends": "dividends",
    "index": "index",
    "investors": "investors",
    "token": "token",
    "vote": "vote",
}


class SectokenGroup(click.Group):
    """A click group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"sectoken.cli.{module_name}")
        command = module.cli
        if not isinstance(command, click.Command):  # pragma: no cover - a packaging mistake
            raise SectokenError(f"sectoken.cli.{module_name}.cli is not a click command")
        return command


@click.group(cls=SectokenGroup, name="sectoken")
@click.version_option(package_name="sectoken", message="sectoken %(version)s")
def cli() -> None:
    """Security tokens: deploy a suite, keep the investor registry, issue and transfer, cap
    table, dividends and ballots (each command also runs as `ape run <command>` in a checkout)."""
