"""A Safe multisig (2 of 3, a proxy from the Safe factory, Safe 1.4.1 from its npm artifacts) as
DEFAULT_ADMIN of the registry and the token (the deployer hands both over and renounces).

The owners are three fixed test keys that never send a transaction: each Safe transaction is
signed off-chain with EIP-712 (eth_account) by two owners, and anyone (here the deployer) submits
``execTransaction``. The hash the owners sign is computed locally from the SafeTx type and checked
against the Safe's own ``getTransactionHash``. The on-chain alternative, ``approveHash`` by owners
that are wallets with gas, is shown once too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ape
import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ..contracts.conftest import record
from .npm_artifacts import SAFE, container

ZERO = "0x0000000000000000000000000000000000000000"
OWNERS: list[LocalAccount] = sorted(
    (Account.from_key(keccak(text=f"sectoken safe owner {i}")) for i in range(3)),
    key=lambda a: int(a.address, 16),
)
SAFE_TX_TYPES = {
    "EIP712Domain": [
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "SafeTx": [
        {"name": "to", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "data", "type": "bytes"},
        {"name": "operation", "type": "uint8"},
        {"name": "safeTxGas", "type": "uint256"},
        {"name": "baseGas", "type": "uint256"},
        {"name": "gasPrice", "type": "uint256"},
        {"name": "gasToken", "type": "address"},
        {"name": "refundReceiver", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ],
}


class SafeClient:
    """Signs and submits Safe transactions (plain calls, no refunds)."""

    def __init__(self, safe: Any, chain_id: int, submitter: Any) -> None:
        self.safe = safe
        self.chain_id = chain_id
        self.submitter = submitter

    def safe_nonce(self) -> int:
        """The Safe's transaction nonce (Ape's ``.nonce`` is the address's account nonce)."""
        return int(self.safe.call_view_method("nonce"))

    def typed_data(self, to: str, data: bytes, nonce: int) -> dict[str, Any]:
        message = {
            "to": to,
            "value": 0,
            "data": bytes(data),
            "operation": 0,
            "safeTxGas": 0,
            "baseGas": 0,
            "gasPrice": 0,
            "gasToken": ZERO,
            "refundReceiver": ZERO,
            "nonce": nonce,
        }
        return {
            "types": SAFE_TX_TYPES,
            "primaryType": "SafeTx",
            "domain": {"chainId": self.chain_id, "verifyingContract": self.safe.address},
            "message": message,
        }

    def signatures(self, to: str, data: bytes, signers: Sequence[LocalAccount]) -> bytes:
        """Owners' 65-byte signatures (r, s, v), ordered by owner address as the Safe requires."""
        typed = self.typed_data(to, data, self.safe_nonce())
        signable = encode_typed_data(full_message=typed)
        onchain = self.safe.getTransactionHash(
            to, 0, data, 0, 0, 0, 0, ZERO, ZERO, self.safe_nonce()
        )
        assert keccak(b"\x19\x01" + signable.header + signable.body) == bytes(onchain)
        ordered = sorted(signers, key=lambda a: int(a.address, 16))
        parts = []
        for owner in ordered:
            signed = owner.sign_message(signable)
            parts.append(
                signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])
            )
        return b"".join(parts)

    def execute(self, target: Any, call: bytes, signers: Sequence[LocalAccount]) -> Any:
        to = str(getattr(target, "address", target))
        signatures = self.signatures(to, call, signers)
        return self.safe.execTransaction(
            to, 0, call, 0, 0, 0, 0, ZERO, ZERO, signatures, sender=self.submitter
        )


