"""Fixtures and helpers for the corporate-action tests (dividends, voting).

Import the fixtures into a test module with ``from .corporate_fixtures import *`` (they build on
the ``token`` / ``verify`` / ``suite`` fixtures of ``tests/contracts/conftest.py``); the helpers
(``pass_record_date``, ``eth_params`` ...) are plain functions.

The cap table used throughout: alice 600, bob 300, carol 100 (supply 1,000 at the record date);
``dave`` is verified and holds nothing, ``treasury`` is verified and holds nothing unless a test
issues to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

__all__ = [
    "DAY",
    "SHARES",
    "ZERO_ADDRESS",
    "ballot_params",
    "callback_token",
    "dave",
    "distributor",
    "erc20_params",
    "eth_params",
    "fee_token",
    "holders",
    "pass_record_date",
    "schedule_record_date",
    "stablecoin",
    "tax_wallet",
    "treasury",
    "voting",
]

ZERO_ADDRESS = "0x" + "00" * 20
DAY = 86_400
SHARES = {"alice": 600, "bob": 300, "carol": 100}


def schedule_record_date(chain: Any, token: Any, issuer: Any, delay: int = 60) -> tuple[int, int]:
    """Schedule a record date ``delay`` seconds after the next block; returns (id, timestamp)."""
    ts = chain.pending_timestamp + delay
    token.scheduleRecordDate(ts, sender=issuer)
    return token.latestRecordDateId(), ts


def pass_record_date(chain: Any, token: Any, issuer: Any, delay: int = 60) -> int:
    """Schedule a record date and mine an empty block at exactly its timestamp; returns its id."""
    rid, ts = schedule_record_date(chain, token, issuer, delay)
    chain.mine(timestamp=ts)
    return rid


def eth_params(
    token: Any,
    rid: int,
    amount: int,
    expiry: int,
    *,
    withholding_bps: int = 0,
    tax_wallet: Any = ZERO_ADDRESS,
    excluded: Sequence[Any] = (),
) -> tuple[Any, ...]:
    """DistributionParams for an ETH distribution of ``token`` (send ``value=amount`` with it)."""
    return (token, rid, ZERO_ADDRESS, amount, expiry, withholding_bps, tax_wallet, list(excluded))


def erc20_params(
    token: Any,
    rid: int,
    asset: Any,
    amount: int,
    expiry: int,
    *,
    withholding_bps: int = 0,
    tax_wallet: Any = ZERO_ADDRESS,
    excluded: Sequence[Any] = (),
) -> tuple[Any, ...]:
    """DistributionParams for an ERC-20 distribution of ``token`` (approve the distributor
    first)."""
    return (token, rid, asset, amount, expiry, withholding_bps, tax_wallet, list(excluded))


def ballot_params(
    token: Any,
    rid: int,
    start: int,
    end: int,
    *,
    options: Sequence[str] = ("For", "Against", "Abstain"),
    quorum_bps: int = 0,
    threshold_bps: int = 0,
    excluded: Sequence[Any] = (),
    title: str = "Approve the 2026 accounts",
    uri: str = "ipfs://bafy-agm-2026",
    doc_hash: bytes = b"\x11" * 32,
) -> tuple[Any, ...]:
    """BallotParams of ``token`` in field order."""
    return (
        token,
        title,
        uri,
        doc_hash,
        list(options),
        rid,
        start,
        end,
        quorum_bps,
        threshold_bps,
        list(excluded),
    )


@pytest.fixture
def dave(accounts: Any) -> Any:
    return accounts[7]


@pytest.fixture
def treasury(accounts: Any) -> Any:
    return accounts[8]


@pytest.fixture
def tax_wallet(accounts: Any) -> Any:
    return accounts[9]


@pytest.fixture
def holders(
    suite: Any,
    issuer: Any,
    verify: Callable[..., None],
    alice: Any,
    bob: Any,
    carol: Any,
    dave: Any,
    treasury: Any,
) -> Any:
    """The token with alice 600, bob 300, carol 100; dave and treasury verified, empty."""
    verify(dave)
    verify(treasury)
    for wallet, amount in ((alice, 600), (bob, 300), (carol, 100)):
        suite.issue(wallet, amount, b"", sender=issuer)
    return suite


@pytest.fixture
def distributor(project: Any, registry: Any, token: Any, deployer: Any) -> Any:
    """The issuer's shared distributor (admin: deployer), serving ``token``."""
    contract = project.DividendDistributor.deploy(registry, deployer, sender=deployer)
    contract.setTokenServed(token, True, sender=deployer)
    return contract


@pytest.fixture
def voting(project: Any, registry: Any, token: Any, deployer: Any) -> Any:
    """The issuer's shared voting contract (admin: deployer), serving ``token``."""
    contract = project.ShareholderVoting.deploy(registry, deployer, sender=deployer)
    contract.setTokenServed(token, True, sender=deployer)
    return contract


@pytest.fixture
def stablecoin(project: Any, deployer: Any, issuer: Any) -> Any:
    coin = project.MockStablecoin.deploy(sender=deployer)
    coin.mint(issuer, 10**30, sender=deployer)
    return coin


@pytest.fixture
def fee_token(project: Any, deployer: Any, issuer: Any) -> Any:
    """Burns 1% (100 bps) of every transfer."""
    tok = project.FeeOnTransferToken.deploy(100, sender=deployer)
    tok.mint(issuer, 10**30, sender=deployer)
    return tok


@pytest.fixture
def callback_token(project: Any, deployer: Any, issuer: Any) -> Any:
    tok = project.CallbackToken.deploy(sender=deployer)
    tok.mint(issuer, 10**30, sender=deployer)
    return tok
