"""View calls encoded and decoded with the packaged ABI: results by the ABI's names.

``read_named(w3, token.address, function("SecurityToken", "rules"))["r"]["maxHolders"]`` rather
than ``token.rules()[2]``: a struct field is found by its name, never by its position, and the
call goes straight to the node (no framework per call).
"""

from __future__ import annotations

from typing import Any

from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.types import BlockIdentifier

from sectoken.abi import AbiFunction

__all__ = ["read", "read_named", "read_raw"]


def read_raw(
    w3: Web3, address: str, fn: AbiFunction, *args: Any, block: BlockIdentifier = "latest"
) -> bytes:
    """The raw return data of ``fn(*args)`` called on ``address``."""
    raw = w3.eth.call(
        {"to": to_checksum_address(address), "data": "0x" + fn.encode(*args).hex()},  # type: ignore[typeddict-item]
        block_identifier=block,
    )
    return bytes(raw)


def read(
    w3: Web3, address: str, fn: AbiFunction, *args: Any, block: BlockIdentifier = "latest"
) -> Any:
    """The single return value of ``fn(*args)`` (a struct as a dict keyed by field name)."""
    return fn.decode_one(read_raw(w3, address, fn, *args, block=block))


def read_named(
    w3: Web3, address: str, fn: AbiFunction, *args: Any, block: BlockIdentifier = "latest"
) -> dict[str, Any]:
    """The return values of ``fn(*args)`` keyed by their ABI names."""
    return fn.decode_named(read_raw(w3, address, fn, *args, block=block))
