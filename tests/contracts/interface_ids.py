"""ERC-165 interface ids derived from the interfaces themselves, for the conformance tests.

ERC-165 defines an interface's id as the XOR of the selectors of the functions the interface
declares (inherited functions excluded, as Solidity's ``type(I).interfaceId``). A compiled ABI
lists inherited functions too, so the functions of every base named in the interface's
``interface I is A, B`` line are taken away first (recursively).

Where an interface comes from:
- the project's own (``contracts/**``, compiled by Ape): ABI from the project's contract type;
- OpenZeppelin's: ABI from the npm package's build artifacts (``build/contracts/<I>.json``),
  source from the same package (for the bases).

``implemented_by(contract_abi)`` lists the catalogue's interfaces whose every function is in the
contract's ABI: the interfaces a contract implements, by its ABI and nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sectoken.abi import entry_selector

ROOT = Path(__file__).resolve().parents[2]
OZ = ROOT / "node_modules" / "@openzeppelin" / "contracts"

#: The ERC's own text gives this id for IERC7943Fungible (ERC-7943, "uRWA", Final).
ERC7943_FUNGIBLE_ID = bytes.fromhex("3edbb4c4")

#: OpenZeppelin interfaces the suite's contracts may implement.
OZ_INTERFACES = (
    "IERC165",
    "IAccessControl",
    "IVotes",
    "IERC6372",
    "IERC20",
    "IERC20Metadata",
    "IERC20Permit",
)
#: The project's own interfaces (contracts/interfaces), ERC-7943's once the token declares it.
PROJECT_INTERFACES = (
    "IInvestorRegistry",
    "IERC1404",
    "IERC1594",
    "IERC1643",
    "IERC1644",
    "IRecordDates",
    "IDividendDistributor",
    "IShareholderVoting",
    "IERC7943Fungible",
)
#: Claiming these is optional: ERC-20 (with its metadata) and ERC-2612 predate ERC-165, and
#: OpenZeppelin's ERC20 / ERC20Permit do not claim them. docs/CONTRACTS.md shows what is claimed.
OPTIONAL_CLAIMS = frozenset({"IERC20", "IERC20Metadata", "IERC20Permit"})


@dataclass(frozen=True)
class Interface:
    name: str
    abi: tuple[Mapping[str, Any], ...]
    source: str  # the Solidity text declaring it
    origin: str  # "project" or "OpenZeppelin"

    @property
    def bases(self) -> tuple[str, ...]:
        match = re.search(rf"\binterface\s+{self.name}\s+is\s+([\w\s,]+?)\s*\{{", self.source)
        return tuple(b.strip() for b in match.group(1).split(",")) if match else ()

    def selectors(self) -> frozenset[bytes]:
        """Selectors of every function in the compiled ABI (inherited ones included)."""
        return frozenset(entry_selector(e) for e in self.abi if e.get("type") == "function")


class Catalogue:
    """The interfaces the conformance tests know, loaded from the compiled project and OZ."""

    def __init__(self, project: Any) -> None:
        self._project = project
        self._loaded: dict[str, Interface | None] = {}

    def get(self, name: str) -> Interface | None:
        """The interface ``name``, or None when nothing compiled declares it (yet)."""
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def _load(self, name: str) -> Interface | None:
        if name in OZ_INTERFACES:
            return _oz_interface(name)
        contract_type = self._project.contracts.get(name)
        if contract_type is None:
            has_oz = (OZ / "build" / "contracts" / f"{name}.json").is_file()
            return _oz_interface(name) if has_oz else None
        source = (ROOT / str(contract_type.source_id)).read_text(encoding="utf-8")
        abi = tuple(json.loads(contract_type.model_dump_json(by_alias=True))["abi"])
        return Interface(name, abi, source, "project")

    def own_selectors(self, name: str) -> frozenset[bytes]:
        """Selectors of the functions ``name`` declares itself (its bases' taken away)."""
        interface = self.get(name)
        if interface is None:
            raise LookupError(f"interface {name} is not compiled")
        inherited: set[bytes] = set()
        for base in interface.bases:
            base_interface = self.get(base)
            if base_interface is None:
                raise LookupError(f"{name} extends {base}, which is not found")
            inherited |= base_interface.selectors()
        return interface.selectors() - inherited

    def interface_id(self, name: str) -> bytes:
        """ERC-165 id of ``name``: XOR of its own function selectors."""
        value = 0
        for selector in self.own_selectors(name):
            value ^= int.from_bytes(selector, "big")
        return value.to_bytes(4, "big")

    def known(self) -> list[str]:
        """Every catalogue interface that is compiled now."""
        return [n for n in (*OZ_INTERFACES, *PROJECT_INTERFACES) if self.get(n) is not None]

    def implemented_by(self, contract_abi: Iterable[Mapping[str, Any]]) -> list[str]:
        """The known interfaces whose every function (inherited ones too) is in ``contract_abi``."""
        functions = {entry_selector(e) for e in contract_abi if e.get("type") == "function"}
        found = []
        for name in self.known():
            interface = self.get(name)
            assert interface is not None
            if interface.selectors() and interface.selectors() <= functions:
                found.append(name)
        return found


@cache
def _oz_interface(name: str) -> Interface:
    artifact = json.loads((OZ / "build" / "contracts" / f"{name}.json").read_text(encoding="utf-8"))
    source_name = str(artifact["sourceName"]).removeprefix("contracts/")
    source = (OZ / source_name).read_text(encoding="utf-8")
    return Interface(name, tuple(artifact["abi"]), source, "OpenZeppelin")


def hex_id(value: bytes) -> str:
    return "0x" + value.hex()
