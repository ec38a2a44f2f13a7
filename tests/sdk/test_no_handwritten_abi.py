"""No ABI fact is written by hand in ``src/sectoken``: everything comes from ``sectoken.abi``.

The scanner flags, with file:line,
- a Solidity signature in a string (code, docstring or message): an identifier followed by a
  parenthesised list of Solidity types, ``Transfer(address,address,uint256)``, or the start of one
  (``Foo(uint256,`` before an f-string placeholder), or a bare tuple type ``(string,uint64)``;
- ``keccak(text=`` anywhere (how selectors and topics used to be computed by hand);
- a 4-byte selector literal: ``0x`` and exactly 8 hex digits, or ``fromhex("08c379a0")``;
- an eth_abi type list written out: ``decode([`` / ``encode([`` followed by a literal string.
The scanner's own tests plant each kind in a small sample, so the check is known to fail.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "sectoken"

_WIDTHS = "|".join(str(bits) for bits in range(256, 0, -8))
_BASE = rf"(?:u?int(?:{_WIDTHS})?|address|bool|string|bytes(?:3[0-2]|[12][0-9]|[1-9])?)"
_ARRAY = r"(?:\[\d*\])*"
_TUPLE = rf"\({_BASE}{_ARRAY}(?:,{_BASE}{_ARRAY})*\){_ARRAY}"
_TYPE = rf"(?:{_BASE}{_ARRAY}|{_TUPLE})"
_SIGNATURE = re.compile(
    rf"(?<!\w)[A-Za-z_]\w*\({_TYPE}(?:,{_TYPE})*(?:\)|,)"  # Name(types) or Name(types,
    rf"|(?<![\w)])\({_TYPE}(?:,{_TYPE})+\)"  # a bare tuple type of two or more
)
_CODE_RULES = (
    ("keccak(text=", re.compile(r"keccak\(\s*text\s*=")),
    ("4-byte selector literal", re.compile(r"(?<![0-9A-Za-z_])0x[0-9a-fA-F]{8}(?![0-9a-fA-F])")),
    ("4-byte selector literal", re.compile(r"fromhex\(\s*[\"'][0-9a-fA-F]{8}[\"']\s*\)")),
    ("eth_abi type list", re.compile(r"\b(?:decode|encode)\(\s*[\[(]\s*[rbu]?[\"']")),
)


def scan_source(text: str, name: str = "<sample>") -> list[str]:
    """Every hand-written ABI fact in ``text`` (Python source), as ``name:line: what``."""
    found: list[str] = []
    for what, pattern in _CODE_RULES:
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{name}:{line}: {what}: {match.group(0)!r}")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in _SIGNATURE.finditer(node.value):
                line = node.lineno + node.value.count("\n", 0, match.start())
                found.append(f"{name}:{line}: Solidity signature: {match.group(0)!r}")
    return sorted(set(found))


def scan_tree(root: Path) -> list[str]:
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        found += scan_source(path.read_text(encoding="utf-8"), str(path.relative_to(root.parent)))
    return found


def test_src_has_no_handwritten_abi_facts() -> None:
    files = list(SRC.rglob("*.py"))
    assert len(files) > 40, "the scan must see the package's modules"
    found = scan_tree(SRC)
    assert not found, "hand-written ABI facts (use sectoken.abi):\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("sample", "what", "line"),
    [
        ('TRANSFER = event_topic("Transfer(address,address,uint256)")\n', "Solidity signature", 2),
        ('X = sig("isPaid(uint256,address)")\n', "Solidity signature", 2),
        ('X = sig("recordsOfMany(address[])")\n', "Solidity signature", 2),
        ('X = sig("setPaused(bool)")\n', "Solidity signature", 2),
        ('X = "see InvestorRegistry.investor(address)"\n', "Solidity signature", 2),
        ('X = sig(f"BallotCreated(uint256,uint256,{P})")\n', "Solidity signature", 2),
        ('P = "(string,string,bytes32,string[],uint64)"\n', "Solidity signature", 2),
        ('def f():\n    """Calls ``balanceOfAt(address,uint256)``."""\n', "Solidity signature", 3),
        ("S = keccak(text='anything')[:4]\n", "keccak(text=", 2),
        ('S = bytes.fromhex("08c379a0")\n', "4-byte selector literal", 2),
        ("S = 0x70a08231\n", "4-byte selector literal", 2),
        ('S = "0xa9059cbb"\n', "4-byte selector literal", 2),
        ('(words,) = decode(["uint256[]"], raw)\n', "eth_abi type list", 2),
        ("data = encode(['address', 'uint256'], [a, b])\n", "eth_abi type list", 2),
    ],
)
def test_scanner_flags_planted_fact(sample: str, what: str, line: int) -> None:
    """Each kind of fact, planted after a first line, is named with its file and line."""
    found = scan_source("import os\n" + sample, "planted.py")
    assert any(f.startswith(f"planted.py:{line}: {what}:") for f in found), found


def test_scanner_leaves_ordinary_code_alone() -> None:
    sample = (
        "from sectoken.abi import event, function\n"
        'TRANSFER = event("SecurityToken", "Transfer")\n'
        "word = abi_encode([canonical_type(param)], [value])\n"
        "digest = keccak(content)\n"
        'address = "0x" + "00" * 20\n'
        'h = "0x1234567890"  # ten digits: not a selector\n'
        'print(f"{name} ({count} holders)")\n'
        "ok = isinstance(value, bytes) and len(value) == 32\n"
        'text = "a record (bool and uint) is packed"\n'
    )
    assert scan_source(sample) == []
