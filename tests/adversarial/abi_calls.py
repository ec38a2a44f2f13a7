"""Build calls from a contract's ABI, so that the adversarial tests enumerate every function the
compiled contract has instead of a hand-kept list that a new function could slip past."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from sectoken.chain.client import ChainClient, Receipt, RpcError

ZERO = "0x" + "00" * 20

ArgFor = Callable[[str, str], Any]


def state_changing(contract_type: Any) -> dict[str, Any]:
    """Name -> ABI of every non-view, non-pure function (names are unique in our contracts)."""
    methods: dict[str, Any] = {}
    for item in contract_type.abi:
        if item.type == "function" and item.stateMutability not in ("view", "pure"):
            assert item.name not in methods, f"overloaded {item.name}: extend the helper"
            methods[item.name] = item
    return methods


def value_for(abi_type: Any, address: Callable[[str], Any], amount: int = 1) -> Any:
    """A plausible value of ``abi_type``: ``address(param_name)`` for addresses, ``amount`` for
    integers, one element for arrays, recursing into tuples."""
    kind: str = abi_type.type
    array = re.fullmatch(r"(.*)\[(\d*)\]", kind)
    if array:
        inner = abi_type.model_copy(update={"type": array.group(1)})
        count = int(array.group(2) or 1)
        return [value_for(inner, address, amount) for _ in range(count)]
    if kind == "tuple":
        return tuple(value_for(c, address, amount) for c in abi_type.components or [])
    if kind == "address":
        return address(abi_type.name or "")
    if kind == "bool":
        return True
    if kind.startswith(("uint", "int")):
        return amount
    if kind == "string":
        return "x"
    if kind == "bytes":
        return b"x"
    size = re.fullmatch(r"bytes(\d+)", kind)
    if size:
        return b"\x01" * int(size.group(1))
    raise AssertionError(f"no sample value for ABI type {kind}")


def address_params(method: Any) -> list[str]:
    """Names of the (top-level) address parameters of ``method``."""
    return [i.name for i in method.inputs if i.type == "address"]


def variants(method: Any, target: Any, other: Any, amount: int = 1) -> Iterator[list[Any]]:
    """Argument lists for ``method``: each address parameter in turn set to ``target`` (the
    others to ``other``), and all of them ``target``; one list when there is no address."""
    names = address_params(method)
    if not names:
        yield [value_for(i, lambda _n: other, amount) for i in method.inputs]
        return
    choices = [{n} for n in names]
    if len(names) > 1:
        choices.append(set(names))
    for chosen in choices:
        yield [
            value_for(i, lambda n, c=chosen: target if n in c else other, amount)
            for i in method.inputs
        ]


class Raw:
    """Calls and transactions straight through the node's JSON-RPC with the package's chain client
    (about ten times faster than Ape's transaction path, which matters when a test loops over
    every selector); calldata from Ape's ABI encoder, reverts decoded by the client against the
    suite's custom errors."""

    GAS = 5_000_000

    def __init__(self, chain: Any) -> None:
        self.chain = chain
        self.client = ChainClient(chain.provider.web3)

    @staticmethod
    def data(contract: Any, fn: str, args: list[Any]) -> bytes:
        methods = {**contract._view_methods_, **contract._mutable_methods_}
        # by the ABI's names: Ape's own attributes shadow some (``delegate``, ERC-5805's)
        return bytes(methods[fn].encode_input(*args))

    def call(
        self, contract: Any, fn: str, args: list[Any], sender: Any, value: int = 0
    ) -> tuple[bool, bytes]:
        """``eth_call``: (True, return data) or (False, revert data)."""
        data = self.data(contract, fn, args)
        return self.client.call(
            contract.address, data, sender=sender.address, value=value, gas=self.GAS
        )

    def send(self, contract: Any, fn: str, args: list[Any], sender: Any, value: int = 0) -> Receipt:
        """A mined transaction (reverts are mined with status 0); returns its receipt."""
        self.client.request("anvil_impersonateAccount", [sender.address])
        data = self.data(contract, fn, args)
        try:
            return self.client.transact(
                sender.address, contract.address, data, value=value, gas=self.GAS
            )
        except RpcError as exc:
            raise AssertionError(f"{fn} from {sender.address} not accepted: {exc}") from exc

    def error(self, revert: bytes) -> tuple[str, dict[str, Any]]:
        """Decode ``revert`` as one of the suite's custom errors: (name, arguments)."""
        decoded = self.client.decode_revert(revert)
        if decoded is None:
            return f"<unknown 0x{revert[:4].hex()}>", {}
        return decoded.name, dict(decoded.args)
