"""Fixtures for the real-client tests: the suite of tests/contracts (registry, token, verified
alice / bob / carol) plus the token facts the clients need.

``token_has(name)`` tells whether the token's ABI has a function (the standards work on the token
lands in steps; a client test that needs a missing function says so by name).
"""

from __future__ import annotations

from typing import Any

import pytest

from sectoken.abi import contract_abi

from ..contracts.conftest import record, registry, suite, token, verify  # noqa: F401 - fixtures

__all__ = ["record", "token_has"]


def token_has(name: str) -> bool:
    return any(
        e.get("type") == "function" and e.get("name") == name for e in contract_abi("SecurityToken")
    )


def require_token(name: str, why: str) -> None:
    if not token_has(name):
        pytest.skip(f"SecurityToken has no {name}() yet: {why}")


@pytest.fixture(scope="session")
def dave(accounts: Any) -> Any:
    """Never verified in the registry."""
    return accounts[7]


@pytest.fixture
def stablecoin(project: Any, deployer: Any) -> Any:
    return project.MockStablecoin.deploy(sender=deployer)
