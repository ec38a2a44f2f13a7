"""A deployed token suite, opened from its deployment file on the connected network (Ape).

This is the one module that knows how the other modules meet Ape: contract instances come from
the project (``project.SecurityToken.at(address)``), raw reads go through the provider's web3.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak
from web3 import Web3

from sectoken.chain.deployments import Deployment, deployment_path, load_deployment
from sectoken.chain.registry import ApeRegistryWriter, RegistryReader
from sectoken.errors import SectokenError
from sectoken.model.restrictions import ErrorDecoder

__all__ = [
    "CONTRACT_TYPES",
    "DEFAULT_DEPLOYMENTS_DIR",
    "Suite",
    "error_decoder",
    "network_name",
    "open_suite",
    "provider_web3",
    "require_role",
]

DEFAULT_DEPLOYMENTS_DIR = Path("deployments")
CONTRACT_TYPES = {
    "registry": "InvestorRegistry",
    "token": "SecurityToken",
    "dividends": "DividendDistributor",
    "voting": "ShareholderVoting",
}


def provider_web3() -> Web3:
    """The web3 of Ape's connected provider."""
    from ape import networks

    w3: Web3 = networks.provider.web3
    return w3


def network_name() -> str:
    """``local``, ``sepolia``, ``mainnet-fork``; prefixed by the ecosystem unless Ethereum."""
    from ape import networks

    network = networks.provider.network
    ecosystem = network.ecosystem.name
    return network.name if ecosystem == "ethereum" else f"{ecosystem}-{network.name}"


def error_decoder(project: Any) -> ErrorDecoder:
    """Every custom error of the suite's contracts (and anything else the project compiled)."""
    types = []
    for name in CONTRACT_TYPES.values():
        try:
            types.append(getattr(project, name).contract_type)
        except Exception:  # a contract the project does not compile (yet)
            continue
    return ErrorDecoder.from_contract_types(types)


@dataclass(slots=True)
class Suite:
    """Contract instances of one deployment, with the helpers every command needs."""

    project: Any
    deployment: Deployment
    registry: Any
    token: Any | None
    dividends: Any | None
    voting: Any | None
    decoder: ErrorDecoder

    @property
    def w3(self) -> Web3:
        return provider_web3()

    def reader(self) -> RegistryReader:
        record = self.deployment.contracts["registry"]
        return RegistryReader(self.w3, record.address, start_block=record.block)

    def registry_writer(self, account: Any) -> ApeRegistryWriter:
        return ApeRegistryWriter(self.registry, account)

    def require(self, name: str) -> Any:
        """The contract instance, or an error saying how to get it deployed."""
        contract = getattr(self, name)
        if contract is None:
            raise SectokenError(
                f"this deployment has no {name} contract ({self.deployment.path})",
                hint=f"enable it in the spec (corporate.{name}: true) and run deploy again",
            )
        return contract


def open_suite(
    project: Any,
    directory: str | Path = DEFAULT_DEPLOYMENTS_DIR,
    *,
    network: str | None = None,
) -> Suite:
    """Open the suite recorded for the connected network; checks the file matches the chain."""
    name = network or network_name()
    deployment = load_deployment(deployment_path(directory, name), network=name)
    deployment.check_chain(provider_web3())
    instances: dict[str, Any] = {}
    for key, type_name in CONTRACT_TYPES.items():
        record = deployment.contracts.get(key)
        instances[key] = (
            getattr(project, type_name).at(record.address) if record is not None else None
        )
    if instances["registry"] is None:
        raise SectokenError(f"{deployment.path} has no registry", hint="deploy again with --fresh")
    return Suite(
        project=project,
        deployment=deployment,
        registry=instances["registry"],
        token=instances["token"],
        dividends=instances["dividends"],
        voting=instances["voting"],
        decoder=error_decoder(project),
    )


def role_id(role: str) -> bytes:
    return b"\x00" * 32 if role == "DEFAULT_ADMIN_ROLE" else keccak(text=role)


def require_role(contract: Any, role: str, account: Any, *, what: str) -> None:
    """Refuse early, in one line, when ``account`` lacks ``role`` on ``contract``."""
    address = getattr(account, "address", account)
    if not contract.hasRole(role_id(role), address):
        raise SectokenError(
            f"account {address} does not hold {role} on the {what} ({contract.address})",
            hint="use an account that holds it (--account), or grant it: add the account "
            "under roles in the spec and run deploy again",
        )
