"""The deployment spec (YAML): what token suite to deploy and how to configure it.

Example::

    token:
      name: Acme Preferred Shares
      symbol: ACMEP
      decimals: 0
    registry: new                 # or the address of an existing InvestorRegistry to reuse
    corporate:
      dividends: true
      voting: true
    rules:
      require_accreditation: false
      country_allow_list: false   # false: listed countries are blocked; true: only they may hold
      max_holders: 2000           # 0 = no limit
      holding_period: 90d         # seconds or 30m / 12h / 90d / 52w; 0 = none
      max_balance: 0              # whole tokens; 0 = no limit
      max_balance_bps: 0          # share of supply in basis points; 0 = no limit
      min_position: 0             # whole tokens: least a holder may newly hold or keep; 0 = none
    countries:                    # ISO alpha-2 or numeric
      KP: {listed: true}
      US: {max_holders: 1999}
    roles:                        # addresses, or "deployer" for the deploying account
      issuer: [deployer]
      compliance: [deployer]
      controller: [deployer]
      pauser: [deployer]
      admin: []                   # extra default admins of the token (the deployer is one)
    documents:
      prospectus: {uri: "https://example.com/p.pdf", hash: "0x…32 bytes"}

What can change after deployment (and is applied by re-running deploy): rules, countries, roles,
documents. What cannot (``IMMUTABLE_KEYS``): the token's name, symbol, decimals, the registry
choice and which corporate contracts exist; changing those needs an explicit fresh deployment.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sectoken.errors import SectokenError
from sectoken.model.addresses import AddressError, checked_address
from sectoken.model.amounts import AmountError, to_units
from sectoken.model.countries import UnknownCountryError, format_country, parse_country

__all__ = [
    "DEPLOYER",
    "IMMUTABLE_KEYS",
    "ROLE_KEYS",
    "CountryRule",
    "Document",
    "Rules",
    "Spec",
    "SpecError",
    "load_spec",
    "min_position_fits",
    "parse_duration",
    "parse_spec",
]

DEPLOYER = "deployer"
ROLE_KEYS = {
    "issuer": "ISSUER_ROLE",
    "compliance": "COMPLIANCE_ROLE",
    "controller": "CONTROLLER_ROLE",
    "pauser": "PAUSER_ROLE",
    "admin": "DEFAULT_ADMIN_ROLE",
}
IMMUTABLE_KEYS = ("name", "symbol", "decimals", "registry", "dividends", "voting")
_DURATION = re.compile(r"(\d+)\s*([smhdw]?)")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_UINT32 = (1 << 32) - 1
_MIN_MANTISSA, _MIN_EXPONENT = (1 << 15) - 1, (1 << 5) - 1  # the token's MinPosition encoding


def min_position_fits(units: int) -> bool:
    """Whether the token can store ``units`` as its minimum position: m x 10^e with
    m <= 32,767 and e <= 31 (round figures such as 25,000 tokens of 18 decimals are)."""
    mantissa, exponent = units, 0
    while mantissa and mantissa % 10 == 0 and exponent < _MIN_EXPONENT:
        mantissa //= 10
        exponent += 1
    return 0 <= mantissa <= _MIN_MANTISSA


class SpecError(SectokenError):
    """The spec file has problems; ``problems`` lists every one."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            f"{source}: {len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems)
        )


@dataclass(frozen=True, slots=True)
class Rules:
    """The token's ``setRules`` tuple, in token units and seconds."""

    require_accreditation: bool = False
    country_allow_list: bool = False
    max_holders: int = 0
    holding_period: int = 0
    max_balance: int = 0
    max_balance_bps: int = 0
    min_position: int = 0

    def as_tuple(self) -> tuple[bool, bool, int, int, int, int, int]:
        return (
            self.require_accreditation,
            self.country_allow_list,
            self.max_holders,
            self.holding_period,
            self.max_balance,
            self.max_balance_bps,
            self.min_position,
        )


@dataclass(frozen=True, slots=True)
class CountryRule:
    listed: bool = False
    max_holders: int = 0


@dataclass(frozen=True, slots=True)
class Document:
    uri: str
    hash: str


