"""docs/INTERFACES.md cannot drift from the contracts: every signature written in it exists in the
packaged ABI with exactly those parameter types (and names, ``indexed`` markers and return types
where the page gives them).

A signature is any ``name(...)`` inside backticks; each parameter must start with its Solidity
type (a struct as a parenthesised list of typed fields). ``constructor(...)`` and
``ContractName(...)`` are constructors (of the section's contract, or of the named one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sectoken.abi import SUITE_CONTRACTS, canonical_type, contract_abi

DOC = Path(__file__).resolve().parents[2] / "docs" / "INTERFACES.md"

_WIDTHS = "|".join(str(bits) for bits in range(256, 0, -8))
_VALUE_TYPE = re.compile(
    rf"(?:u?int(?:{_WIDTHS})?|address|bool|string|bytes(?:3[0-2]|[12][0-9]|[1-9])?)(?:\[\d*\])*"
)


@dataclass(frozen=True)
class Param:
    type: str  # canonical: structs as (types)
    name: str
    indexed: bool


@dataclass(frozen=True)
class Signature:
    text: str
    line: int
    section: str
    name: str
    inputs: tuple[Param, ...]
    outputs: tuple[Param, ...] | None  # None: the page gives no return type


class DocError(ValueError):
    pass


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return [p.strip() for p in parts]


def _closing(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at ``start``."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index
    raise DocError(f"unbalanced parentheses in {text!r}")


def parse_param(text: str) -> Param:
    """``uint256 id``, ``address indexed wallet``, ``bytes``, ``(bool a, uint24 b) r``."""
    if text.startswith("("):
        end = _closing(text, 0)
        fields = [parse_param(p) for p in _split_top(text[1:end])]
        rest = text[end + 1 :]
        arrays = re.match(r"(?:\[\d*\])*", rest)
        suffix = arrays.group(0) if arrays else ""
        kind = "(" + ",".join(f.type for f in fields) + ")" + suffix
        words = rest[len(suffix) :].split()
    else:
        words = text.split()
        if not words or not _VALUE_TYPE.fullmatch(words[0]):
            raise DocError(f"parameter {text!r} does not start with a Solidity type")
        kind, words = words[0], words[1:]
    indexed = bool(words) and words[0] == "indexed"
    words = words[1:] if indexed else words
    if len(words) > 1:
        raise DocError(f"parameter {text!r}: expected 'type [indexed] [name]'")
    return Param(kind, words[0] if words else "", indexed)


def parse_signatures(markdown: str) -> Iterator[Signature]:
    section = ""
    for number, line in enumerate(markdown.splitlines(), start=1):
        if line.startswith("## "):
            section = line[3:].split("(")[0].strip()
            continue
        for span in re.findall(r"`([^`]+)`", line):
            for match in re.finditer(r"\b([A-Za-z_]\w*)\(", span):
                if match.start() and span[match.start() - 1] == ".":
                    continue
                yield _signature(span, match, number, section)


def _signature(span: str, match: re.Match[str], line: int, section: str) -> Signature:
    start = match.end() - 1
    end = _closing(span, start)
    inputs = tuple(parse_param(p) for p in _split_top(span[start + 1 : end]))
    outputs: tuple[Param, ...] | None = None
    rest = span[end + 1 :].lstrip()
    if rest.startswith("->"):
        ret = rest[2:].strip()
        if ret.startswith("("):
            close = _closing(ret, 0)
            outputs = tuple(parse_param(p) for p in _split_top(ret[1:close]))
        else:
            outputs = (parse_param(ret),)
    text = span[match.start() : end + 1]
    return Signature(text, line, section, match.group(1), inputs, outputs)


def _abi_params(entries: Any) -> tuple[Param, ...]:
    return tuple(
        Param(canonical_type(p), str(p.get("name") or ""), bool(p.get("indexed"))) for p in entries
    )


def _same(doc: tuple[Param, ...], abi: tuple[Param, ...]) -> bool:
    return len(doc) == len(abi) and all(
        d.type == a.type
        and (not d.name or d.name == a.name.rstrip("_"))
        and (d.indexed == a.indexed)
        for d, a in zip(doc, abi, strict=True)
    )


def _show(name: str, params: tuple[Param, ...]) -> str:
    inner = ", ".join(
        " ".join(x for x in (p.type, "indexed" if p.indexed else "", p.name) if x) for p in params
    )
    return f"{name}({inner})"


def check(signature: Signature) -> str | None:
    """None when the ABI has the signature; otherwise what is wrong."""
    contracts: Mapping[str, str] = {c: c for c in SUITE_CONTRACTS.values()}
    if signature.name in contracts:
        kinds, name, where = ("constructor",), None, [signature.name]
    elif signature.name == "constructor":
        kinds, name, where = ("constructor",), None, [signature.section]
    else:
        kinds, name, where = ("function", "event", "error"), signature.name, list(contracts)
    candidates = [
        (contract, entry)
        for contract in where
        if contract in contracts
        for entry in contract_abi(contract)
        if entry.get("type") in kinds and (name is None or entry.get("name") == name)
    ]
    if not candidates:
        return f"no {signature.name!r} in the ABI of {', '.join(where)}"
    for _contract, entry in candidates:
        inputs = _abi_params(entry.get("inputs", []))
        if not _same(signature.inputs, inputs):
            continue
        if signature.outputs is None:
            return None
        if _same(signature.outputs, _abi_params(entry.get("outputs", []))):
            return None
    found = "; ".join(
        f"{c}.{_show(str(e.get('name') or 'constructor'), _abi_params(e.get('inputs', [])))}"
        + (
            f" -> ({', '.join(p.type for p in _abi_params(e['outputs']))})"
            if e.get("outputs")
            else ""
        )
        for c, e in candidates
    )
    return f"the ABI has {found}"


def mismatches(markdown: str) -> list[str]:
    problems: list[str] = []
    for signature in parse_signatures(markdown):
        problem = check(signature)
        if problem:
            problems.append(f"line {signature.line}: `{signature.text}`: {problem}")
    return problems


def test_every_signature_in_interfaces_md_matches_the_abi() -> None:
    markdown = DOC.read_text(encoding="utf-8")
    try:
        signatures = list(parse_signatures(markdown))
    except DocError as exc:
        pytest.fail(f"docs/INTERFACES.md: {exc}")
    assert len(signatures) >= 60, "the page's signatures must be found"
    problems = mismatches(markdown)
    assert not problems, "docs/INTERFACES.md disagrees with the ABI:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # The two drifts issue 15 found: uint32 maxHolders and canTransfer's return type.
        (
            "- `setRules((bool requireAccreditation, bool countryAllowList, uint32 maxHolders, "
            "uint32 holdingPeriod, uint256 maxBalance, uint16 maxBalanceBps, "
            "uint256 minPosition) r)`",
            "SecurityToken.setRules((bool,bool,uint24,uint32,uint256,uint16,uint256) r)",
        ),
        (
            "- `canTransfer(address to, uint256 value, bytes) -> (bytes1 status, bytes32 reason)`",
            "-> (bool, bytes1, bytes32)",
        ),
        ("- `InvestorAdded(address wallet, uint256 record)`", "address indexed wallet"),
        ("- `issue(address to, uint256 amount, bytes data)`", "issue(address to, uint256 value"),
        ("- `noSuchFunction(uint256 id)`", "no 'noSuchFunction' in the ABI"),
    ],
)
def test_a_drifted_line_is_named(line: str, expected: str) -> None:
    problems = mismatches("## SecurityToken\n" + line + "\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith("line 2: `"), problems
    assert expected in problems[0], problems


def test_untyped_parameters_are_refused() -> None:
    with pytest.raises(DocError, match="does not start with a Solidity type"):
        list(parse_signatures("- `issue(to, amount, data)`\n"))


def test_matching_lines_pass() -> None:
    markdown = (
        "## SecurityToken\n"
        "- `constructor(string name, string symbol, uint8 decimals, address registry, "
        "address admin, address adminModule)`, `canTransfer(address to, uint256 value, bytes) "
        "-> (bool, bytes1, bytes32)`, `pause()`\n"
        "- `DividendDistributor(address registry, address admin)`, `Claimed(uint256 indexed id, "
        "address indexed token, address indexed holder, address payee, uint256 amount, "
        "uint256 withheld)`\n"
    )
    assert len(list(parse_signatures(markdown))) == 5
    assert mismatches(markdown) == []
