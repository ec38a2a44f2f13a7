"""The package's layers import only downwards, and the runtime never imports the dev tooling.

Layers, bottom up: ``errors`` and ``abi`` (packaged contract facts) -> ``model`` (pure
validation, no chain access) -> ``chain`` (client, journal, suite) -> ``index`` (the event index
in SQL) -> ``jobs`` (what users do)
-> the public API (``sectoken/__init__.py``, ``api``) -> ``cli`` (the commands) and ``console``
(the web console; the only layer that imports the web libraries). ``dev`` (compiler
setup, Slither triage, the demo, the node process) may use anything; nothing imports it.
Imports inside functions count too: every import statement of every module is read.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sectoken

PACKAGE = Path(sectoken.__file__).resolve().parent
RANK = {
    "errors": 0,
    "abi": 0,
    "model": 1,
    "chain": 2,
    "index": 3,
    "jobs": 4,
    "api": 5,
    "": 5,
    "cli": 6,
    "console": 6,
}
CHAIN_LIBRARIES = ("ape", "web3", "ethpm_types", "ape_foundry", "ape_ethereum")
BUILD_LIBRARIES = ("solcx", "ape_solidity", "slither")
WEB_LIBRARIES = ("flask", "werkzeug", "jinja2", "markupsafe")


def _layer(module: str) -> str:
    """``sectoken.chain.rpc`` -> ``chain``; ``sectoken`` (the package itself) -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _module_name(path: Path, package: Path) -> str:
    rel = path.relative_to(package.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "sectoken":
                found += [(node.lineno, f"sectoken.{alias.name}") for alias in node.names]
    return found


def violations(package: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted(package.rglob("*.py")):
        module = _module_name(path, package)
        layer = _layer(module)
        if layer == "dev":
            continue
        for line, imported in _imports(path):
            where = f"{path.relative_to(package.parent)}:{line}"
            top = imported.split(".")[0]
            if top in BUILD_LIBRARIES:
                problems.append(f"{where}: the runtime imports build tooling {imported}")
            if layer in ("errors", "abi", "model") and top in CHAIN_LIBRARIES:
                problems.append(f"{where}: {module} (no chain access) imports {imported}")
            if layer != "console" and top in WEB_LIBRARIES:
                problems.append(f"{where}: {module} imports the web library {imported}")
            if top != "sectoken":
                continue
            target = _layer(imported)
            if target == "dev":
                problems.append(f"{where}: the runtime imports {imported}")
            elif target in RANK and layer in RANK and RANK[target] > RANK[layer]:
                problems.append(f"{where}: {module} ({layer or 'api'}) imports upwards {imported}")
    return problems


def test_layers_import_only_downwards() -> None:
    assert violations() == []


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    fake = tmp_path / "sectoken"
    (fake / "model").mkdir(parents=True)
    (fake / "model" / "spec.py").write_text(
        "from sectoken.jobs.deploy import x\nimport web3\n\n"
        "def f():\n    import sectoken.dev.demo\n    import flask\n"
    )
    found = violations(fake)
    assert any("imports upwards sectoken.jobs.deploy" in p for p in found), found
    assert any("(no chain access) imports web3" in p for p in found), found
    assert any("the runtime imports sectoken.dev.demo" in p for p in found), found
    assert any("imports the web library flask" in p for p in found), found


@pytest.mark.parametrize(
    "layer", ["model", "chain", "index", "jobs", "cli", "console", "dev", "abi"]
)
def test_every_layer_is_a_package(layer: str) -> None:
    assert (PACKAGE / layer / "__init__.py").is_file()
