"""Addresses of CREATE2 deployments through ``SecurityTokenFactory``, computed before sending.

The factory binds every salt to the account that calls it (and a clone's salt to its name, symbol
and admin too); these functions repeat its arithmetic so that the deploy plan can show, and a
re-run can look up, every address before anything is sent. ``tests/contracts/test_factory.py``
checks them against the factory's own ``predictDeployment`` and ``predictClone``.
"""

from __future__ import annotations

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

__all__ = [
    "CLONE_SALT",
    "IMPLEMENTATION_SALT",
    "WIRED_SALT",
    "clone_address",
    "clone_args",
    "clone_init_code",
    "create2_address",
    "deployment_address",
    "wired_address",
]

#: The salt of an issuer's clone implementation, and of its tokens (each token's effective salt
#: also binds its name, symbol and admin, so one salt serves every token).
IMPLEMENTATION_SALT = keccak(b"sectoken.clone-implementation.v1")
CLONE_SALT = keccak(b"sectoken.token.v1")
#: The salt of a full-mode token the factory creates and configures (``deployWired``); the
#: address also depends on the deployer, the admin and the creation code (name, symbol, ...).
WIRED_SALT = keccak(b"sectoken.wired-token.v1")

_PROXY_HEAD = bytes.fromhex("3d81600a3d39f3363d3d373d3d3d363d73")
_PROXY_TAIL = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")
_PROXY_SIZE = 0x2D


def _raw(address: str) -> bytes:
    return bytes.fromhex(to_checksum_address(address)[2:])


def _word(address: str) -> bytes:
    """An address as Solidity's abi.encode writes it: one 32-byte word, left-padded."""
    return bytes(12) + _raw(address)


def create2_address(factory: str, salt: bytes, init_code_hash: bytes) -> str:
    """EIP-1014: the address ``factory`` creates with ``salt`` and code of that hash."""
    digest = keccak(b"\xff" + _raw(factory) + salt + init_code_hash)
    return to_checksum_address(digest[12:])


def deployment_address(factory: str, deployer: str, salt: bytes, init_code: bytes) -> str:
    """The address ``SecurityTokenFactory.deploy(salt, init_code)`` sent by ``deployer`` creates."""
    bound = keccak(_word(deployer) + salt)  # the factory's keccak256(abi.encode(deployer, salt))
    return create2_address(factory, bound, keccak(init_code))


def wired_address(factory: str, deployer: str, salt: bytes, init_code: bytes, admin: str) -> str:
    """The address ``SecurityTokenFactory.deployWired(salt, init_code, admin, ...)`` sent by
    ``deployer`` creates (its salt binds the deployer and the admin)."""
    bound = keccak(_word(deployer) + salt + _word(admin))
    return create2_address(factory, bound, keccak(init_code))


def clone_args(registry: str, decimals: int) -> bytes:
    """A clone-mode token's immutable arguments: the registry's 20 bytes, the decimals' byte."""
    return _raw(registry) + bytes([decimals])


def clone_init_code(implementation: str, args: bytes) -> bytes:
    """OpenZeppelin Clones' creation code of an EIP-1167 proxy with immutable arguments."""
    size = (len(args) + _PROXY_SIZE).to_bytes(2, "big")
    return b"\x61" + size + _PROXY_HEAD + _raw(implementation) + _PROXY_TAIL + args


def clone_address(
    factory: str,
    deployer: str,
    implementation: str,
    *,
    name: str,
    symbol: str,
    decimals: int,
    registry: str,
    admin: str,
    salt: bytes = CLONE_SALT,
) -> str:
    """The address ``SecurityTokenFactory.cloneToken`` sent by ``deployer`` creates."""
    # The factory's keccak256(abi.encode(deployer, salt, keccak256(name), keccak256(symbol),
    # admin)): five static 32-byte words.
    bound = keccak(
        _word(deployer) + salt + keccak(name.encode()) + keccak(symbol.encode()) + _word(admin)
    )
    code = clone_init_code(implementation, clone_args(registry, decimals))
    return create2_address(factory, bound, keccak(code))
