"""Fixtures for contract tests: a registry, a token with its roles, verified investors.

The suite: ``registry`` (InvestorRegistry, compliance officer holds COMPLIANCE_ROLE) and ``token``
(SecurityToken, 0 decimals, issuer / compliance officer / controller / pauser roles granted).
``verify(wallet, ...)`` writes a registry record; ``alice``, ``bob`` and ``carol`` are verified in
country 840 (US) and accredited by ``suite``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sectoken.chain.contracts import container
from sectoken.model.records import InvestorRecord

FAR_FUTURE = 4_102_444_800  # 2100-01-01
US, DE, FR, KP = 840, 276, 250, 408

ROLE_NAMES = ("ISSUER_ROLE", "COMPLIANCE_ROLE", "CONTROLLER_ROLE", "PAUSER_ROLE")


def record(
    country: int = US,
    *,
    kyc_expiry: int = FAR_FUTURE,
    lockup_until: int = 0,
    accredited: bool = True,
    withholding: bool = False,
    frozen: bool = False,
) -> int:
    """The packed registry word for a test investor."""
    return InvestorRecord(
        kyc_expiry=kyc_expiry,
        country=country,
        lockup_until=lockup_until,
        accredited=accredited,
        withholding=withholding,
        frozen=frozen,
    ).pack()


def no_rules() -> tuple[bool, bool, int, int, int, int, int]:
    """Rules tuple with every limit off (block-list mode, nothing listed, no minimum position)."""
    return (False, False, 0, 0, 0, 0, 0)


RULE_FIELDS = (
    "requireAccreditation",
    "countryAllowList",
    "maxHolders",
    "holdingPeriod",
    "maxBalance",
    "maxBalanceBps",
    "minPosition",
)


def rules_with(**overrides: Any) -> tuple[Any, ...]:
    """``no_rules()`` with the named fields (the token's ``Rules`` struct names) changed."""
    values = dict(zip(RULE_FIELDS, no_rules(), strict=True))
    values.update(overrides)
    return tuple(values[n] for n in RULE_FIELDS)


@pytest.fixture
def registry(project: Any, deployer: Any, compliance_officer: Any) -> Any:
    reg = project.InvestorRegistry.deploy(deployer, sender=deployer)
    reg.grantRole(reg.COMPLIANCE_ROLE(), compliance_officer, sender=deployer)
    return reg


@pytest.fixture
def verify(registry: Any, compliance_officer: Any) -> Callable[..., None]:
    def _verify(wallet: Any, country: int = US, **kwargs: Any) -> None:
        registry.setInvestor(wallet, record(country, **kwargs), sender=compliance_officer)

    return _verify


@pytest.fixture
def admin_module(project: Any, deployer: Any) -> Any:
    """The token administration module (SecurityTokenAdmin), shared by every token deployed here."""
    return project.SecurityTokenAdmin.deploy(sender=deployer)


@pytest.fixture
def token(
    project: Any,
    registry: Any,
    admin_module: Any,
    deployer: Any,
    issuer: Any,
    compliance_officer: Any,
    controller: Any,
) -> Any:
    tok = container(project, "SecurityToken").deploy(
        "Acme Shares", "ACME", 0, registry, deployer, admin_module, sender=deployer
    )
    tok.grantRole(tok.ISSUER_ROLE(), issuer, sender=deployer)
    tok.grantRole(tok.COMPLIANCE_ROLE(), compliance_officer, sender=deployer)
    tok.grantRole(tok.CONTROLLER_ROLE(), controller, sender=deployer)
    tok.grantRole(tok.PAUSER_ROLE(), compliance_officer, sender=deployer)
    return tok


@pytest.fixture
def suite(token: Any, verify: Callable[..., None], alice: Any, bob: Any, carol: Any) -> Any:
    """The token with alice, bob and carol verified (US, accredited); nobody holds tokens yet."""
    for wallet in (alice, bob, carol):
        verify(wallet)
    return token


@pytest.fixture
def funded(suite: Any, issuer: Any, alice: Any, bob: Any) -> Any:
    """``suite`` with 1,000 issued to alice and 500 to bob."""
    suite.issue(alice, 1000, b"", sender=issuer)
    suite.issue(bob, 500, b"", sender=issuer)
    return suite
