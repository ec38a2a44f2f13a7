"""Fixtures for the adversarial tests: the contract-test suite (registry, token with its roles,
verified investors, the corporate-action contracts and mocks) plus ``mallory``, a wallet with no
registry record and no role, and ``outsider_roles``, the token's roles in ABI order.

The fixtures are the ones of ``tests/contracts`` (re-exported here, not copied), so an attack runs
against exactly the set-up the unit tests use.
"""

from __future__ import annotations

from typing import Any

import pytest

from ..contracts.conftest import *  # noqa: F403
from ..contracts.corporate_fixtures import *  # noqa: F403
from ..contracts.markets_fixtures import buybacks, musd, offerings, settlement  # noqa: F401


@pytest.fixture(scope="session")
def _mallory_account(accounts: Any) -> Any:
    return accounts.generate_test_account()


@pytest.fixture
def mallory(_mallory_account: Any, chain: Any) -> Any:
    """No registry record, no role, no tokens: the attacker and the non-verified target.
    A generated test account (the ten named ones all have parts in the contract tests)."""
    chain.provider.set_balance(_mallory_account.address, 10**21)
    return _mallory_account
