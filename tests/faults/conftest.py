"""Fixtures of the fault tests: an Anvil of their own, the example suite on it, a fault proxy.

The commands run as real subprocesses (``ape run ...``) against ``--network http://127.0.0.1:P``:
a network other than Ape's default local one (Ape calls it ``custom``), where Ape estimates gas
instead of sending with the block's gas limit. The test reads and prepares the chain with plain
web3 (Anvil's development accounts are unlocked).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sectoken.dev.devnode import running_node

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from fault_support import Node  # noqa: E402
from proxy import FaultProxy  # noqa: E402


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory, project: Any) -> Iterator[Node]:
    """A fresh Anvil (127.0.0.1, free port; ``sectoken.dev.devnode``, the node `make node` runs)
    with the example suite and investors on it, stopped at the end."""
    if shutil.which("anvil") is None:
        pytest.skip("anvil is not on PATH (make install links it into .venv/bin)")
    with running_node(tmp_path_factory.mktemp("node")) as dev:
        here = Node(dev.url, tmp_path_factory.mktemp("deployments"), project)
        deployed = here.run(["deploy", str(ROOT / "examples" / "spec.yaml")])
        assert deployed.code == 0, deployed.output
        here.load_suite()
        imported = here.run(["investors", "import", str(ROOT / "examples" / "investors.csv")])
        assert imported.code == 0, imported.output
        yield here


@pytest.fixture
def proxy(node: Node) -> Iterator[FaultProxy]:
    running = FaultProxy(node.url).start()
    try:
        yield running
    finally:
        running.stop()
