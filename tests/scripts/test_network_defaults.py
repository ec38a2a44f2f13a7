"""Which network and account a command uses when none is named, and the `chain` command."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sectoken.chain.suite import Suite
from sectoken.dev.devnode import free_port
from sectoken.errors import SectokenError

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_network_is_the_persistent_node(monkeypatch: pytest.MonkeyPatch) -> None:
    from sectoken.cli.common import default_network

    monkeypatch.delenv("SECTOKEN_NODE_URL", raising=False)
    assert default_network() == "ethereum:devnode"
    monkeypatch.setenv("SECTOKEN_NODE_URL", "http://127.0.0.1:9")
    assert default_network() == "ethereum:devnode:http://127.0.0.1:9"


@pytest.mark.parametrize("network", ["local", "devnode"])
def test_development_networks_default_to_the_first_funded_account(
    monkeypatch: pytest.MonkeyPatch, accounts: Any, network: str
) -> None:
    from sectoken.cli import common as _cli

    monkeypatch.setattr("sectoken.chain.suite.network_name", lambda: network)
    assert _cli.resolve_account(None).address == accounts[0].address
    assert _cli.resolve_account(accounts[3]) is accounts[3]


@pytest.mark.parametrize("network", ["sepolia", "mainnet", "custom", "mainnet-fork"])
def test_other_networks_need_a_named_account(monkeypatch: pytest.MonkeyPatch, network: str) -> None:
    from sectoken.cli import common as _cli

    monkeypatch.setattr("sectoken.chain.suite.network_name", lambda: network)
    with pytest.raises(SectokenError) as info:
        _cli.resolve_account(None)
    assert network in info.value.message
    hint = info.value.hint or ""
    assert "ape accounts import" in hint and "ape accounts generate" in hint
    assert "ape accounts list" not in hint


def test_no_node_running_is_one_line_and_exit_2() -> None:
    """A real `ape run` with the persistent node stopped (nothing on the port)."""
    url = f"http://127.0.0.1:{free_port()}"
    proc = subprocess.run(
        ["ape", "run", "chain", "status"],
        cwd=ROOT,
        env={**os.environ, "SECTOKEN_NODE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert f"error: no node at {url}: start it with `make node`" in output
    assert "Traceback" not in output


def test_read_only_commands_accept_account(run: Any, suite: Suite, deployments: Path) -> None:
    shown = run("token", "documents", "--deployments", deployments, "--account", "TEST::1")
    assert "prospectus" in shown.output
    run("captable", "--deployments", deployments, "--account", "TEST::2")
    run("investors", "export", "--deployments", deployments, "--account", "TEST::3")


def test_chain_status_and_advance(run: Any, chain: Any) -> None:
    from sectoken.model.dates import format_timestamp

    before = chain.pending_timestamp
    status = run("chain", "status").output
    assert "network local (chain 31337" in status and "chain time" in status
    moved = run("chain", "advance", "30d").output
    assert f"→ {format_timestamp(chain.blocks.head.timestamp)}" in moved
    assert chain.blocks.head.timestamp >= before + 30 * 86_400
    from click.testing import CliRunner

    from sectoken.cli.chain import cli

    refused = CliRunner().invoke(
        cli, ["time-travel", "2001-01-01"], obj={"provider": chain.provider}
    )
    assert refused.exit_code != 0 and "only moves forward" in refused.output
    assert "Traceback" not in refused.output


def test_a_devnode_url_on_another_chain_gets_no_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """SECTOKEN_NODE_URL pointed at a node of another chain: nothing is defaulted there."""
    from types import SimpleNamespace

    from sectoken.cli import common as _cli

    monkeypatch.setattr("sectoken.chain.suite.network_name", lambda: "devnode")
    fake = SimpleNamespace(eth=SimpleNamespace(chain_id=1))
    monkeypatch.setattr("sectoken.chain.suite.provider_web3", lambda: fake)
    with pytest.raises(SectokenError, match="no --account given for a transaction on devnode"):
        _cli.resolve_account(None)
