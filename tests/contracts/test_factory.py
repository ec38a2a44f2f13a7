"""SecurityTokenFactory and clone-mode tokens (SecurityTokenClone behind EIP-1167 proxies).

The factory's CREATE2 addresses are the ones ``sectoken.model.create2`` computes before sending;
a second creation at the same address is refused; a clone's initializer runs once (and the
implementation's never); and a clone is the same token: some of the token's own tests run here
again with ``token`` overridden by a clone (the imported tests below).
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak

from sectoken.chain.contracts import container
from sectoken.model.create2 import (
    CLONE_SALT,
    IMPLEMENTATION_SALT,
    clone_address,
    deployment_address,
)

from .test_token_admin import (  # noqa: F401  (run again against a clone)
    test_close_issuance_for_good,
    test_controller_transfer_clamps_frozen_amount,
    test_documents_lifecycle,
    test_issue_emits_and_counts_holders,
    test_record_date_freezes_balances,
    test_recovery_moves_balance_frozen_part_and_successor,
)
from .test_token_rules import (  # noqa: F401  (run again against a clone)
    test_country_block_list,
    test_max_holders,
    test_pause,
    test_python_mirror_matches_the_contract,
    test_receiver_kyc_expired,
    test_token_freeze_blocks_both_directions,
    test_transfer_between_verified_holders,
)

NAME, SYMBOL = "Acme Shares", "ACME"


def _init_code(project: Any, name: str, *args: Any) -> bytes:
    contract_type = getattr(project, name).contract_type
    code = bytes.fromhex(str(contract_type.deployment_bytecode.bytecode)[2:])
    return code + encode(["address"] * len(args), list(args))


@pytest.fixture
def factory(project: Any, deployer: Any) -> Any:
    return project.SecurityTokenFactory.deploy(sender=deployer)


@pytest.fixture
def implementation(project: Any, factory: Any, admin_module: Any, deployer: Any) -> Any:
    code = _init_code(project, "SecurityTokenClone", admin_module.address)
    factory.deploy(IMPLEMENTATION_SALT, code, sender=deployer)
    address = deployment_address(factory.address, deployer.address, IMPLEMENTATION_SALT, code)
    return container(project, "SecurityTokenClone").at(address)


@pytest.fixture
def token(
    project: Any,
    factory: Any,
    implementation: Any,
    registry: Any,
    deployer: Any,
    issuer: Any,
    compliance_officer: Any,
    controller: Any,
) -> Any:
    """A clone-mode token with the roles of the full token fixture (tests/contracts/conftest.py)."""
    factory.cloneToken(
        implementation, CLONE_SALT, NAME, SYMBOL, 0, registry, deployer, sender=deployer
    )
    address = clone_address(
        factory.address,
        deployer.address,
        implementation.address,
        name=NAME,
        symbol=SYMBOL,
        decimals=0,
        registry=registry.address,
        admin=deployer.address,
    )
    tok = container(project, "SecurityTokenClone").at(address)
    tok.grantRole(tok.ISSUER_ROLE(), issuer, sender=deployer)
    tok.grantRole(tok.COMPLIANCE_ROLE(), compliance_officer, sender=deployer)
    tok.grantRole(tok.CONTROLLER_ROLE(), controller, sender=deployer)
    tok.grantRole(tok.PAUSER_ROLE(), compliance_officer, sender=deployer)
    return tok


def test_deploy_address_is_predicted_and_taken_once(
    project: Any, factory: Any, admin_module: Any, deployer: Any, alice: Any
) -> None:
    code = _init_code(project, "SecurityTokenClone", admin_module.address)
    expected = deployment_address(factory.address, deployer.address, IMPLEMENTATION_SALT, code)
    digest = keccak(code)
    assert factory.predictDeployment(deployer, IMPLEMENTATION_SALT, digest) == expected
    # Another account's salt gives another address: nobody takes the address computed for you.
    assert factory.predictDeployment(alice, IMPLEMENTATION_SALT, digest) != expected
    receipt = factory.deploy(IMPLEMENTATION_SALT, code, sender=deployer)
    [event] = receipt.events.filter(factory.Deployed)
    assert event["instance"] == expected
    assert len(bytes(ape.chain.provider.get_code(expected))) > 0
    with ape.reverts(factory.AlreadyDeployed):
        factory.deploy(IMPLEMENTATION_SALT, code, sender=deployer)


def test_clone_address_is_predicted_and_bound_to_name_symbol_admin(
    factory: Any, implementation: Any, registry: Any, deployer: Any, alice: Any
) -> None:
    args = (implementation, CLONE_SALT, NAME, SYMBOL, 0, registry, deployer)
    expected = clone_address(
        factory.address,
        deployer.address,
        implementation.address,
        name=NAME,
        symbol=SYMBOL,
        decimals=0,
        registry=registry.address,
        admin=deployer.address,
    )
    assert factory.predictClone(deployer, *args) == expected
    other_admin = (implementation, CLONE_SALT, NAME, SYMBOL, 0, registry, alice)
    assert factory.predictClone(deployer, *other_admin) != expected
    receipt = factory.cloneToken(*args, sender=deployer)
    [event] = receipt.events.filter(factory.TokenCloned)
    assert event["token"] == expected
    with ape.reverts(factory.AlreadyDeployed):
        factory.cloneToken(*args, sender=deployer)


def test_clone_carries_its_constants(token: Any, registry: Any, implementation: Any) -> None:
    assert (token.name(), token.symbol(), token.decimals()) == (NAME, SYMBOL, 0)
    assert token.registry() == registry.address
    assert token.adminModule() == implementation.adminModule()
    # The permit domain: the implementation's EIP-712 name, the clone's own address.
    domain = token.eip712Domain()
    assert domain[1] == "SecurityToken"
    assert domain[4] == token.address


def test_clone_initializer_runs_once(
    token: Any, implementation: Any, deployer: Any, alice: Any
) -> None:
    with ape.reverts(token.InvalidInitialization):
        token.initialize("Other", "OTH", alice, sender=alice)
    with ape.reverts(implementation.InvalidInitialization):
        implementation.initialize("Other", "OTH", alice, sender=alice)
    assert not token.hasRole(token.DEFAULT_ADMIN_ROLE(), alice)


def test_clone_of_nothing_is_refused(factory: Any, registry: Any, deployer: Any) -> None:
    with ape.reverts(factory.NoImplementation):
        factory.cloneToken(
            deployer, CLONE_SALT, NAME, SYMBOL, 0, registry, deployer, sender=deployer
        )
