"""What the money-flow commands (offering, trade, buyback) share: the option naming their
contract, and opening the suite with that contract."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sectoken.cli.common import ADDRESS, open_suite_here

__all__ = ["market_contract_option", "open_market"]


def market_contract_option(key: str, contract: str) -> Callable[[Any], Any]:
    """``--<key> ADDRESS`` (its value reaches the command as ``<key>_address``): the ``contract``
    to use, else ``$SECTOKEN_<KEY>``, else the deployment file's ``<key>``."""
    env = f"SECTOKEN_{key.upper()}"
    return click.option(
        f"--{key}",
        f"{key}_address",
        type=ADDRESS,
        default=lambda: os.environ.get(env),
        required=False,
        help=f"The {contract} contract (or ${env}; default: the deployment file's {key}).",
    )


def open_market(
    deployments_dir: Path,
    address: str | None,
    key: str,
    contract_at: Callable[[Any, str], Any],
) -> tuple[Any, Any]:
    """The suite of ``deployments_dir`` and its money-flow contract ``key`` (at ``address`` when
    given), by ``contract_at(suite, address)``."""
    suite = open_suite_here(deployments_dir)
    return suite, contract_at(suite, address or suite.deployment.address(key))
