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
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import (
    collapse_if_tuple,
    event_signature_to_log_topic,
    function_signature_to_4byte_selector,
)
from eth_utils.crypto import keccak

from sectoken.errors import SectokenError

__all__ = [
    "DEFAULT_ADMIN_ROLE",
    "DELEGATES_TO",
    "SHARED_CODE",
    "SUITE_CONTRACTS",
    "AbiEvent",
    "AbiFunction",
    "bit_width",
    "builtin_error_entries",
    "bytecode",
    "canonical_type",
    "contract_abi",
    "contract_type_json",
    "entry_selector",
    "entry_signature",
    "error_entries",
    "event",
    "function",
    "function_entries",
    "merged_abi",
    "role_id",
    "role_names",
    "runtime_bytecode",
    "selector",
    "snake_case",
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

#: Code an issuer's tokens share without holding state of their own (deployed once, reused by
#: every token of the chain or issuer), by their key in the deployment file.
SHARED_CODE: Mapping[str, str] = {
    "module": "SecurityTokenAdmin",
    "factory": "SecurityTokenFactory",
    "implementation": "SecurityTokenClone",
}

#: A contract whose ``fallback`` delegatecalls a module for every selector it does not implement
#: itself: its ABI, as the package ships it, is its own plus the module's (``merged_abi``).
DELEGATES_TO: Mapping[str, str] = {
    "SecurityToken": "SecurityTokenAdmin",
    "SecurityTokenClone": "SecurityTokenAdmin",
    # the module's fallback runs its views in the queries contract it deployed
    "SecurityTokenAdmin": "SecurityTokenQueries",
}

_NOT_MERGED = frozenset({"constructor", "fallback", "receive"})


def merged_abi(
    own: Sequence[Mapping[str, Any]], module: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``own`` followed by the functions, events and errors of ``module`` that ``own`` lacks (by
    kind and canonical signature): what a caller can reach on a contract whose fallback
    delegatecalls ``module``. The module's constructor is not the contract's."""
    seen = {(e["type"], entry_signature(e)) for e in own if e["type"] not in _NOT_MERGED}
    merged = [dict(e) for e in own]
    for entry in module:
        if entry["type"] in _NOT_MERGED:
            continue
        key = (entry["type"], entry_signature(entry))
        if key not in seen:
            seen.add(key)
            merged.append(dict(entry))
    return merged


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


def canonical_type(param: Mapping[str, Any]) -> str:
    """The canonical ABI type of a parameter, a struct written as the tuple of its fields' types
    (the form signatures, selectors and eth_abi use)."""
    return str(collapse_if_tuple(dict(param)))


def _types(params: Sequence[Mapping[str, Any]]) -> list[str]:
    return [canonical_type(p) for p in params]


def _signature(name: str, params: Sequence[Mapping[str, Any]]) -> str:
    return f"{name}({','.join(_types(params))})"


def entry_signature(entry: Mapping[str, Any]) -> str:
    """The canonical signature of an ABI entry (function, event or error): ``name(types)``."""
    return _signature(str(entry["name"]), entry.get("inputs", []))


def entry_selector(entry: Mapping[str, Any]) -> bytes:
    """The 4-byte selector of a function or custom error entry."""
    return _selector_of(entry_signature(entry))


@cache
def _selector_of(signature: str) -> bytes:
    return bytes(function_signature_to_4byte_selector(signature))


@cache
def _topic_of(signature: str) -> str:
    return "0x" + bytes(event_signature_to_log_topic(signature)).hex()


def snake_case(name: str) -> str:
    """The Python spelling of an ABI name: ``maxBalanceBps`` -> ``max_balance_bps``,
    ``documentURI`` -> ``document_uri``."""
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", spaced).lower()


def bit_width(kind: str) -> int:
    """Bits of a packed-able value type: ``uint16`` -> 16, ``bool`` -> 1, ``address`` -> 160."""
    if kind == "bool":
        return 1
    if kind == "address":
        return 160
    for prefix in ("uint", "int"):
        if kind.startswith(prefix) and kind[len(prefix) :].isdigit():
            return int(kind[len(prefix) :])
    if kind.startswith("bytes") and kind[5:].isdigit():
        return 8 * int(kind[5:])
    if kind in ("uint", "int"):
        return 256
    raise SectokenError(f"{kind} is not a fixed-width value type")


# ------------------------------------------------------------------ fast word codecs
# eth_abi costs 20 to 90 us per call or log; the cap table decodes 10,000 logs and encodes
# 10,000 calls. Values of the static types below are one 32-byte word each, so they are read
# and written directly (other types, and any value these refuse, go through eth_abi).

_Reader = Callable[[bytes], Any]
_ZERO_PAD = bytes(12)


class _NotOneWord(ValueError):
    """Internal: a value or word the one-word codecs leave to eth_abi (which names the problem).
    Raised and caught inside this module only."""


def _word_reader(kind: str) -> _Reader | None:
    """A reader of one word as eth_abi's strict decoder reads it; it raises ValueError where
    eth_abi would refuse the word (non-zero padding), and the caller falls back to eth_abi."""
    if kind.startswith("uint") and kind[4:].isdigit():
        bits = int(kind[4:])

        def uint(word: bytes) -> int:
            value = int.from_bytes(word, "big")
            if value >> bits:
                raise _NotOneWord
            return value

        return uint
    if kind == "address":

        def address(word: bytes) -> str:
            if word[:12] != _ZERO_PAD:
                raise _NotOneWord
            return "0x" + bytes.hex(word[12:32])  # bytes' own hex, also for HexBytes

        return address
    if kind == "bool":

        def boolean(word: bytes) -> bool:
            if any(word[:31]) or word[31] > 1:
                raise _NotOneWord
            return word[31] == 1

        return boolean
    if kind.startswith("bytes") and kind[5:].isdigit():
        size = int(kind[5:])

        def fixed(word: bytes) -> bytes:
            if any(word[size:32]):
                raise _NotOneWord
            return bytes(word[:size])

        return fixed
    return None


def _static_readers(types: Sequence[str]) -> list[_Reader] | None:
    readers = [_word_reader(t) for t in types]
    return None if any(r is None for r in readers) else readers  # type: ignore[return-value]


def _word_writer(kind: str) -> Callable[[Any], bytes] | None:
    if kind.startswith("uint") and kind[4:].isdigit():
        limit = 1 << int(kind[4:])

        def uint(value: Any) -> bytes:
            if type(value) is not int or not 0 <= value < limit:
                raise _NotOneWord
            return value.to_bytes(32, "big")

        return uint
    if kind == "address":

        def address(value: Any) -> bytes:
            # Like eth_abi: 20 bytes of hex, the case (a checksum) is not verified.
            if not isinstance(value, str) or len(value) != 42 or value[:2] != "0x":
                raise _NotOneWord
            return bytes(12) + bytes.fromhex(value[2:])

        return address
    if kind == "bool":

        def boolean(value: Any) -> bytes:
            if type(value) is not bool:
                raise _NotOneWord
            return int(value).to_bytes(32, "big")

        return boolean
    if kind.startswith("bytes") and kind[5:].isdigit():
        size = int(kind[5:])

        def fixed(value: Any) -> bytes:
            if not isinstance(value, bytes | bytearray) or len(value) != size:
                raise _NotOneWord
            return bytes(value).ljust(32, b"\0")

        return fixed
    return None


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


@dataclass(frozen=True)
class AbiFunction:
    """One function of a contract's ABI: its selector, and encoding/decoding by name."""

    contract: str
    name: str
    inputs: tuple[Mapping[str, Any], ...]
    outputs: tuple[Mapping[str, Any], ...]

    @cached_property
    def signature(self) -> str:
        return _signature(self.name, self.inputs)

    @cached_property
    def selector(self) -> bytes:
        return _selector_of(self.signature)

    @cached_property
    def input_types(self) -> list[str]:
        return _types(self.inputs)

    @cached_property
    def output_types(self) -> list[str]:
        return _types(self.outputs)

    @cached_property
    def _writers(self) -> list[Callable[[Any], bytes]] | None:
        writers = [_word_writer(t) for t in self.input_types]
        return None if any(w is None for w in writers) else writers  # type: ignore[return-value]

    @cached_property
    def _readers(self) -> list[_Reader] | None:
        return _static_readers(self.output_types)

    def encode(self, *args: Any) -> bytes:
        """Calldata: selector followed by the encoded arguments."""
        if len(args) != len(self.inputs):
            raise SectokenError(
                f"{self.contract}.{self.name} takes {len(self.inputs)} arguments, got {len(args)}"
            )
        writers = self._writers
        if writers is not None:
            try:
                return self.selector + b"".join(w(a) for w, a in zip(writers, args, strict=True))
            except ValueError:
                pass  # eth_abi encodes it, or says what is wrong with the value
        return self.selector + abi_encode(self.input_types, list(args))

    def decode(self, data: bytes) -> tuple[Any, ...]:
        """The return values, in ABI order (structs as tuples)."""
        readers = self._readers
        if readers is not None and len(data) == 32 * len(readers):
            try:
                return tuple(r(data[32 * i : 32 * i + 32]) for i, r in enumerate(readers))
            except ValueError:
                pass  # eth_abi says what is wrong with the data
        return tuple(abi_decode(self.output_types, data))

    def decode_named(self, data: bytes) -> dict[str, Any]:
        """The return values keyed by their ABI names (structs as dicts keyed by field name;
        an unnamed value is ``_0``, ``_1``...)."""
        return _named(self.decode(data), self.outputs)

    def decode_one(self, data: bytes) -> Any:
        """The single return value (a struct as a dict keyed by field name)."""
        if len(self.outputs) != 1:
            raise SectokenError(f"{self.contract}.{self.name} returns {len(self.outputs)} values")
        return _shape(self.decode(data)[0], self.outputs[0])

    def input_index(self, name: str) -> int:
        """The position of the argument ``name``."""
        for index, param in enumerate(self.inputs):
            if param.get("name") == name:
                return index
        raise SectokenError(f"{self.contract}.{self.name} has no argument {name!r}")

    def struct_fields(self, argument: str | None = None) -> list[str]:
        """The field names, in ABI order, of the struct argument ``argument`` (default: the
        function's only struct argument)."""
        return [str(f["name"]) for f in self._struct_param(argument)["components"]]

    def _struct_param(self, argument: str | None) -> Mapping[str, Any]:
        structs = [
            p
            for p in self.inputs
            if p["type"] == "tuple" and (argument is None or p.get("name") == argument)
        ]
        if len(structs) != 1:
            raise SectokenError(f"{self.contract}.{self.name}: no single struct argument")
        return structs[0]

    def struct(self, values: Mapping[str, Any], argument: str | None = None) -> tuple[Any, ...]:
        """A struct argument as the tuple the ABI expects, from its fields by name.

        ``values`` keys are the ABI's field names or their snake_case spelling; every field is
        required and nothing else is accepted. ``argument`` names the struct argument (default:
        the function's only struct argument).
        """
        by_key = {str(k): v for k, v in values.items()}
        out: list[Any] = []
        for name in self.struct_fields(argument):
            for key in (name, snake_case(name)):
                if key in by_key:
                    out.append(by_key.pop(key))
                    break
            else:
                raise SectokenError(f"{self.contract}.{self.name}: field {name!r} is missing")
        if by_key:
            raise SectokenError(
                f"{self.contract}.{self.name}: no struct field {', '.join(map(repr, by_key))}"
            )
        return tuple(out)


@dataclass(frozen=True)
class AbiEvent:
    """One event of a contract's ABI: its topic, and decoding of a raw log by field name."""

    contract: str
    name: str
    inputs: tuple[Mapping[str, Any], ...]

    @cached_property
    def signature(self) -> str:
        return _signature(self.name, self.inputs)

    @cached_property
    def topic(self) -> str:
        """Topic 0 (0x-hex)."""
        return _topic_of(self.signature)

    @cached_property
    def topic_bytes(self) -> bytes:
        return bytes.fromhex(self.topic[2:])

    @cached_property
    def _indexed(self) -> list[Mapping[str, Any]]:
        return [p for p in self.inputs if p.get("indexed")]

    @cached_property
    def _plain(self) -> list[Mapping[str, Any]]:
        return [p for p in self.inputs if not p.get("indexed")]

    @cached_property
    def _topic_readers(self) -> list[tuple[str, _Reader]]:
        readers: list[tuple[str, _Reader]] = []
        for param in self._indexed:
            # An indexed dynamic value (string, bytes, array, struct) is stored as its hash:
            # the topic itself is the value.
            reader = _word_reader(canonical_type(param)) or bytes
            readers.append((str(param["name"]), reader))
        return readers

    @cached_property
    def _data_readers(self) -> list[_Reader] | None:
        return _static_readers(_types(self._plain))

    @cached_property
    def _order(self) -> list[str]:
        return [str(p["name"]) for p in self.inputs]

    @cached_property
    def _fast_plan(self) -> tuple[tuple[str, _Reader, bool, int], ...] | None:
        """(name, reader, from a topic, topic index or data offset) of every field in ABI
        order, when every non-indexed field is one static word."""
        static = self._data_readers
        if static is None:
            return None
        topic_readers = dict(self._topic_readers)
        plain_readers = {str(p["name"]): r for p, r in zip(self._plain, static, strict=True)}
        plain_names = [str(p["name"]) for p in self._plain]
        indexed_names = [str(p["name"]) for p in self._indexed]
        plan = []
        for name in self._order:
            if name in topic_readers:
                plan.append((name, topic_readers[name], True, 1 + indexed_names.index(name)))
            else:
                plan.append((name, plain_readers[name], False, 32 * plain_names.index(name)))
        return tuple(plan)

    def decode(self, topics: Sequence[bytes], data: bytes) -> dict[str, Any]:
        """The event's fields by name, from a log's topics (topic 0 included) and data."""
        readers = self._topic_readers
        if len(topics) != len(readers) + 1:
            raise SectokenError(
                f"{self.name}: a log with {len(topics)} topics, expected {len(readers) + 1}"
            )
        if bytes(topics[0]) != self.topic_bytes:
            raise SectokenError(f"the log is not a {self.name} event (topic 0 differs)")
        plan = self._fast_plan
        if plan is not None and len(data) == 32 * len(self._plain):
            try:
                return {
                    name: read(topics[at] if in_topic else data[at : at + 32])
                    for name, read, in_topic, at in plan
                }
            except ValueError:
                pass  # a malformed word: the slow path below says which
        fields: dict[str, Any] = {}
        for (name, read), word in zip(readers, topics[1:], strict=True):
            try:
                fields[name] = read(bytes(word))
            except ValueError:
                raise SectokenError(f"{self.name}: topic {name} is not a valid value") from None
        plain = self._plain
        fields.update(_named(abi_decode(_types(plain), data), plain))
        return {name: fields[name] for name in self._order}

    def matches(self, topics: Sequence[bytes]) -> bool:
        """Whether a log with these topics is this event (topic 0 and the number of topics)."""
        return len(topics) == len(self._indexed) + 1 and bytes(topics[0]) == self.topic_bytes

    def topic_filter(self, values: Mapping[str, Any] | None = None) -> list[str | None]:
        """The ``topics`` of an ``eth_getLogs`` query for this event, with the indexed fields
        named in ``values`` fixed (None, a wildcard, for the others)."""
        wanted = dict(values or {})
        topics: list[str | None] = [self.topic]
        for param in self._indexed:
            name = str(param["name"])
            if name in wanted:
                kind = canonical_type(param)
                if _word_reader(kind) is None:
                    raise SectokenError(
                        f"{self.name}.{name} is {kind}: its topic is a hash, not the value"
                    )
                word = abi_encode([kind], [wanted.pop(name)])
                topics.append("0x" + word.hex())
            else:
                topics.append(None)
        if wanted:
            raise SectokenError(f"{self.name} has no indexed field {', '.join(map(repr, wanted))}")
        while topics[-1] is None:
            topics.pop()
        return topics


def _entries(contract: str, kind: str, name: str) -> list[dict[str, Any]]:
    return [e for e in contract_abi(contract) if e.get("type") == kind and e.get("name") == name]


@cache
def function(contract: str, name: str, arity: int | None = None) -> AbiFunction:
    """The function ``name`` of ``contract`` (``arity`` picks one of several overloads; ``name``
    given as a full signature, the name with its canonical types in parentheses, picks one of
    several overloads of the same arity)."""
    signature = None
    if "(" in name:
        signature, name = name, name.split("(", 1)[0]
    found = _entries(contract, "function", name)
    if signature is not None:
        found = [e for e in found if entry_signature(e) == signature]
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


def function_entries(contract: str, names: Sequence[str]) -> list[dict[str, Any]]:
    """The ABI entries of the functions ``names`` of ``contract`` (e.g. the ERC-20 subset of the
    token's ABI, to talk to any ERC-20)."""
    found = [e for e in contract_abi(contract) if e.get("type") == "function"]
    chosen = [e for e in found if e.get("name") in names]
    missing = set(names) - {e["name"] for e in chosen}
    if missing:
        raise SectokenError(f"{contract} has no function {', '.join(sorted(missing))}")
    return chosen


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
                seen.setdefault(entry_signature(entry), entry)
    return list(seen.values())


def builtin_error_entries() -> list[dict[str, Any]]:
    """Solidity's two built-in errors as ABI entries (no contract declares them in its ABI):
    ``Error`` with a message (``require``/``revert`` with a string) and ``Panic`` with a code."""
    return [
        {"type": "error", "name": "Error", "inputs": [{"name": "message", "type": "string"}]},
        {"type": "error", "name": "Panic", "inputs": [{"name": "code", "type": "uint256"}]},
    ]


#: OpenZeppelin AccessControl's admin role: the zero word, not a hash of its name.
DEFAULT_ADMIN_ROLE = "DEFAULT_ADMIN_ROLE"


@cache
def role_names(contracts: Sequence[str] = tuple(SUITE_CONTRACTS.values())) -> tuple[str, ...]:
    """The roles the contracts declare: their ``X_ROLE()`` getters returning a bytes32."""
    names: dict[str, None] = {}
    for contract in contracts:
        for entry in contract_abi(contract):
            name = str(entry.get("name", ""))
            outputs = entry.get("outputs", [])
            if (
                entry.get("type") == "function"
                and name.endswith("_ROLE")
                and not entry.get("inputs")
                and [o.get("type") for o in outputs] == ["bytes32"]
            ):
                names[name] = None
    return tuple(sorted(names))


def role_id(role: str) -> bytes:
    """The bytes32 id of ``role`` (keccak256 of its name, as the contracts define each
    ``X_ROLE`` constant; the zero word for ``DEFAULT_ADMIN_ROLE``). Unknown names are refused."""
    if role not in role_names():
        raise SectokenError(
            f"no suite contract declares the role {role!r}",
            hint=f"the roles are {', '.join(role_names())}",
        )
    return bytes(32) if role == DEFAULT_ADMIN_ROLE else bytes(keccak(role.encode()))


def uint_max(contract: str, function_name: str, path: str) -> int:
    """The largest value an unsigned integer parameter accepts, read from the ABI's width.

    ``path`` names the parameter, and a struct's field after a dot:
    ``uint_max("SecurityToken", "setRules", "r.maxHolders")``.
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
