"""`ape sectoken <command>`: the plugin's entry point, its command list, and its behaviour in a
folder that is not a sectoken checkout (no ethereum:devnode network there)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from click.testing import CliRunner

from sectoken.cli.plugin import COMMANDS, cli

ROOT = Path(__file__).resolve().parents[2]
GROUP = "ape_cli_subcommands"  # what ape/_cli.py (ApeCLI._CLI_GROUP_NAME) reads
EXPECTED = [
    "captable",
    "chain",
    "console",
    "deploy",
    "dividends",
    "index",
    "investors",
    "token",
    "vote",
]


def _declared() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared: dict[str, str] = data["project"]["entry-points"][GROUP]
    return declared


def test_pyproject_declares_the_plugin_command() -> None:
    declared = _declared()
    assert list(declared.values()) == ["sectoken.cli.plugin:cli"]
    # Ape names a plugin command after the entry point: "ape_sectoken" -> "sectoken"
    (name,) = declared
    assert name.replace("_", "-").replace("ape-", "") == "sectoken"


def test_help_lists_every_command_but_the_demo() -> None:
    result = CliRunner().invoke(cli, ["--help"], prog_name="ape sectoken")
    assert result.exit_code == 0, result.output
    listed = [
        line.split()[0]
        for line in result.output.split("Commands:")[1].splitlines()
        if line.startswith("  ")
    ]
    assert listed == EXPECTED
    assert sorted(COMMANDS) == EXPECTED
    assert "demo" not in result.output


@pytest.mark.parametrize("name", EXPECTED)
def test_ape_run_scripts_and_the_plugin_run_the_same_command(name: str) -> None:
    spec = importlib.util.spec_from_file_location(
        f"_script_{name}", ROOT / "scripts" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert cli.get_command(None, name) is script.cli  # type: ignore[arg-type]


def test_ape_sectoken_help_through_ape() -> None:
    """The real `ape sectoken --help`, once the installed metadata carries the entry point
    (the wheel test checks the same in clean environments)."""
    if not any(ep.value == "sectoken.cli.plugin:cli" for ep in entry_points(group=GROUP)):
        pytest.skip(
            "the installed sectoken metadata predates the ape_cli_subcommands entry point: "
            "reinstall the package (make install) to register `ape sectoken`"
        )
    ape = shutil.which("ape") or str(Path(sys.executable).with_name("ape"))
    proc = subprocess.run([ape, "sectoken", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    for name in EXPECTED:
        assert f"  {name} " in proc.stdout


@pytest.mark.e2e
def test_outside_a_checkout_the_commands_use_apes_default_network(tmp_path: Path) -> None:
    """No ethereum:devnode outside a checkout: a note and Ape's default network, no traceback."""
    code = (
        "from sectoken.cli.plugin import cli\ncli(['chain', 'status'], prog_name='ape sectoken')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "SECTOKEN_NODE_URL"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no ethereum:devnode network is configured here" in proc.stderr
    assert "using Ape's default network ethereum:local" in proc.stderr
    assert proc.stdout.startswith("network local (chain ")
    assert "Traceback" not in proc.stderr
