"""Fixtures for the end-to-end tests of the `ape run` commands and the sectoken package.

The commands run in-process with click's CliRunner on the chain Ape started for the test session
(the connected provider is handed to Ape's ConnectedProviderCommand through ``obj``), so they see
exactly the state the test builds, and Ape's per-test chain isolation undoes what they send.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from sectoken.chain.suite import Suite, open_suite
from sectoken.jobs.deploy import apply_deploy, plan_deploy
from sectoken.model.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# The test modules here import their helpers from e2e_support (pytest runs in importlib mode).
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is end to end (Anvil started by Ape)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))


@pytest.fixture
def deployments(tmp_path: Path) -> Path:
    return tmp_path / "deployments"


@pytest.fixture
def run(chain: Any) -> Callable[..., Result]:
    """``run("investors", "import", path, expect=0)``: invoke a script's click command."""

    def invoke(script: str, *args: Any, expect: int = 0) -> Result:
        module = importlib.import_module(f"scripts.{script}")
        result = CliRunner().invoke(
            module.cli,
            [str(a) for a in args],
            obj={"provider": chain.provider},
            catch_exceptions=False,
        )
        assert result.exit_code == expect, result.output
        return result

    return invoke


@pytest.fixture
def suite(project: Any, deployer: Any, deployments: Path) -> Suite:
    """The example suite deployed by ``deployer`` (every role held by the deployer)."""
    from ape import networks

    w3 = networks.provider.web3
    spec = load_spec(EXAMPLES / "spec.yaml")
    plan = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=deployments)
    apply_deploy(project, plan, deployer, w3=w3)
    return open_suite(project, deployments, network="local")
