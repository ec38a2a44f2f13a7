"""sectoken.dev.devnode: the persistent Anvil keeps its chain across a stop and a start."""

from __future__ import annotations

from pathlib import Path

import pytest

from sectoken.dev.devnode import DevNode, NodeNotRunning, free_port, main, rpc_call, running_node
from sectoken.errors import SectokenError


def test_state_survives_a_restart(tmp_path: Path) -> None:
    node = DevNode(state_dir=tmp_path / "node", port=free_port())
    status = node.start()
    try:
        assert status.running and status.chain_id == 31337 and status.pid is not None
        assert node.start().pid == status.pid  # starting again finds the running node
        for _ in range(3):
            rpc_call(node.url, "evm_mine")
        assert node.status().block == 3
    finally:
        assert node.stop()
    assert not node.status().running
    assert node.state_file.is_file() and not node.pid_file.exists()
    assert not node.stop()  # nothing left to stop

    again = node.start()
    try:
        assert again.block == 3  # the chain came back from state.json
    finally:
        node.stop()


def test_context_manager_uses_a_free_port_and_stops(tmp_path: Path) -> None:
    with running_node(tmp_path / "a") as node:
        url = node.url
        assert int(rpc_call(url, "eth_chainId"), 16) == 31337
        # a second node from another folder may not take the same port
        with pytest.raises(SectokenError, match="something else already answers"):
            DevNode(state_dir=tmp_path / "b", port=node.port).start()
    with pytest.raises(NodeNotRunning, match=r"no node at .*make node"):
        rpc_call(url, "eth_chainId", timeout=1)


def test_command_line_status_when_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    assert main(["status", "--port", str(port), "--dir", str(tmp_path)]) == 3
    assert f"no node at http://127.0.0.1:{port}" in capsys.readouterr().out
    assert main(["stop", "--port", str(port), "--dir", str(tmp_path)]) == 0


def test_a_clock_moved_forward_survives_a_restart(tmp_path: Path) -> None:
    """After a restart the next block is not stamped before the latest one (wall clock)."""
    node = DevNode(state_dir=tmp_path / "node", port=free_port())
    node.start()
    try:
        ahead = int(rpc_call(node.url, "eth_getBlockByNumber", ["latest", False])["timestamp"], 16)
        ahead += 400 * 86_400
        rpc_call(node.url, "evm_setNextBlockTimestamp", [ahead])
        rpc_call(node.url, "evm_mine")
    finally:
        node.stop()
    node.start()
    try:
        rpc_call(node.url, "evm_mine")
        block = rpc_call(node.url, "eth_getBlockByNumber", ["latest", False])
        assert int(block["number"], 16) == 2
        assert int(block["timestamp"], 16) > ahead
    finally:
        node.stop()
