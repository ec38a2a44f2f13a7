"""The contracts' ABI and bytecode, shipped with the package: the one source of truth in Python.

The JSON files in ``sectoken/abi/data`` are generated from the compiler's output by
``python -m sectoken.dev.artifacts export`` (``make artifacts``); a test compiles the contracts and
fails when they are stale. Everything Python knows about the contracts comes from here: function
selectors, event topics, the names and types of struct fields, custom errors, integer widths.
Nothing in ``src/`` writes a signature string, a selector or a struct position by hand.

This module is pure data and ABI arithmetic (``eth_utils``/``eth_abi``): no chain access, so the
model layer (the deploy spec's bounds) may use it too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import collapse_if_tuple

from sectoken.errors import SectokenError

__all__ = [
    "SUITE_CONTRACTS",
    "AbiEvent",
    "AbiFunction",
    "bytecode",
    "contract_abi",
    "contract_type_json",
    "error_entries",
    "event",
    "function",
    "runtime_bytecode",
    "selector",
    "topic",
    "uint_max",
]

#: The contracts a suite deploys, by their role in the deployment file.
SUITE_CONTRACTS: Mapping[str, str] = {
    "registry": "InvestorRegistry",
    "token": "SecurityToken",
    "dividends": "DividendDistributor",
    "voting": "ShareholderVoting",
}


@cache
def contract_type_json(name: str) -> dict[str, Any]:
    """The packaged contract type (ABI, deployment and runtime bytecode) of ``name``."""
    try:
        text = resources.files("sectoken.abi").joinpath("data", f"{name}.json").read_text()
    except FileNotFoundError:
        raise SectokenError(f"no packaged ABI for contract {name!r}") from None
    data: dict[str, Any] = json.loads(text)
    return data


def contract_abi(name: str) -> list[dict[str, Any]]:
    """The ABI entries of ``name``."""
    abi: list[dict[str, Any]] = contract_type_json(name)["abi"]
    return abi


def bytecode(name: str) -> str:
    """Creation bytecode (0x-hex) of ``name``."""
    return str(contract_type_json(name)["deploymentBytecode"]["bytecode"])


def runtime_bytecode(name: str) -> str:
    """Deployed (runtime) bytecode (0x-hex) of ``name``."""
    return str(contract_type_json(name)["runtimeBytecode"]["bytecode"])


def _types(params: Sequence[Mapping[str, Any]]) -> list[str]:
    return [collapse_if_tuple(dict(p)) for p in params]


def _signature(name: str, params: Sequence[Mapping[str, Any]]) -> str:
    return f"{name}({','.join(_types(params))})"


def _named(values: Sequence[Any], params: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Decoded values keyed by the ABI's names; tuples (structs) become dicts, recursively."""
    out: dict[str, Any] = {}
    for i, (value, param) in enumerate(zip(values, params, strict=True)):
        out[param.get("name") or f"_{i}"] = _shape(value, param)
    return out


def _shape(value: Any, param: Mapping[str, Any]) -> Any:
    kind = str(param["type"])
    if not kind.startswith("tuple"):
        return value
    components = param["components"]
    if kind == "tuple":
        return _named(value, components)
    inner = {**param, "type": kind[: kind.rindex("[")]}
    return [_shape(item, inner) for item in value]


@dataclass(frozen=True, slots=True)
class AbiFunction:
    """One function of a contract's ABI: its selector, and encoding/decoding by name."""

    contract: str
    name: str
    inputs: tuple[Mapping[str, Any], ...]
    outputs: tuple[Mapping[str, Any], ...]

    @property
    def signature(self) -> str:
        return _signature(self.name, self.inputs)

    @property
    def selector(self) -> bytes:
        from eth_utils.crypto import keccak

        return keccak(text=self.signature)[:4]

    @property
    def input_types(self) -> list[str]:
        return _types(self.inputs)

    @property
    def output_types(self) -> list[str]:
        return _types(self.outputs)

    def encode(self, *args: Any) -> bytes:
        """Calldata: selector followed by the encoded arguments."""
        return self.selector + abi_encode(self.input_types, list(args))

    def decode(self, data: bytes) -> tuple[Any, ...]:
        """The return values, in ABI order (structs as tuples)."""
        return tuple(abi_decode(self.output_types, data))

    def decode_named(self, data: bytes) -> dict[str, Any]:
        """The return values keyed by their ABI names (structs as dicts keyed by field name)."""
        return _named(self.decode(data), self.outputs)


