"""SecurityTokenFactory's wired deployments: a token created and configured in one transaction.

``deployWired`` (full mode) and ``cloneWired`` (clone mode) create the token with the factory as
its admin, run the caller's setup calls on it, grant DEFAULT_ADMIN_ROLE to the admin and renounce
every role the factory holds. What is checked here: the address is the one computed before
sending (``sectoken.model.create2``), the configuration is all there after the one transaction,
the factory ends holding none of the token's roles (every ``*_ROLE`` of the token's ABI), a
failing setup call leaves nothing behind, and the address is bound to the sender and the admin.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak

from sectoken.abi import contract_abi, function
from sectoken.chain.contracts import container
from sectoken.model.create2 import CLONE_SALT, IMPLEMENTATION_SALT, clone_address, wired_address

from .conftest import KP

NAME, SYMBOL = "Acme Fund", "AFND"
SALT = keccak(b"wired-test")
ADMIN_ROLE = bytes(32)


def _role(name: str) -> bytes:
    return ADMIN_ROLE if name == "DEFAULT_ADMIN_ROLE" else keccak(name.encode())


def _token_roles() -> list[str]:
    """Every role the token declares: its ``*_ROLE`` constants in the packaged ABI."""
    return sorted(
        e["name"]
        for e in contract_abi("SecurityToken")
        if e.get("type") == "function" and e["name"].endswith("_ROLE") and not e["inputs"]
    )


def _grant(role: str, holder: str) -> bytes:
    return keccak(b"grantRole(bytes32,address)")[:4] + encode(
        ["bytes32", "address"], [_role(role), holder]
    )


def _set_rules(max_holders: int) -> bytes:
    # accreditation, allow-list mode, maxHolders, holding period, max balance, bps, min position
    return function("SecurityToken", "setRules").encode((True, False, max_holders, 0, 0, 0, 0))


def _block_country(code: int) -> bytes:
    return function("SecurityToken", "setCountryRules").encode([code], [True], [0])


def _full_init_code(project: Any, registry: Any, module: Any, admin: str) -> bytes:
    contract_type = project.SecurityToken.contract_type
    code = bytes.fromhex(str(contract_type.deployment_bytecode.bytecode)[2:])
    args = encode(
        ["string", "string", "uint8", "address", "address", "address"],
        [NAME, SYMBOL, 0, registry.address, admin, module.address],
    )
    return code + args


@pytest.fixture
def factory(project: Any, deployer: Any) -> Any:
    return project.SecurityTokenFactory.deploy(sender=deployer)


def _setup(factory: Any, issuer: Any, officer: Any) -> list[bytes]:
    """Roles for the issuer and the officer, the factory's own temporary compliance role, rules
    (at most 2 holders, accreditation required) and a blocked country."""
    return [
        _grant("ISSUER_ROLE", issuer.address),
        _grant("COMPLIANCE_ROLE", officer.address),
        _grant("COMPLIANCE_ROLE", factory.address),
        _set_rules(2),
        _block_country(KP),
    ]


def _assert_configured(token: Any, factory: Any, deployer: Any, issuer: Any, officer: Any) -> None:
    assert token.hasRole(_role("DEFAULT_ADMIN_ROLE"), deployer)
    assert token.hasRole(_role("ISSUER_ROLE"), issuer)
    assert token.hasRole(_role("COMPLIANCE_ROLE"), officer)
    assert int(token.adminCount()) == 1
    rules = token.rules()
    assert bool(rules[0]) is True and int(rules[2]) == 2
    assert bool(token.countryRule(KP)[0]) is True
    held = [name for name in _token_roles() if token.hasRole(_role(name), factory)]
    assert held == [], f"the factory kept {held}"


def test_token_roles_are_the_five_the_factory_renounces() -> None:
    assert _token_roles() == [
        "COMPLIANCE_ROLE",
        "CONTROLLER_ROLE",
        "DEFAULT_ADMIN_ROLE",
        "ISSUER_ROLE",
        "PAUSER_ROLE",
    ]


def test_deploy_wired_configures_the_token_in_one_transaction(
    project: Any,
    factory: Any,
    registry: Any,
    admin_module: Any,
    deployer: Any,
    issuer: Any,
    compliance_officer: Any,
    verify: Any,
    alice: Any,
    bob: Any,
    carol: Any,
) -> None:
    code = _full_init_code(project, registry, admin_module, factory.address)
    expected = wired_address(factory.address, deployer.address, SALT, code, deployer.address)
    assert factory.predictWired(deployer, SALT, keccak(code), deployer) == expected
    # Every role of the token granted to the factory too: it must give all of them up.
    setup = _setup(factory, issuer, compliance_officer) + [
        _grant(name, factory.address)
        for name in _token_roles()
        if name not in ("DEFAULT_ADMIN_ROLE", "COMPLIANCE_ROLE")
    ]
    receipt = factory.deployWired(SALT, code, deployer, setup, sender=deployer)
    [wired] = receipt.events.filter(factory.TokenWired)
    assert wired["token"] == expected and wired["admin"] == deployer.address
    assert int(wired["setupCalls"]) == len(setup)
    token = container(project, "SecurityToken").at(expected)
    _assert_configured(token, factory, deployer, issuer, compliance_officer)
    # The rules set in that transaction are enforced: the third holder is refused (max 2).
    for wallet in (alice, bob, carol):
        verify(wallet)
    token.issue(alice, 10, b"", sender=issuer)
    token.issue(bob, 10, b"", sender=issuer)
    assert int(token.detectTransferRestriction(alice, carol, 1)) != 0
    with ape.reverts(factory.AlreadyDeployed):
        factory.deployWired(SALT, code, deployer, [], sender=deployer)


def test_a_failing_setup_call_leaves_no_token(
    project: Any, factory: Any, registry: Any, admin_module: Any, deployer: Any, issuer: Any
) -> None:
    code = _full_init_code(project, registry, admin_module, factory.address)
    expected = wired_address(factory.address, deployer.address, SALT, code, deployer.address)
    # setRules without the factory holding COMPLIANCE_ROLE: the token's own error, all undone.
    token_type = container(project, "SecurityToken")
    with ape.reverts(token_type.AccessControlUnauthorizedAccount):
        factory.deployWired(
            SALT,
            code,
            deployer,
            [_grant("ISSUER_ROLE", issuer.address), _set_rules(2)],
            sender=deployer,
        )
    assert bytes(ape.chain.provider.get_code(expected)) == b""


def test_wired_address_is_bound_to_sender_and_admin(
    project: Any, factory: Any, registry: Any, admin_module: Any, deployer: Any, alice: Any
) -> None:
    code = _full_init_code(project, registry, admin_module, factory.address)
    digest = keccak(code)
    mine = factory.predictWired(deployer, SALT, digest, deployer)
    assert factory.predictWired(alice, SALT, digest, deployer) != mine
    assert factory.predictWired(deployer, SALT, digest, alice) != mine
    # Alice using the same salt and code gets her own address, not the deployer's.
    factory.deployWired(SALT, code, deployer, [], sender=alice)
    assert bytes(ape.chain.provider.get_code(mine)) == b""
    theirs = wired_address(factory.address, alice.address, SALT, code, deployer.address)
    assert bytes(ape.chain.provider.get_code(theirs)) != b""


def test_creation_code_must_make_the_factory_admin(
    project: Any, factory: Any, registry: Any, admin_module: Any, deployer: Any
) -> None:
    code = _full_init_code(project, registry, admin_module, deployer.address)
    with ape.reverts(factory.FactoryNotAdmin):
        factory.deployWired(SALT, code, deployer, [], sender=deployer)


@pytest.mark.parametrize("who", ["zero", "factory"])
def test_admin_cannot_be_zero_or_the_factory(
    project: Any, factory: Any, registry: Any, admin_module: Any, deployer: Any, who: str
) -> None:
    code = _full_init_code(project, registry, admin_module, factory.address)
    admin = "0x" + "00" * 20 if who == "zero" else factory.address
    with ape.reverts(factory.BadAdmin):
        factory.deployWired(SALT, code, admin, [], sender=deployer)


def test_clone_wired_configures_the_clone_in_one_transaction(
    project: Any,
    factory: Any,
    registry: Any,
    admin_module: Any,
    deployer: Any,
    issuer: Any,
    compliance_officer: Any,
) -> None:
    impl_type = project.SecurityTokenClone.contract_type
    impl_code = bytes.fromhex(str(impl_type.deployment_bytecode.bytecode)[2:]) + encode(
        ["address"], [admin_module.address]
    )
    factory.deploy(IMPLEMENTATION_SALT, impl_code, sender=deployer)
    implementation = factory.predictDeployment(deployer, IMPLEMENTATION_SALT, keccak(impl_code))
    args = (implementation, CLONE_SALT, NAME, SYMBOL, 0, registry, deployer)
    expected = clone_address(
        factory.address,
        deployer.address,
        implementation,
        name=NAME,
        symbol=SYMBOL,
        decimals=0,
        registry=registry.address,
        admin=deployer.address,
    )
    assert factory.predictClone(deployer, *args) == expected
    setup = _setup(factory, issuer, compliance_officer)
    receipt = factory.cloneWired(*args, setup, sender=deployer)
    [wired] = receipt.events.filter(factory.TokenWired)
    assert wired["token"] == expected
    token = container(project, "SecurityTokenClone").at(expected)
    assert token.name() == NAME and token.symbol() == SYMBOL
    _assert_configured(token, factory, deployer, issuer, compliance_officer)
    with ape.reverts(factory.AlreadyDeployed):
        factory.cloneWired(*args, [], sender=deployer)
