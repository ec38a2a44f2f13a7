"""Real protocol contracts from their npm packages' build artifacts (no compiling foreign code).

The packages are dev dependencies in package.json (``npm ci`` installs them):
``@uniswap/v2-core`` and ``@uniswap/v2-periphery`` (Waffle artifacts: ``build/<Name>.json``) and
``@safe-global/safe-contracts`` (Hardhat: ``build/artifacts/contracts/**/<Name>.sol/<Name>.json``).
``container(package, name)`` gives an Ape ``ContractContainer`` ready to ``deploy``.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ape.contracts import ContractContainer
from ethpm_types import ContractType

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"

UNISWAP_CORE = "@uniswap/v2-core"
UNISWAP_PERIPHERY = "@uniswap/v2-periphery"
SAFE = "@safe-global/safe-contracts"


class MissingArtifact(FileNotFoundError):
    pass


def artifact_path(package: str, name: str) -> Path:
    root = NODE_MODULES / package
    if not root.is_dir():
        raise MissingArtifact(f"npm package {package} is not installed: run `npm ci`")
    flat = root / "build" / f"{name}.json"
    if flat.is_file():
        return flat
    found = sorted((root / "build" / "artifacts").glob(f"contracts/**/{name}.sol/{name}.json"))
    if not found:
        raise MissingArtifact(f"no build artifact {name} in the npm package {package}")
    return found[0]


@cache
def artifact(package: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(artifact_path(package, name).read_text(encoding="utf-8"))
    return data


def _hex(value: Any) -> str:
    text = value["object"] if isinstance(value, dict) else str(value)
    return text if text.startswith("0x") else "0x" + text


def contract_type(package: str, name: str) -> ContractType:
    data = artifact(package, name)
    bytecode = _hex(data["bytecode"])
    if len(bytecode) <= 2:
        raise MissingArtifact(f"{package} {name}: the artifact has no deployable bytecode")
    runtime = data.get("deployedBytecode") or data.get("evm", {}).get("deployedBytecode", "0x")
    return ContractType.model_validate(
        {
            "contractName": name,
            "abi": data["abi"],
            "deploymentBytecode": {"bytecode": bytecode},
            "runtimeBytecode": {"bytecode": _hex(runtime)},
        }
    )


def container(package: str, name: str) -> ContractContainer:
    return ContractContainer(contract_type(package, name))