@dataclass(frozen=True, slots=True)
class AbiEvent:
    """One event of a contract's ABI: its topic, and decoding of a raw log by field name."""

    contract: str
    name: str
    inputs: tuple[Mapping[str, Any], ...]

    @property
    def signature(self) -> str:
        return _signature(self.name, self.inputs)

    @property
    def topic(self) -> str:
        """Topic 0 (0x-hex)."""
        from eth_utils.crypto import keccak

        return "0x" + keccak(text=self.signature).hex()

    def decode(self, topics: Sequence[bytes], data: bytes) -> dict[str, Any]:
        """The event's fields by name, from a log's topics (topic 0 included) and data."""
        indexed = [p for p in self.inputs if p.get("indexed")]
        plain = [p for p in self.inputs if not p.get("indexed")]
        if len(topics) != len(indexed) + 1:
            raise SectokenError(
                f"{self.name}: a log with {len(topics)} topics, expected {len(indexed) + 1}"
            )
        fields: dict[str, Any] = {}
        for param, word in zip(indexed, topics[1:], strict=True):
            kind = collapse_if_tuple(dict(param))
            dynamic = kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")
            # An indexed dynamic value is stored as its hash: the topic itself is the value.
            fields[param["name"]] = bytes(word) if dynamic else abi_decode([kind], word)[0]
        fields.update(_named(abi_decode(_types(plain), data), plain))
        return {p["name"]: fields[p["name"]] for p in self.inputs}


def _entries(contract: str, kind: str, name: str) -> list[dict[str, Any]]:
    return [e for e in contract_abi(contract) if e.get("type") == kind and e.get("name") == name]


@cache
def function(contract: str, name: str, arity: int | None = None) -> AbiFunction:
    """The function ``name`` of ``contract`` (``arity`` picks one of several overloads)."""
    found = _entries(contract, "function", name)
    if arity is not None:
        found = [e for e in found if len(e.get("inputs", [])) == arity]
    if len(found) != 1:
        what = "no" if not found else f"{len(found)} overloads of"
        raise SectokenError(f"{contract} has {what} function {name!r}" + _arity(arity))
    entry = found[0]
    return AbiFunction(
        contract, name, tuple(entry.get("inputs", [])), tuple(entry.get("outputs", []))
    )


def _arity(arity: int | None) -> str:
    return "" if arity is None else f" with {arity} arguments"


@cache
def event(contract: str, name: str) -> AbiEvent:
    """The event ``name`` emitted by ``contract``."""
    found = _entries(contract, "event", name)
    if len(found) != 1:
        raise SectokenError(f"{contract} has {len(found)} events named {name!r}")
    return AbiEvent(contract, name, tuple(found[0].get("inputs", [])))


def selector(contract: str, name: str, arity: int | None = None) -> bytes:
    """The 4-byte selector of ``contract.name``."""
    return function(contract, name, arity).selector


def topic(contract: str, name: str) -> str:
    """Topic 0 (0x-hex) of the event ``contract.name``."""
    return event(contract, name).topic


def error_entries(
    contracts: Sequence[str] = tuple(SUITE_CONTRACTS.values()),
) -> list[dict[str, Any]]:
    """Every custom error declared in the ABIs of ``contracts`` (duplicates removed)."""
    seen: dict[str, dict[str, Any]] = {}
    for contract in contracts:
        for entry in contract_abi(contract):
            if entry.get("type") == "error":
                seen.setdefault(_signature(entry["name"], entry.get("inputs", [])), entry)
    return list(seen.values())


def uint_max(contract: str, function_name: str, path: str) -> int:
    """The largest value an unsigned integer parameter accepts, read from the ABI's width.

    ``path`` names the parameter, and a struct's field after a dot:
    ``uint_max("SecurityToken", "setRules", "newRules.maxHolders")``.
    """
    head, *rest = path.split(".")
    params: Sequence[Mapping[str, Any]] = function(contract, function_name).inputs
    param = _find(params, head, contract, function_name)
    for part in rest:
        param = _find(param.get("components", []), part, contract, function_name)
    kind = str(param["type"])
    if not kind.startswith("uint") or "[" in kind:
        raise SectokenError(f"{contract}.{function_name}: {path} is {kind}, not an unsigned int")
    bits = int(kind[4:] or 256)
    return (1 << bits) - 1


def _find(
    params: Sequence[Mapping[str, Any]], name: str, contract: str, function_name: str
) -> Mapping[str, Any]:
    for param in params:
        if param.get("name") == name:
            return param
    raise SectokenError(f"{contract}.{function_name} has no parameter or field {name!r}")
