"""Shared test setup for sectoken.

- Hypothesis profiles: ``quick`` (default, used by ``make test`` and CI) and ``deep``
  (``make test-deep`` or ``SECTOKEN_PROFILE=deep``). Tests marked ``@pytest.mark.slow`` run only
  in the deep profile.
- Named accounts from Ape's funded test accounts, so every test speaks of roles, not indexes.
- ``plain_erc20``: the plain OpenZeppelin ERC-20 gas baseline (contracts/test/PlainERC20.sol).

Ape isolates the chain around every test and fixture, so fixtures that deploy are cheap.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Make direct `.venv/bin/ape test` runs (no `make`, no activated venv) find the project's
# compiler and the Anvil linked into the venv, like `make test` does.
os.environ.setdefault("SOLCX_BINARY_PATH", str(PROJECT_ROOT / ".solcx"))
_venv_bin = str(Path(sys.executable).parent)
if _venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([_venv_bin, os.environ.get("PATH", "")])

PROFILE_ENV = "SECTOKEN_PROFILE"
_chain_health = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
# On CI (CI=true, as .ci/run sets): the same examples every run and no example database.
_ci: dict[str, Any] = {"derandomize": True, "database": None} if os.environ.get("CI") else {}
settings.register_profile(
    "quick",
    max_examples=25,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=_chain_health,
    print_blob=True,
    **_ci,
)
settings.register_profile(
    "deep",
    max_examples=500,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=_chain_health,
    print_blob=True,
)
PROFILE = os.environ.get(PROFILE_ENV, "quick")
if PROFILE not in ("quick", "deep"):
    raise pytest.UsageError(f"{PROFILE_ENV}={PROFILE!r}: use quick or deep")
settings.load_profile(PROFILE)

PLAIN_SUPPLY = 1_000_000 * 10**18


def pytest_report_header(config: pytest.Config) -> list[str]:
    from sectoken.dev.toolchain import ToolchainError, current_compiler

    try:
        compiler = current_compiler(PROJECT_ROOT).describe()
    except ToolchainError as exc:
        compiler = f"not registered ({str(exc).splitlines()[0]}); run `make install`"
    return [f"sectoken: hypothesis profile {PROFILE}; compiler {compiler}"]


@pytest.fixture(scope="session", autouse=True)
def _quiet_revert_traces() -> Any:
    """Ape prints the call trace of every reverted transaction to stdout, which pytest captures
    and nobody reads: it fetches and decodes the whole call tree first (0.8 s per revert on the
    token, 1.2 s with its admin module). Assertions on reverts use the decoded error, not this
    print. ``SECTOKEN_REVERT_TRACES=1`` brings the traces back for debugging a test."""
    if os.environ.get("SECTOKEN_REVERT_TRACES", "") not in ("", "0"):
        yield
        return
    from ape_ethereum.trace import Trace

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Trace, "show", lambda self, verbose=False, file=None: None)
        yield


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def deployer(accounts: Any) -> Any:
    """Deploys contracts; the default admin in tests."""
    return accounts[0]


@pytest.fixture(scope="session")
def issuer(accounts: Any) -> Any:
    return accounts[1]


@pytest.fixture(scope="session")
def compliance_officer(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture(scope="session")
def controller(accounts: Any) -> Any:
    return accounts[3]


@pytest.fixture(scope="session")
def alice(accounts: Any) -> Any:
    return accounts[4]


@pytest.fixture(scope="session")
def bob(accounts: Any) -> Any:
    return accounts[5]


@pytest.fixture(scope="session")
def carol(accounts: Any) -> Any:
    return accounts[6]


@pytest.fixture
def plain_erc20(project: Any, deployer: Any) -> Any:
    """The plain OpenZeppelin ERC-20 baseline, whole supply held by ``deployer``."""
    return project.PlainERC20.deploy("Plain", "PLN", PLAIN_SUPPLY, sender=deployer)
