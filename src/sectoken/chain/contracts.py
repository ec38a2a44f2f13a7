"""Ape contract containers built from the packaged ABI data: no project, no compiler needed.

``packaged_contracts().SecurityToken`` is an Ape ``ContractContainer`` with ``.deploy(...)`` and
``.at(address)``, exactly like ``project.SecurityToken`` in a checkout, so every job takes either.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sectoken.abi import SUITE_CONTRACTS, contract_type_json
from sectoken.errors import SectokenError

if TYPE_CHECKING:
    from ape.contracts import ContractContainer

__all__ = ["PackagedContracts", "UnknownContract", "packaged_contracts"]


class UnknownContract(SectokenError, AttributeError):
    """The package ships no contract of that name (an AttributeError, so ``hasattr`` works)."""


class PackagedContracts:
    """Attribute access by contract name, like an Ape project: ``.SecurityToken``."""

    names = tuple(SUITE_CONTRACTS.values())

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
