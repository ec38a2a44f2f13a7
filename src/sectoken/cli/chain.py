"""ape run chain status|advance|time-travel: the clock of a local development node."""

from __future__ import annotations

from typing import Any

import click

from sectoken.cli.common import SectokenCommand, console, friendly, reader_option


@click.group()
def cli() -> None:
    """Where the chain stands, and (local development nodes only) moving its clock forward."""


def _show(before: Any, after: Any | None = None) -> None:
    from sectoken.chain.suite import network_name

    if after is None:
        console.print(
            f"network {network_name()} (chain {before.chain_id}, {before.client}): "
            f"block {before.block}, chain time {before.date}"
        )
        return
    console.print(
        f"[green]chain time {before.date} → {after.date}[/green] "
        f"(block {after.block}, network {network_name()})"
    )


@cli.command(name="status", cls=SectokenCommand)
@reader_option
@friendly
def status_cmd() -> None:
    """Network, latest block and the chain's time (UTC)."""
    from sectoken.chain.suite import provider_web3
    from sectoken.jobs.devchain import clock

    _show(clock(provider_web3()))


@cli.command(name="advance", cls=SectokenCommand)
@click.argument("duration")
@reader_option
@friendly
def advance_cmd(duration: str) -> None:
    """Move a development node's clock forward by DURATION (30d, 1d12h, 90m, 2w, 45s)."""
    from sectoken.chain.suite import provider_web3
    from sectoken.jobs.devchain import advance, parse_duration, require_dev_node

    w3 = provider_web3()
    seconds = parse_duration(duration)
    before = require_dev_node(w3)
    _show(before, advance(w3, seconds))


@cli.command(name="time-travel", cls=SectokenCommand)
@click.argument("when")
@reader_option
@friendly
def time_travel_cmd(when: str) -> None:
    """Move a development node's clock forward to WHEN (YYYY-MM-DD, ISO 8601 UTC or +DURATION)."""
    from sectoken.chain.suite import provider_web3
    from sectoken.jobs.devchain import chain_date, require_dev_node, travel_to

    w3 = provider_web3()
    target = chain_date(when, w3)
    before = require_dev_node(w3)
    _show(before, travel_to(w3, target))
