"""A deployed token suite, opened from its deployment file on the connected network (Ape).

This is the one module that knows how the other modules meet Ape: contract instances come from
the project (``project.SecurityToken.at(addr)``) when it compiles the suite's contracts, from
the ABI shipped in the package otherwise (``sectoken.chain.contracts``: a user outside this
checkout needs no project and no compiler); raw reads go through the provider's web3. The
contract names and the custom errors come from the packaged ABI (``sectoken.abi``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3 import Web3

from sectoken.abi import SUITE_CONTRACTS, error_entries, role_id
from sectoken.chain.client import ChainClient
from sectoken.chain.contracts import container
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
    "role_id",
]

DEFAULT_DEPLOYMENTS_DIR = Path("deployments")
#: Contract type by its role in the deployment file (the packaged ABI's list).
CONTRACT_TYPES: dict[str, str] = dict(SUITE_CONTRACTS)


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


def error_decoder() -> ErrorDecoder:
    """Every custom error of the suite's contracts, from the packaged ABI."""
    return ErrorDecoder.from_abi_entries(error_entries())


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

    @property
    def client(self) -> ChainClient:
        """The package's chain client on the connected provider (batched reads, paged logs)."""
        return ChainClient(self.w3)

    def reader(self) -> RegistryReader:
        record = self.deployment.contracts["registry"]
        return RegistryReader(self.w3, record.address, start_block=record.block)

    def registry_writer(self, account: Any) -> ApeRegistryWriter:
        return ApeRegistryWriter(self.registry, account)

    def require_own(self, what: str, item_id: int, token: str) -> None:
        """Refuse a distribution or ballot of another token: the distributor and the voting
        contract are shared by every token of an issuer, and ids run across all of them."""
        mine = self.require("token").address
        if str(token).lower() != str(mine).lower():
            raise SectokenError(
                f"{what} {item_id} belongs to the token {token}, not to this deployment's "
                f"token {mine} (the {what}s of an issuer's tokens share one contract and one "
                "id sequence)",
                hint="run the command with the deployment of that token (--deployments DIR)",
            )

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
    project: Any = None,
    directory: str | Path = DEFAULT_DEPLOYMENTS_DIR,
    *,
    network: str | None = None,
) -> Suite:
    """Open the suite recorded for the connected network; checks the file matches the chain.

    ``project`` is an Ape project, ``sectoken.chain.contracts.packaged_contracts()`` or None
    (the packaged contracts); a suite contract the project lacks comes from the package."""
    name = network or network_name()
    deployment = load_deployment(deployment_path(directory, name), network=name)
    deployment.check_chain(provider_web3())
    instances: dict[str, Any] = {}
    for key, type_name in CONTRACT_TYPES.items():
        record = deployment.contracts.get(key)
        instances[key] = (
            container(project, type_name).at(record.address) if record is not None else None
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
        decoder=error_decoder(),
    )


def require_role(contract: Any, role: str, account: Any, *, what: str) -> None:
    """Refuse early, in one line, when ``account`` lacks ``role`` on ``contract``."""
    address = getattr(account, "address", account)
    if not contract.hasRole(role_id(role), address):
        raise SectokenError(
            f"account {address} does not hold {role} on the {what} ({contract.address})",
            hint="use an account that holds it (--account), or grant it: add the account "
            "under roles in the spec and run deploy again",
        )
