"""Fixtures and helpers for the money-flow tests (offerings, trades, buy-backs).

Import into a test module with ``from .markets_fixtures import *`` (they build on ``token``,
``verify`` and ``suite`` of ``tests/contracts/conftest.py``). The three market contracts are
deployed once each and serve every token; ``offerings`` holds ISSUER_ROLE on ``token``.
``musd`` is the 6-decimal mock stablecoin with 1,000,000 mUSD minted to alice, bob, carol and
the issuer. ``dave`` is verified (no tokens); ``treasury`` receives offering proceeds (it holds
no shares, so it needs no KYC).
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = [
    "DAY",
    "MUSD",
    "approve_operator",
    "buyback_params",
    "buybacks",
    "dave",
    "musd",
    "offering_params",
    "offerings",
    "settlement",
    "trade_terms",
    "treasury",
]

DAY = 86_400
MUSD = 10**6  # one mock dollar
ZERO_ADDRESS = "0x" + "00" * 20


def approve_operator(token: Any, operator: Any, officer: Any) -> None:
    """Approve ``operator`` as a spender on ``token`` when the token asks for it.

    Tokens with spender checks (``setApprovedOperator``) need the compliance officer to approve a
    market contract before it may call ``transferFrom`` / ``redeemFrom``; older tokens do not.
    """
    if any(getattr(m, "name", "") == "setApprovedOperator" for m in token.contract_type.abi):
        token.setApprovedOperator(operator, True, sender=officer)


def offering_params(
    token: Any,
    asset: Any,
    treasury: Any,
    start: int,
    *,
    price: int = 10 * MUSD,
    min_shares: int = 0,
    max_shares: int = 0,
    hard_cap: int = 1_000,
    soft_cap: int = 0,
    duration: int = 7 * DAY,
    delivery_window: int = 30 * DAY,
) -> tuple[Any, ...]:
    """OfferingParams in field order (price is per whole share)."""
    return (
        token,
        asset,
        treasury,
        price,
        min_shares,
        max_shares,
        hard_cap,
        soft_cap,
        start,
        start + duration,
        delivery_window,
    )


def trade_terms(
    token: Any, seller: Any, buyer: Any, asset: Any, shares: int, amount: int, expiry: int
) -> tuple[Any, ...]:
    """TradeTerms in field order."""
    return (token, seller, buyer, asset, shares, amount, expiry)


def buyback_params(
    token: Any,
    asset: Any,
    deadline: int,
    *,
    price: int = 12 * MUSD,
    max_shares: int = 100,
    pro_rata: bool = False,
    settlement_window: int = 7 * DAY,
) -> tuple[Any, ...]:
    """BuybackParams in field order."""
    return (token, asset, price, max_shares, deadline, 1 if pro_rata else 0, settlement_window)


@pytest.fixture
def dave(accounts: Any) -> Any:
    return accounts[7]


@pytest.fixture
def treasury(accounts: Any) -> Any:
    return accounts[8]


@pytest.fixture
def musd(project: Any, deployer: Any, issuer: Any, alice: Any, bob: Any, carol: Any) -> Any:
    coin = project.MockStablecoin.deploy(sender=deployer)
    for wallet in (issuer, alice, bob, carol):
        coin.mint(wallet, 1_000_000 * MUSD, sender=deployer)
    return coin


@pytest.fixture
def offerings(project: Any, token: Any, deployer: Any) -> Any:
    """The shared offering contract, holding ISSUER_ROLE on ``token``."""
    contract = project.PrimaryOffering.deploy(sender=deployer)
    token.grantRole(token.ISSUER_ROLE(), contract, sender=deployer)
    return contract


@pytest.fixture
def settlement(project: Any, token: Any, deployer: Any, compliance_officer: Any) -> Any:
    contract = project.TradeSettlement.deploy(sender=deployer)
    approve_operator(token, contract, compliance_officer)
    return contract


@pytest.fixture
def buybacks(project: Any, token: Any, deployer: Any, compliance_officer: Any) -> Any:
    contract = project.BuybackOffers.deploy(sender=deployer)
    approve_operator(token, contract, compliance_officer)
    return contract