def _deploy_safe(deployer: Any, owners: Sequence[str], salt: int) -> Any:
    """A 2-of-len(owners) Safe: a proxy to the Safe singleton made by the Safe factory."""
    singleton = container(SAFE, "Safe").deploy(sender=deployer)
    factory = container(SAFE, "SafeProxyFactory").deploy(sender=deployer)
    setup = singleton.setup.encode_input(list(owners), 2, ZERO, b"", ZERO, ZERO, 0, ZERO)
    receipt = factory.createProxyWithNonce(singleton, setup, salt, sender=deployer)
    created = list(receipt.decode_logs(factory.ProxyCreation))
    assert len(created) == 1
    proxy = container(SAFE, "Safe").at(created[0].proxy)
    assert proxy.getThreshold() == 2
    assert sorted(proxy.getOwners()) == sorted(owners)
    return proxy


@pytest.fixture
def safe(deployer: Any, chain: Any) -> SafeClient:
    proxy = _deploy_safe(deployer, [o.address for o in OWNERS], 7)
    return SafeClient(proxy, chain.chain_id, deployer)


@pytest.fixture(scope="session")
def new_issuer(accounts: Any) -> Any:
    return accounts[8]


def hand_over(contract: Any, safe_address: str, deployer: Any) -> None:
    """Make the Safe the contract's only admin: grant it DEFAULT_ADMIN_ROLE, then renounce."""
    admin_role = contract.DEFAULT_ADMIN_ROLE()
    contract.grantRole(admin_role, safe_address, sender=deployer)
    contract.renounceRole(admin_role, deployer, sender=deployer)
    assert contract.hasRole(admin_role, safe_address) and not contract.hasRole(admin_role, deployer)
    assert contract.adminCount() == 1


@pytest.fixture
def governed(safe: SafeClient, registry: Any, token: Any, deployer: Any) -> tuple[Any, Any]:
    """The suite's registry and token, handed over to the Safe as their only admin."""
    hand_over(registry, safe.safe.address, deployer)
    hand_over(token, safe.safe.address, deployer)
    return registry, token


def test_the_safe_grants_roles_and_forces_transfers(
    safe: SafeClient, governed: tuple[Any, Any], new_issuer: Any, alice: Any, bob: Any
) -> None:
    registry, token = governed
    me = safe.safe.address

    # Registry: the Safe makes itself a compliance officer, then verifies alice and bob.
    receipt = safe.execute(
        registry, registry.grantRole.encode_input(registry.COMPLIANCE_ROLE(), me), OWNERS[:2]
    )
    (granted,) = receipt.decode_logs(registry.RoleGranted)
    assert (granted.account, granted.sender) == (me, me)
    investors = registry.setInvestors.encode_input([alice, bob], [record(), record()])
    receipt = safe.execute(registry, investors, OWNERS[1:])
    assert len(list(receipt.decode_logs(registry.InvestorAdded))) == 2
    assert registry.isVerified(alice) and registry.isVerified(bob)

    # Token: the Safe grants ISSUER_ROLE to a new issuer, who issues to alice.
    issuer_role = token.ISSUER_ROLE()
    grant = token.grantRole.encode_input(issuer_role, new_issuer)
    receipt = safe.execute(token, grant, [OWNERS[0], OWNERS[2]])
    (granted,) = receipt.decode_logs(token.RoleGranted)
    assert (granted.role, granted.account, granted.sender) == (issuer_role, new_issuer.address, me)
    assert token.hasRole(issuer_role, new_issuer)
    token.issue(alice, 1_000, b"", sender=new_issuer)

    # The Safe makes itself controller, then forces 300 from alice to bob (ERC-1644).
    safe.execute(token, token.grantRole.encode_input(token.CONTROLLER_ROLE(), me), OWNERS[1:])
    forced = token.controllerTransfer.encode_input(alice, bob, 300, b"", b"court order")
    receipt = safe.execute(token, forced, OWNERS[:2])
    transfers = list(receipt.decode_logs(token.Transfer))
    assert [(t["from"], t.to, t.value) for t in transfers] == [(alice.address, bob.address, 300)]
    (controlled,) = receipt.decode_logs(token.ControllerTransfer)
    assert controlled.controller == me
    assert token.balanceOf(alice) == 700 and token.balanceOf(bob) == 300

    # The same power through ERC-7943's forcedTransfer: 100 back from bob to alice.
    receipt = safe.execute(token, token.forcedTransfer.encode_input(bob, alice, 100), OWNERS[::2])
    (forced_event,) = receipt.decode_logs(token.ForcedTransfer)
    assert (forced_event["from"], forced_event.to, forced_event.amount) == (
        bob.address,
        alice.address,
        100,
    )
    assert token.balanceOf(alice) == 800 and token.balanceOf(bob) == 200
    assert safe.safe_nonce() == 6


