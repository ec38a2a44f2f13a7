"""Ape contract containers built from the packaged ABI data: no project, no compiler needed.

``packaged_contracts().SecurityToken`` is an Ape ``ContractContainer`` with ``.deploy(...)`` and
``.at(addr)``, exactly like ``project.SecurityToken`` in a checkout, so every job takes either.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from sectoken.abi import DELEGATES_TO, SHARED_CODE, SUITE_CONTRACTS, contract_type_json, merged_abi
from sectoken.errors import SectokenError

if TYPE_CHECKING:
    from ape.contracts import ContractContainer

__all__ = ["PackagedContracts", "UnknownContract", "container", "packaged_contracts"]


class UnknownContract(SectokenError, AttributeError):
    """The package ships no contract of that name (an AttributeError, so ``hasattr`` works)."""


class PackagedContracts:
    """Attribute access by contract name, like an Ape project: ``.SecurityToken``."""

    names = (*SUITE_CONTRACTS.values(), *SHARED_CODE.values())

    def __getattr__(self, name: str) -> ContractContainer:
        if name not in self.names:
            raise UnknownContract(f"the package ships no contract named {name!r}")
        return _container(name)

    def __repr__(self) -> str:
        return f"<sectoken packaged contracts: {', '.join(self.names)}>"


@cache
def _container(name: str) -> ContractContainer:
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    try:
        contract_type = ContractType.model_validate(contract_type_json(name))
    except ValueError as exc:
        raise SectokenError(f"the packaged ABI of {name} does not load: {exc}") from exc
    return ContractContainer(contract_type)


@cache
def packaged_contracts() -> PackagedContracts:
    """The suite's contracts as shipped in the package."""
    return PackagedContracts()


def container(project: Any, name: str) -> ContractContainer:
    """``project``'s container of the contract ``name``; the packaged one when ``project`` is None
    or lacks it (a user's own Ape project outside this checkout compiles no suite contract).
    A contract that delegates to a module (``DELEGATES_TO``: the token's fallback runs the admin
    module) gets the merged ABI, as the package ships it, so that every entry point is callable."""
    if project is not None:
        try:
            found: ContractContainer = getattr(project, name)
        except AttributeError:  # Ape's "no such contract" is an AttributeError too
            pass
        else:
            module = DELEGATES_TO.get(name)
            # the module's container is merged in turn (it may delegate too)
            extra = container(project, module) if module and hasattr(project, module) else None
            return found if extra is None else _merged(found, extra)
    return _packaged(name)


def _merged(found: ContractContainer, module: ContractContainer) -> ContractContainer:
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    data = found.contract_type.model_dump(mode="json", by_alias=True)
    module_abi = module.contract_type.model_dump(mode="json", by_alias=True)["abi"]
    data["abi"] = merged_abi(data["abi"], module_abi)
    return ContractContainer(ContractType.model_validate(data))


def _packaged(name: str) -> ContractContainer:
    if name not in PackagedContracts.names:
        raise SectokenError(f"the package ships no contract named {name!r}")
    return _container(name)
