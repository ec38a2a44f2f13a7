"""Fixtures for the real-client tests: the suite of tests/contracts (registry, token, verified
alice / bob / carol), an unverified wallet and a stablecoin."""

from __future__ import annotations

from typing import Any

import pytest

from ..contracts.conftest import (  # noqa: F401 - fixtures
    admin_module,
    record,
    registry,
    suite,
    token,
    verify,
)

__all__ = ["record"]


@pytest.fixture(scope="session")
def dave(accounts: Any) -> Any:
    """Never verified in the registry."""
    return accounts[7]


@pytest.fixture
def stablecoin(project: Any, deployer: Any) -> Any:
    return project.MockStablecoin.deploy(sender=deployer)