def test_one_signature_is_not_enough(
    safe: SafeClient, governed: tuple[Any, Any], new_issuer: Any
) -> None:
    _registry, token = governed
    grant = token.grantRole.encode_input(token.ISSUER_ROLE(), new_issuer)
    one = safe.signatures(token.address, grant, OWNERS[:1])
    with ape.reverts("GS020"):
        safe.safe.execTransaction(
            token, 0, grant, 0, 0, 0, 0, ZERO, ZERO, one, sender=safe.submitter
        )
    assert not token.hasRole(token.ISSUER_ROLE(), new_issuer)
    assert safe.safe_nonce() == 0


def test_a_stranger_cannot_co_sign(
    safe: SafeClient, governed: tuple[Any, Any], new_issuer: Any
) -> None:
    _registry, token = governed
    stranger = Account.from_key(keccak(text="sectoken not an owner"))
    grant = token.grantRole.encode_input(token.ISSUER_ROLE(), new_issuer)
    with ape.reverts("GS026"):
        safe.execute(token, grant, [OWNERS[0], stranger])
    assert not token.hasRole(token.ISSUER_ROLE(), new_issuer)


def test_a_failing_inner_call_reverts_the_safe_transaction(
    safe: SafeClient, governed: tuple[Any, Any], alice: Any, bob: Any
) -> None:
    """The Safe is admin but not controller: the forced transfer's AccessControl revert surfaces
    (safeTxGas 0 and gasPrice 0 make a failed call revert the whole execTransaction)."""
    _registry, token = governed
    forced = token.controllerTransfer.encode_input(alice, bob, 1, b"", b"")
    with ape.reverts("GS013"):
        safe.execute(token, forced, OWNERS[:2])
    assert safe.safe_nonce() == 0


def test_the_approve_hash_flow(deployer: Any, accounts: Any, token: Any, new_issuer: Any) -> None:
    """Owners that are wallets with gas: one approves the transaction hash on chain
    (``approveHash``), another submits it; both "signatures" are Safe's pre-validated kind
    (v = 1, r = the owner)."""
    owners = [accounts[7], accounts[9], deployer]  # not new_issuer (accounts[8])
    proxy = _deploy_safe(deployer, [o.address for o in owners], 8)
    hand_over(token, proxy.address, deployer)
    grant = token.grantRole.encode_input(token.ISSUER_ROLE(), new_issuer)
    nonce = int(proxy.call_view_method("nonce"))
    tx_hash = bytes(proxy.getTransactionHash(token, 0, grant, 0, 0, 0, 0, ZERO, ZERO, nonce))
    approver, submitter = owners[0], owners[2]
    receipt = proxy.approveHash(tx_hash, sender=approver)
    (approved,) = receipt.decode_logs(proxy.ApproveHash)
    assert approved.owner == approver.address and bytes(approved.approvedHash) == tx_hash
    assert proxy.approvedHashes(approver, tx_hash) == 1
    signatures = b"".join(
        int(owner.address, 16).to_bytes(32, "big") + bytes(32) + b"\x01"
        for owner in sorted((approver, submitter), key=lambda o: int(o.address, 16))
    )
    receipt = proxy.execTransaction(
        token, 0, grant, 0, 0, 0, 0, ZERO, ZERO, signatures, sender=submitter
    )
    assert len(list(receipt.decode_logs(proxy.ExecutionSuccess))) == 1
    assert token.hasRole(token.ISSUER_ROLE(), new_issuer)
    assert int(proxy.call_view_method("nonce")) == nonce + 1
