"""``deployments/<network>.json``: where a token suite lives on one network.

The file is written step by step while a deployment runs (after every contract that lands), so a
deployment that stops half way resumes from it. It records, per contract, the address, the block
(number and hash) and the transaction; and for the suite, the chain id, the deploying account and
the spec (canonical form and hash) last applied.

The file's shape is a pydantic model (``DeploymentFile``): reading checks it, and a damaged file
is refused with every problem named by its key path (``contracts.token.block: ...``) instead of a
bare ``KeyError``. Writing dumps the same model, so the format is stated once.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_utils.address import is_hex_address
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError
from web3 import Web3

from sectoken.errors import SectokenError
from sectoken.model.spec import key_path

__all__ = [
    "SUITE_CONTRACTS",
    "ContractRecord",
    "Deployment",
    "DeploymentFile",
    "StaleDeployment",
    "deployment_path",
    "load_deployment",
]

SUITE_CONTRACTS = ("registry", "token", "dividends", "voting")
FORMAT_VERSION = 1


@dataclass(slots=True)
class ContractRecord:
    address: str
    block: int
    block_hash: str
    tx_hash: str | None = None
    reused: bool = False


_HASH32 = re.compile(r"0x[0-9a-fA-F]{64}")


def _address(value: str) -> str:
    if not is_hex_address(value) or not value.startswith("0x"):
        raise PydanticCustomError("address", f"{value!r} is not an address")
    return value


class _ContractEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str
    block: int = Field(ge=0)
    block_hash: str
    tx_hash: str | None = None
    reused: bool = False

    _check_address = field_validator("address")(_address)

    @field_validator("block_hash")
    @classmethod
    def _block_hash(cls, value: str) -> str:
        if not _HASH32.fullmatch(value):
            raise PydanticCustomError("hash", "must be 0x followed by 64 hex digits")
        return value


class DeploymentFile(BaseModel):
    """What ``deployments/<network>.json`` holds (keys in the order they are written)."""

    model_config = ConfigDict(extra="ignore")

    format: int = FORMAT_VERSION
    network: str
    chain_id: int = Field(ge=1)
    deployer: str
    spec_hash: str | None = None
    configured: bool = False
    updated_at: str = ""
    contracts: dict[str, _ContractEntry] = {}
    pending: dict[str, dict[str, Any]] | None = {}
    spec: dict[str, Any] | None = None

    _check_deployer = field_validator("deployer")(_address)

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: int) -> int:
        if not 1 <= value <= FORMAT_VERSION:
            raise PydanticCustomError(
                "format",
                f"format {value} is not one this sectoken reads (1..{FORMAT_VERSION}): "
                "a newer sectoken wrote it",
            )
        return value


def _problems(error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_url=False):
        path = key_path(item["loc"]) or "the file"
        lines.append(f"{path}: {item['msg']}")
    return "; ".join(lines)


@dataclass(slots=True)
class Deployment:
    """The content of a deployment file; ``save()`` writes it atomically."""

    path: Path
    network: str
    chain_id: int
    deployer: str
    contracts: dict[str, ContractRecord] = field(default_factory=dict)
    spec_hash: str | None = None
    spec: dict[str, Any] | None = None
    configured: bool = False
    updated_at: str = ""
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)

    def address(self, name: str) -> str:
        record = self.contracts.get(name)
        if record is None:
            raise SectokenError(
                f"{self.path.name} has no {name} contract",
                hint=f"enable it in the spec and run `ape run deploy SPEC` on {self.network}",
            )
        return record.address

    def suite_addresses(self) -> dict[str, str]:
        """Address (lowercase) to label, for refusing our own contracts as investors."""
        return {r.address.lower(): f"the {name} contract" for name, r in self.contracts.items()}

    def first_block(self) -> int:
        return min((r.block for r in self.contracts.values()), default=0)

    def save(self) -> None:
        self.updated_at = datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        data = DeploymentFile(
            network=self.network,
            chain_id=self.chain_id,
            deployer=self.deployer,
            spec_hash=self.spec_hash,
            configured=self.configured,
            updated_at=self.updated_at,
            contracts={k: _ContractEntry(**asdict(v)) for k, v in self.contracts.items()},
            pending=self.pending,
            spec=self.spec,
        ).model_dump(mode="json")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".deploy-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=2)
                out.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def check_chain(self, w3: Web3) -> None:
        """Refuse a file written for another chain, or for a chain that no longer holds it."""
        chain_id = int(w3.eth.chain_id)
        if chain_id != self.chain_id:
            raise SectokenError(
                f"{self.path} was written for chain {self.chain_id}, "
                f"but the connected node is chain {chain_id}",
                hint="pass the --network the suite was deployed on",
            )
        for name, record in self.contracts.items():
            try:
                block = w3.eth.get_block(record.block)
                block_hash = "0x" + bytes(block["hash"]).hex()
            except Exception:
                block_hash = ""
            code = w3.eth.get_code(Web3.to_checksum_address(record.address))
            if block_hash != record.block_hash or not code:
                raise StaleDeployment(self, name)


class StaleDeployment(SectokenError):
    """The deployment file describes contracts the connected chain does not have."""

    def __init__(self, deployment: Deployment, name: str) -> None:
        self.deployment = deployment
        hint = (
            "deploy again with --fresh (the old file is kept aside), or connect to the node it "
            "was deployed on"
        )
        if deployment.network == "local":
            hint = (
                "Ape's local network is a new chain on every command: for work that spans "
                "commands use the persistent node (`make node`; the commands' default network)"
            )
        super().__init__(
            f"{deployment.path} describes a {name} contract that this chain does not hold "
            "(a restarted local node, or another chain with the same id)",
            hint=hint,
        )


def deployment_path(directory: str | Path, network: str) -> Path:
    """``<directory>/<network>.json``; ``network`` like ``local`` or ``sepolia-fork``."""
    safe = network.replace(":", "-").replace("/", "-")
    return Path(directory) / f"{safe}.json"


def load_deployment(path: str | Path, *, network: str | None = None) -> Deployment:
    """Read a deployment file; a missing file is an error that says how to create it."""
    file = Path(path)
    if not file.is_file():
        net = network or file.stem
        raise SectokenError(
            f"no deployment file {file}",
            hint=f"deploy first: `ape run deploy SPEC.yaml --network <ecosystem>:{net}`, "
            "or pass --deployments DIR where the file is",
        )
    try:
        data = DeploymentFile.model_validate_json(file.read_bytes())
    except ValidationError as exc:
        raise SectokenError(
            f"{file} is not a sectoken deployment file ({_problems(exc)})",
            hint="restore it from version control, or deploy again with --fresh",
        ) from None
    return Deployment(
        path=file,
        network=data.network,
        chain_id=data.chain_id,
        deployer=data.deployer,
        contracts={
            name: ContractRecord(**entry.model_dump()) for name, entry in data.contracts.items()
        },
        spec_hash=data.spec_hash,
        spec=data.spec,
        configured=data.configured,
        updated_at=data.updated_at,
        pending=dict(data.pending or {}),
    )