@dataclass(slots=True)
class Spec:
    """A checked spec; ``canonical()`` is what is hashed and stored with the deployment."""

    name: str
    symbol: str
    decimals: int
    registry: str | None  # None: deploy a new one
    dividends: bool = True
    voting: bool = True
    rules: Rules = field(default_factory=Rules)
    countries: dict[int, CountryRule] = field(default_factory=dict)
    roles: dict[str, list[str]] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)

    def canonical(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "symbol": self.symbol,
            "decimals": self.decimals,
            "registry": self.registry or "new",
            "dividends": self.dividends,
            "voting": self.voting,
            "rules": {
                "require_accreditation": self.rules.require_accreditation,
                "country_allow_list": self.rules.country_allow_list,
                "max_holders": self.rules.max_holders,
                "holding_period": self.rules.holding_period,
                "max_balance": str(self.rules.max_balance),
                "max_balance_bps": self.rules.max_balance_bps,
                "min_position": str(self.rules.min_position),
            },
            "countries": {
                str(c): {"listed": r.listed, "max_holders": r.max_holders}
                for c, r in sorted(self.countries.items())
            },
            "roles": {k: sorted(v) for k, v in sorted(self.roles.items())},
            "documents": {
                k: {"uri": d.uri, "hash": d.hash} for k, d in sorted(self.documents.items())
            },
        }

    def spec_hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return "0x" + hashlib.sha256(text.encode()).hexdigest()

    def role_holders(self, key: str, deployer: str) -> list[str]:
        """Holders of a role with ``deployer`` resolved to the deploying account."""
        resolved = [deployer if a == DEPLOYER else a for a in self.roles.get(key, [])]
        return list(dict.fromkeys(checked_address(a, allow_unchecksummed=True) for a in resolved))


def parse_duration(value: Any) -> int:
    """Seconds from ``7776000``, ``"90d"``, ``"12h"``, ``"30m"``, ``"2w"``."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is negative")
        return value
    match = _DURATION.fullmatch(str(value).strip().lower())
    if not match:
        raise ValueError(f"{value!r} is not a duration (seconds, or e.g. 30m, 12h, 90d, 2w)")
    return int(match.group(1)) * _UNIT[match.group(2)]


def load_spec(path: str | Path) -> Spec:
    file = Path(path)
    if not file.is_file():
        raise SectokenError(
            f"spec file {file} not found", hint="pass the path of your spec YAML (see examples/)"
        )
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        raise SpecError(file.name, [f"not valid YAML: {exc}"]) from None
    return parse_spec(data, source=file.name)


def parse_spec(data: Any, *, source: str = "spec") -> Spec:
    """Check a spec mapping; every problem is reported at once (SpecError)."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise SpecError(source, ["the spec must be a mapping with at least a 'token' section"])
    known = {"token", "registry", "corporate", "rules", "countries", "roles", "documents"}
    for key in data:
        if key not in known:
            problems.append(f"unknown section {key!r} (sections: {', '.join(sorted(known))})")

    token = _mapping(data.get("token"), "token", problems)
    name = token.get("name")
    symbol = token.get("symbol")
    if not isinstance(name, str) or not name.strip():
        problems.append("token.name is required (a non-empty string)")
    if not isinstance(symbol, str) or not symbol.strip():
        problems.append("token.symbol is required (a non-empty string)")
    decimals = token.get("decimals", 0)
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 0 <= decimals <= 36:
        problems.append("token.decimals must be an integer 0..36 (0 for shares)")
        decimals = 0
    for key in token:
        if key not in {"name", "symbol", "decimals"}:
            problems.append(f"unknown key token.{key}")

    registry: str | None = None
    reg_value = data.get("registry", "new")
    if reg_value != "new":
        try:
            registry = checked_address(str(reg_value))
        except AddressError as exc:
            problems.append(f"registry: {exc} (or write 'new')")

    corporate = _mapping(data.get("corporate"), "corporate", problems)
    dividends = _flag(corporate.get("dividends", True), "corporate.dividends", problems)
    voting = _flag(corporate.get("voting", True), "corporate.voting", problems)

    rules = _rules(_mapping(data.get("rules"), "rules", problems), decimals, problems)
    countries = _countries(data.get("countries"), problems)
    roles = _roles(_mapping(data.get("roles"), "roles", problems), problems)
    documents = _documents(_mapping(data.get("documents"), "documents", problems), problems)

    if problems:
        raise SpecError(source, problems)
    assert isinstance(name, str) and isinstance(symbol, str)
    return Spec(
        name=name.strip(),
        symbol=symbol.strip(),
        decimals=decimals,
        registry=registry,
        dividends=dividends,
        voting=voting,
        rules=rules,
        countries=countries,
        roles=roles,
        documents=documents,
    )


