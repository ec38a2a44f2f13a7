"""The deployment the markets state machine runs on: the token and registry, the three market
contracts (the settlement and buy-back contracts approved as the token's operators), a mock
stablecoin, and four verified investors holding shares and money, every allowance granted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from sectoken.chain.contracts import container
from sectoken.model.records import InvestorRecord

FAR_FUTURE = 4_102_444_800
US = 840
START_MONEY = 10_000
INVESTORS = 4  # alice, bob, carol, dave
START_SHARES = 100  # issued to each investor before the first example (trades, tenders)


def record(expiry: int) -> int:
    return InvestorRecord(kyc_expiry=expiry, country=US, accredited=True).pack()


@dataclass
class Env:
    chain: Any
    token: Any
    registry: Any
    coin: Any
    offerings: Any
    settlement: Any
    buybacks: Any
    issuer: Any
    officer: Any
    treasury: Any
    investors: list[Any]


@pytest.fixture(scope="module")
def env(project: Any, chain: Any, accounts: Any) -> Env:
    admin, issuer, officer, treasury = accounts[0], accounts[1], accounts[2], accounts[8]
    investors = [accounts[i] for i in (4, 5, 6, 7)]
    registry = project.InvestorRegistry.deploy(admin, sender=admin)
    registry.grantRole(registry.COMPLIANCE_ROLE(), officer, sender=admin)
    token = container(project, "SecurityToken").deploy(
        "Acme",
        "ACME",
        0,
        registry,
        admin,
        project.SecurityTokenAdmin.deploy(sender=admin),
        sender=admin,
    )
    token.grantRole(token.ISSUER_ROLE(), issuer, sender=admin)
    token.grantRole(token.COMPLIANCE_ROLE(), officer, sender=admin)
    offerings = project.PrimaryOffering.deploy(sender=admin)
    settlement = project.TradeSettlement.deploy(sender=admin)
    buybacks = project.BuybackOffers.deploy(sender=admin)
    token.grantRole(token.ISSUER_ROLE(), offerings, sender=admin)
    token.setApprovedOperator(settlement, True, sender=officer)  # their spender check
    token.setApprovedOperator(buybacks, True, sender=officer)
    coin = project.MockStablecoin.deploy(sender=admin)
    for wallet in (*investors, issuer):
        coin.mint(wallet, START_MONEY, sender=admin)
        coin.approve(offerings, 2**255, sender=wallet)
        coin.approve(settlement, 2**255, sender=wallet)
        coin.approve(buybacks, 2**255, sender=wallet)
    for wallet in investors:
        token.approve(settlement, 2**255, sender=wallet)
        token.approve(buybacks, 2**255, sender=wallet)
    registry.setInvestors(investors, [record(FAR_FUTURE)] * INVESTORS, sender=officer)
    for wallet in investors:
        token.issue(wallet, START_SHARES, b"", sender=issuer)
    return Env(
        chain,
        token,
        registry,
        coin,
        offerings,
        settlement,
        buybacks,
        issuer,
        officer,
        treasury,
        investors,
    )