def _mapping(value: Any, where: str, problems: list[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where} must be a mapping")
        return {}
    return {str(k): v for k, v in value.items()}


def _flag(value: Any, where: str, problems: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    problems.append(f"{where} must be true or false")
    return False


def _int(value: Any, where: str, problems: list[str], *, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        problems.append(f"{where} must be an integer 0..{maximum}")
        return 0
    return value


def _rules(raw: dict[str, Any], decimals: int, problems: list[str]) -> Rules:
    keys = {
        "require_accreditation",
        "country_allow_list",
        "max_holders",
        "holding_period",
        "max_balance",
        "max_balance_bps",
        "min_position",
    }
    for key in raw:
        if key not in keys:
            problems.append(f"unknown key rules.{key} (keys: {', '.join(sorted(keys))})")
    holding = 0
    try:
        holding = parse_duration(raw.get("holding_period", 0))
    except ValueError as exc:
        problems.append(f"rules.holding_period: {exc}")
    if holding > _UINT32:
        problems.append("rules.holding_period is longer than the token can store (2^32 s)")
        holding = 0
    max_balance = 0
    try:
        max_balance = to_units(raw.get("max_balance", 0), decimals)
    except AmountError as exc:
        problems.append(f"rules.max_balance: {exc}")
    min_position = 0
    try:
        min_position = to_units(raw.get("min_position", 0), decimals)
    except AmountError as exc:
        problems.append(f"rules.min_position: {exc}")
    if not min_position_fits(min_position):
        problems.append(
            f"rules.min_position {raw.get('min_position')} is {min_position} units: the token "
            "stores m x 10^e units with m <= 32,767 (use a rounder figure, e.g. 25000 or 1500)"
        )
        min_position = 0
    return Rules(
        require_accreditation=_flag(
            raw.get("require_accreditation", False), "rules.require_accreditation", problems
        ),
        country_allow_list=_flag(
            raw.get("country_allow_list", False), "rules.country_allow_list", problems
        ),
        max_holders=_int(raw.get("max_holders", 0), "rules.max_holders", problems, maximum=_UINT32),
        holding_period=holding,
        max_balance=max_balance,
        max_balance_bps=_int(
            raw.get("max_balance_bps", 0), "rules.max_balance_bps", problems, maximum=10_000
        ),
        min_position=min_position,
    )


def _countries(raw: Any, problems: list[str]) -> dict[int, CountryRule]:
    result: dict[int, CountryRule] = {}
    if raw is None:
        return result
    if not isinstance(raw, dict):
        problems.append("countries must be a mapping from country code to {listed, max_holders}")
        return result
    for code, rule in raw.items():
        try:
            numeric = parse_country(str(code))
        except UnknownCountryError as exc:
            problems.append(f"countries: {exc}")
            continue
        if numeric in result:
            problems.append(f"countries: {format_country(numeric)} appears twice")
            continue
        where = f"countries.{code}"
        body = _mapping(rule, where, problems)
        for key in body:
            if key not in {"listed", "max_holders"}:
                problems.append(f"unknown key {where}.{key} (keys: listed, max_holders)")
        result[numeric] = CountryRule(
            listed=_flag(body.get("listed", False), f"{where}.listed", problems),
            max_holders=_int(
                body.get("max_holders", 0), f"{where}.max_holders", problems, maximum=_UINT32
            ),
        )
    return result


def _roles(raw: dict[str, Any], problems: list[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in raw.items():
        if key not in ROLE_KEYS:
            problems.append(f"unknown role {key!r} (roles: {', '.join(ROLE_KEYS)})")
            continue
        items = value if isinstance(value, list) else [value]
        holders: list[str] = []
        for item in items:
            text = str(item).strip()
            if text.lower() == DEPLOYER:
                holders.append(DEPLOYER)
                continue
            try:
                holders.append(checked_address(text))
            except AddressError as exc:
                problems.append(f"roles.{key}: {exc} (or write 'deployer')")
        result[key] = list(dict.fromkeys(holders))
    return result


def _documents(raw: dict[str, Any], problems: list[str]) -> dict[str, Document]:
    result: dict[str, Document] = {}
    for name, body in raw.items():
        where = f"documents.{name}"
        if not 0 < len(name.encode()) <= 32:
            problems.append(f"{where}: a document name is 1..32 bytes")
            continue
        entry = _mapping(body, where, problems)
        uri = entry.get("uri")
        digest = str(entry.get("hash", "0x" + "00" * 32))
        if not isinstance(uri, str) or not uri:
            problems.append(f"{where}.uri is required")
            continue
        if not re.fullmatch(r"0x[0-9a-fA-F]{64}", digest):
            problems.append(f"{where}.hash must be 0x followed by 64 hex digits")
            continue
        result[name] = Document(uri=uri, hash=digest.lower())
    return result
