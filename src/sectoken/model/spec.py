"""The deployment spec (YAML): what token suite to deploy and how to configure it.

Example::

    token:
      name: Acme Preferred Shares
      symbol: ACMEP
      decimals: 0
    registry: new                 # or the address of an existing InvestorRegistry to reuse
    admin_module: new             # or the address of the issuer's SecurityTokenAdmin to reuse
    deployment: full              # full: a copy of the token's code; clone: an EIP-1167 proxy
    factory: new                  # optional; or the address of the issuer's SecurityTokenFactory
    corporate:
      dividends: true             # false: none; or the address of the issuer's distributor
      voting: true                # false: none; or the address of the issuer's voting contract
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
    markets:                      # optional; each false (default), true (deploy) or an address
      offerings: true             # PrimaryOffering: gets ISSUER_ROLE on the token
      settlement: false           # TradeSettlement: approved operator of the token
      buybacks: false             # BuybackOffers: approved operator of the token
    roles:                        # addresses, or "deployer" for the deploying account
      issuer: [deployer]
      compliance: [deployer]
      controller: [deployer]
      pauser: [deployer]
      admin: []                   # extra default admins of the token (the deployer is one)
    documents:
      prospectus: {uri: "https://example.com/p.pdf", hash: "0x…32 bytes"}
    presets:                      # regulatory presets (sectoken.model.presets, docs/REGULATION.md)
      - reg_d_506c: {issuer_reporting: false}
      - reg_s: {category: 3, security: equity, offering_start: 2026-07-01}
      - section_12g               # a name alone takes the preset's defaults

A preset sets the rule values of its regime (``rules:`` keys and the token's regime); a key the
spec also writes under ``rules:`` may tighten the preset's value, and a looser one is refused with
the preset and the paragraph it would break.

An issuer's second token reuses the first one's shared contracts: ``registry:`` and the two
``corporate:`` keys give their addresses (the deployment file of the first token lists them), and
deploy then deploys only the token and admits it on the distributor and the voting contract. A
reused distributor or voting contract serves the tokens of one registry, so reusing either needs
``registry:`` to be an address too. ``admin_module:`` names the token administration module
(``SecurityTokenAdmin``, code without state of its own that every token runs by delegatecall)
already on the chain; ``new`` (the default) deploys one first.

``deployment: clone`` deploys the token as an EIP-1167 minimal proxy of a shared implementation
(``SecurityTokenClone``) through ``SecurityTokenFactory`` (CREATE2: the plan shows the token's
address before sending): about 0.1M gas instead of about 3.9M, but every call through the proxy
costs more (docs/GAS_REPORT.md gives the break-even number of transfers). ``factory:`` names the
issuer's factory (new: deploy one); the implementation sits at an address the factory and the
deploying account determine, and is deployed only if nothing is there yet.

Through the factory, the token is created and configured in one transaction (``cloneWired``, and
``deployWired`` for a full-mode token whose spec names ``factory:``): its roles, rules, regime,
country rules and documents are set by the factory as the token's temporary admin, which then
hands DEFAULT_ADMIN_ROLE to the deploying account and renounces every role it held. The token
exists fully configured or not at all, at an address the plan shows before sending. A full-mode
spec without ``factory:`` deploys the token by a plain transaction and configures it in further
transactions, as before.

What can change after deployment (and is applied by re-running deploy): rules, countries, roles,
documents. What cannot (``IMMUTABLE_KEYS``): the token's name, symbol, decimals, the registry
choice and which corporate contracts exist; changing those needs an explicit fresh deployment.

Checking is done by pydantic models of the file's sections (``extra="forbid"``, so a typo in a key
is an error, not a silently ignored setting); every problem is reported at once, each naming its
key path (``rules.max_holders: must be at most 16777215 ...``, ``roles.issuer[0]: ...``). Every
numeric bound that ends up in a contract call comes from the packaged ABI's integer width
(``sectoken.abi.uint_max``), so a value the token cannot take is refused before anything is sent.
The checked spec is the plain dataclasses below (``Spec``, ``Rules``, ...), which the deploy job
compares with what the chain holds.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from sectoken.abi import function, uint_max
from sectoken.errors import SectokenError
from sectoken.model.addresses import AddressError, checked_address
from sectoken.model.amounts import AmountError, to_units
from sectoken.model.countries import UnknownCountryError, format_country, parse_country
from sectoken.model.presets import PresetError, Regime, Resolution, parse_presets

__all__ = [
    "ABI_BOUNDS",
    "BOUNDS",
    "DEPLOYER",
    "IMMUTABLE_KEYS",
    "MARKET_KEYS",
    "MAX_DECIMALS",
    "ROLE_KEYS",
    "CountryRule",
    "Document",
    "DurationError",
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
IMMUTABLE_KEYS = ("name", "symbol", "decimals", "registry", "dividends", "voting", "deployment")
DEPLOYMENT_MODES = ("full", "clone")
#: The money-flow contracts a spec may name (``markets:``), by key.
MARKET_KEYS = ("offerings", "settlement", "buybacks")
_DURATION = re.compile(r"(\d+)\s*([smhdw]?)")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_MIN_MANTISSA, _MIN_EXPONENT = (1 << 15) - 1, (1 << 5) - 1  # the token's MinPosition encoding

#: Spec keys whose value goes into a contract call, and the ABI parameter that takes it
#: (contract, function, parameter or ``parameter.field``). ``*`` stands for any country code;
#: deploy sends country rules with ``setCountryRules``, whose arrays have the same element types.
ABI_BOUNDS: Mapping[str, tuple[str, str, str]] = {
    "rules.max_holders": ("SecurityToken", "setRules", "r.maxHolders"),
    "rules.holding_period": ("SecurityToken", "setRules", "r.holdingPeriod"),
    "rules.max_balance": ("SecurityToken", "setRules", "r.maxBalance"),
    "rules.max_balance_bps": ("SecurityToken", "setRules", "r.maxBalanceBps"),
    "rules.min_position": ("SecurityToken", "setRules", "r.minPosition"),
    "countries.*.max_holders": ("SecurityToken", "setCountryRule", "maxHolders"),
}
_BPS_MAX = 10_000  # the token reverts InvalidBps above it, although a uint16 holds more
#: The largest value of each key of ABI_BOUNDS, in what the token stores (counts, seconds, units):
#: the ABI's integer width, except basis points (at most 10,000). ``rules.min_position`` must
#: also fit the token's m x 10^e encoding (``min_position_fits``), a tighter limit.
BOUNDS: Mapping[str, int] = {
    key: min(uint_max(*where), _BPS_MAX) if key.endswith("_bps") else uint_max(*where)
    for key, where in ABI_BOUNDS.items()
}
#: Decimals: the constructor takes a uint8 (up to 255), but the spec keeps its long-standing
#: policy of at most 36 (18 is the ERC-20 custom; 10^36 units per token leave a uint256 room for
#: about 10^41 tokens). A policy bound, checked by a test to stay within the ABI's width.
MAX_DECIMALS = 36


def _bytes_width(contract: str, function_name: str, name: str) -> int:
    """N of a ``bytesN`` parameter (a document's name and hash are bytes32)."""
    kind = str(
        next(p["type"] for p in function(contract, function_name).inputs if p["name"] == name)
    )
    return int(kind.removeprefix("bytes"))


_DOC_NAME_BYTES = _bytes_width("SecurityToken", "setDocument", "name")
_DOC_HASH_BYTES = _bytes_width("SecurityToken", "setDocument", "documentHash")
_DOC_HASH = re.compile(rf"0x[0-9a-fA-F]{{{2 * _DOC_HASH_BYTES}}}")


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


class DurationError(SectokenError, ValueError):
    """The value is not a duration (seconds, or a number with s/m/h/d/w)."""


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
    dividends: bool | str = True  # an address: reuse the issuer's distributor
    voting: bool | str = True  # an address: reuse the issuer's voting contract
    admin_module: str | None = None  # an address: reuse that SecurityTokenAdmin; None: deploy one
    deployment: str = "full"  # "clone": an EIP-1167 proxy of the issuer's SecurityTokenClone
    factory: str | None = None  # the issuer's SecurityTokenFactory; None: deploy one
    # Full mode: the spec names ``factory:`` (new or an address), so the token is created and
    # configured by the factory in one transaction (clone mode always goes through it).
    factory_named: bool = False
    rules: Rules = field(default_factory=Rules)
    countries: dict[int, CountryRule] = field(default_factory=dict)
    roles: dict[str, list[str]] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    # The issuer's money-flow contracts (``MARKET_KEYS``): True deploys one, an address reuses it.
    markets: dict[str, bool | str] = field(default_factory=dict)
    presets: Resolution = field(default_factory=Resolution)

    @property
    def through_factory(self) -> bool:
        """Whether the token is created and configured by the issuer's factory in one
        transaction (``deployWired``/``cloneWired``): always in clone mode, and in full mode
        when the spec names ``factory:``."""
        return self.deployment == "clone" or self.factory_named

    @property
    def regime(self) -> Regime:
        """The token's regime values the presets set (all off without presets)."""
        return self.presets.regime()

    def canonical(self) -> dict[str, Any]:
        shared: dict[str, Any] = {}
        if self.admin_module is not None:
            shared["admin_module"] = self.admin_module
        if self.deployment != "full":
            shared["deployment"] = self.deployment
        if self.factory is not None:
            shared["factory"] = self.factory
        elif self.deployment == "full" and self.factory_named:
            shared["factory"] = "new"
        presets = [use.canonical() for use in self.presets.uses]
        return (
            shared
            | ({"presets": presets} if presets else {})
            | {
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
                # only when named: a spec without markets keeps the hash it had before they existed
                **({"markets": dict(sorted(self.markets.items()))} if self.markets else {}),
            }
        )

    def spec_hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return "0x" + hashlib.sha256(text.encode()).hexdigest()

    def role_holders(self, key: str, deployer: str) -> list[str]:
        """Holders of a role with ``deployer`` resolved to the deploying account."""
        resolved = [deployer if a == DEPLOYER else a for a in self.roles.get(key, [])]
        return list(dict.fromkeys(checked_address(a, allow_unchecksummed=True) for a in resolved))


def parse_duration(value: Any) -> int:
    """Seconds from ``7776000``, ``"90d"``, ``"12h"``, ``"30m"``, ``"2w"`` (DurationError else)."""
    if isinstance(value, bool):
        raise DurationError(f"{value!r} is not a duration")
    if isinstance(value, int):
        if value < 0:
            raise DurationError(f"{value} is negative")
        return value
    match = _DURATION.fullmatch(str(value).strip().lower())
    if not match:
        raise DurationError(f"{value!r} is not a duration (seconds, or e.g. 30m, 12h, 90d, 2w)")
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
    if not isinstance(data, dict):
        raise SpecError(source, ["the spec must be a mapping with at least a 'token' section"])
    problems: list[str] = []
    model = None
    data = dict(data)
    presets = Resolution()
    try:
        presets = parse_presets(data.pop("presets", None))
    except PresetError as exc:
        problems += exc.problems
    try:
        model = _SpecFile.model_validate(data, context={"decimals": _decimals_hint(data)})
    except ValidationError as exc:
        problems += [_problem(error) for error in exc.errors()]
    problems += _countries_twice(data.get("countries"))
    problems += presets.loosened_by(_explicit_rules(model, data))
    if problems or model is None:
        raise SpecError(source, problems)
    return model.to_spec(presets)


# ---------------------------------------------------------------- checking, with pydantic
#
# Leaf values are checked by our own functions (PlainValidator): the spec's words (durations,
# whole-token amounts, country codes, "deployer") are not pydantic's types, and the messages must
# say what to write. pydantic supplies the structure: unknown keys, nesting, every error at once
# with its location.

_REQUIRED = "required"  # error type: "<path> is required (<message>)"


def _fail(message: str, kind: str = "spec") -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _fail("must be true or false")


def _uint(maximum: int, why: str = "") -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _fail(f"must be an integer 0..{maximum}{why}")
        if value > maximum:
            raise _fail(f"must be at most {maximum}{why}")
        return value

    return PlainValidator(check)


def _abi_uint(key: str) -> Any:
    """The check of a key of ABI_BOUNDS: its bound, and the ABI type in the message."""
    width = uint_max(*ABI_BOUNDS[key]).bit_length()
    why = f" (the token takes a uint{width})"
    if BOUNDS[key] != uint_max(*ABI_BOUNDS[key]):
        why = f" (basis points: {_BPS_MAX} is 100%)"
    return _uint(BOUNDS[key], why)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail("a non-empty string", _REQUIRED)
    return value.strip()


def _registry(value: Any) -> str | None:
    if value == "new":
        return None
    try:
        return checked_address(str(value))
    except AddressError as exc:
        raise _fail(f"{exc} (or write 'new')") from None


def _deployment_mode(value: Any) -> str:
    if value not in DEPLOYMENT_MODES:
        raise _fail(f"must be one of {', '.join(DEPLOYMENT_MODES)}, not {value!r}")
    return str(value)


def _duration(value: Any) -> int:
    try:
        seconds = parse_duration(value)
    except DurationError as exc:
        raise _fail(str(exc)) from None
    maximum = BOUNDS["rules.holding_period"]
    if seconds > maximum:
        raise _fail(f"{seconds} s is longer than the token can store (at most {maximum} s)")
    return seconds


def _units(value: Any, info: ValidationInfo, key: str) -> int:
    decimals = int((info.context or {}).get("decimals", 0))
    try:
        units = to_units(value, decimals)
    except AmountError as exc:
        raise _fail(str(exc)) from None
    maximum = BOUNDS[key]
    if units > maximum:
        raise _fail(f"{value} is {units} units, more than the token can store ({maximum})")
    return units


def _country_key(value: Any) -> str:
    text = str(value)
    try:
        parse_country(text)
    except UnknownCountryError as exc:
        raise _fail(str(exc)) from None
    return text


def _document_name(value: Any) -> str:
    text = str(value)
    if not 0 < len(text.encode()) <= _DOC_NAME_BYTES:
        raise _fail(f"a document name is 1..{_DOC_NAME_BYTES} bytes")
    return text


def _role_holder(value: Any) -> str:
    text = str(value).strip()
    if text.lower() == DEPLOYER:
        return DEPLOYER
    try:
        return checked_address(text)
    except AddressError as exc:
        raise _fail(f"{exc} (or write 'deployer')") from None


def _corporate(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    try:
        return checked_address(str(value))
    except AddressError as exc:
        raise _fail(f"{exc} (or write true or false)") from None


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


_Flag = Annotated[bool, PlainValidator(_flag)]
_Text = Annotated[str, PlainValidator(_text)]
_Holders = Annotated[list[Annotated[str, PlainValidator(_role_holder)]], BeforeValidator(_as_list)]


class _Section(BaseModel):
    """A mapping in the spec: unknown keys are errors; an empty section (``rules:``) is {}."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_nothing(cls, data: Any) -> Any:
        if data is None:
            return {}
        if isinstance(data, dict):
            return {str(k): v for k, v in data.items()}
        return data


class _Token(_Section):
    name: _Text = Field(default=None, validate_default=True)
    symbol: _Text = Field(default=None, validate_default=True)
    decimals: Annotated[int, _uint(MAX_DECIMALS, " (0 for shares)")] = 0


class _Corporate(_Section):
    dividends: Annotated[bool | str, PlainValidator(_corporate)] = True
    voting: Annotated[bool | str, PlainValidator(_corporate)] = True


class _Markets(_Section):
    offerings: Annotated[bool | str, PlainValidator(_corporate)] = False
    settlement: Annotated[bool | str, PlainValidator(_corporate)] = False
    buybacks: Annotated[bool | str, PlainValidator(_corporate)] = False


class _Rules(_Section):
    require_accreditation: _Flag = False
    country_allow_list: _Flag = False
    max_holders: Annotated[int, _abi_uint("rules.max_holders")] = 0
    holding_period: Annotated[int, PlainValidator(_duration)] = 0
    max_balance: int = 0
    max_balance_bps: Annotated[int, _abi_uint("rules.max_balance_bps")] = 0
    min_position: int = 0

    @field_validator("max_balance", mode="plain")
    @classmethod
    def _max_balance(cls, value: Any, info: ValidationInfo) -> int:
        return _units(value, info, "rules.max_balance")

    @field_validator("min_position", mode="plain")
    @classmethod
    def _min_position(cls, value: Any, info: ValidationInfo) -> int:
        units = _units(value, info, "rules.min_position")
        if not min_position_fits(units):
            raise _fail(
                f"{value} is {units} units: the token stores m x 10^e units with m <= 32,767 "
                "(use a rounder figure, e.g. 25000 or 1500)"
            )
        return units


class _Country(_Section):
    listed: _Flag = False
    max_holders: Annotated[int, _abi_uint("countries.*.max_holders")] = 0


class _Document(_Section):
    uri: _Text = Field(default=None, validate_default=True)
    hash: str = "0x" + "00" * _DOC_HASH_BYTES

    @field_validator("hash", mode="plain")
    @classmethod
    def _hash(cls, value: Any) -> str:
        digest = str(value)
        if not _DOC_HASH.fullmatch(digest):
            raise _fail(f"must be 0x followed by {2 * _DOC_HASH_BYTES} hex digits")
        return digest.lower()


class _Roles(_Section):
    issuer: _Holders = []
    compliance: _Holders = []
    controller: _Holders = []
    pauser: _Holders = []
    admin: _Holders = []


class _SpecFile(_Section):
    token: _Token
    registry: Annotated[str | None, PlainValidator(_registry)] = None
    admin_module: Annotated[str | None, PlainValidator(_registry)] = None
    deployment: Annotated[str, PlainValidator(_deployment_mode)] = "full"
    factory: Annotated[str | None, PlainValidator(_registry)] = None
    corporate: _Corporate
    rules: _Rules
    countries: dict[Annotated[str, PlainValidator(_country_key)], _Country] = {}
    roles: _Roles
    documents: dict[Annotated[str, PlainValidator(_document_name)], _Document] = {}
    markets: _Markets = _Markets()

    @model_validator(mode="before")
    @classmethod
    def _sections(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for key in ("token", "corporate", "rules", "countries", "roles", "documents"):
                if data.get(key) is None:
                    data[key] = {}
        return data

    @model_validator(mode="after")
    def _shared_needs_registry(self) -> _SpecFile:
        for key in ("dividends", "voting"):
            if isinstance(getattr(self.corporate, key), str) and self.registry is None:
                raise _fail(
                    f"corporate.{key} reuses an existing contract, which serves the tokens of one "
                    "investor registry: set registry: to that registry's address (the first "
                    "token's deployment file lists it)"
                )
        return self

    def to_spec(self, presets: Resolution) -> Spec:
        rules = self.rules
        # A preset's value holds unless the spec writes the key (only ever tighter: checked).
        preset_rules = {
            k: v for k, v in presets.rule_values().items() if k not in rules.model_fields_set
        }
        rules = rules.model_copy(update=preset_rules)
        return Spec(
            presets=presets,
            name=self.token.name,
            symbol=self.token.symbol,
            decimals=self.token.decimals,
            registry=self.registry,
            admin_module=self.admin_module,
            deployment=self.deployment,
            factory=self.factory,
            factory_named="factory" in self.model_fields_set,
            dividends=self.corporate.dividends,
            voting=self.corporate.voting,
            rules=Rules(
                require_accreditation=rules.require_accreditation,
                country_allow_list=rules.country_allow_list,
                max_holders=rules.max_holders,
                holding_period=rules.holding_period,
                max_balance=rules.max_balance,
                max_balance_bps=rules.max_balance_bps,
                min_position=rules.min_position,
            ),
            countries={
                parse_country(code): CountryRule(listed=c.listed, max_holders=c.max_holders)
                for code, c in self.countries.items()
            },
            roles={
                key: list(dict.fromkeys(getattr(self.roles, key)))
                for key in ROLE_KEYS
                if key in self.roles.model_fields_set
            },
            documents={
                name: Document(uri=d.uri, hash=d.hash) for name, d in self.documents.items()
            },
            markets={
                key: value
                for key in MARKET_KEYS
                if (value := getattr(self.markets, key)) is not False
            },
        )


def _explicit_rules(model: _SpecFile | None, data: dict[Any, Any]) -> dict[str, Any]:
    """The ``rules:`` keys the file writes, checked (when another section has problems, the
    rules section alone, so a loosened preset is reported with them)."""
    rules: _Rules | None = model.rules if model is not None else None
    if rules is None:
        try:
            rules = _Rules.model_validate(
                data.get("rules"), context={"decimals": _decimals_hint(data)}
            )
        except ValidationError:
            return {}  # reported by the model
    return {k: getattr(rules, k) for k in _Rules.model_fields if k in rules.model_fields_set}


def _countries_twice(raw: Any) -> list[str]:
    """A country named twice (``US`` and ``840``): a mapping cannot see it, so it is checked on
    the raw keys, next to every other problem."""
    if not isinstance(raw, dict):
        return []
    seen: dict[int, str] = {}
    problems = []
    for key in raw:
        try:
            numeric = parse_country(str(key))
        except UnknownCountryError:
            continue  # reported by the model
        if numeric in seen:
            problems.append(
                f"countries: {format_country(numeric)} appears twice ({seen[numeric]}, {key})"
            )
        else:
            seen[numeric] = str(key)
    return problems


def _decimals_hint(data: dict[Any, Any]) -> int:
    """The token's decimals when they are valid (amounts are checked against them), else 0."""
    token = data.get("token")
    decimals = token.get("decimals", 0) if isinstance(token, dict) else 0
    valid = isinstance(decimals, int) and not isinstance(decimals, bool)
    return decimals if valid and 0 <= decimals <= MAX_DECIMALS else 0


def _problem(error: ErrorDetails) -> str:
    """One line per problem, naming the key path as the spec writes it."""
    loc = [part for part in error["loc"] if part != "[key]"]
    path = key_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        if len(loc) == 1:
            sections = ", ".join([*_keys(()), "presets"])
            return f"unknown section {loc[0]!r} (sections: {sections})"
        if loc[0] == "roles" and len(loc) == 2:
            return f"unknown role {loc[1]!r} (roles: {', '.join(ROLE_KEYS)})"
        return f"unknown key {path} (keys: {', '.join(_keys(loc[:-1]))})"
    if kind == _REQUIRED:
        return f"{path} is required ({error['msg']})"
    if kind == "missing":
        return f"{path} is required"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{path} must be a mapping"
    if kind == "list_type":
        return f"{path} must be a list"
    return f"{path}: {error['msg']}" if path else str(error["msg"])


def key_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a file writes it: ``rules.max_holders``, ``roles.issuer[1]``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _keys(loc: list[int | str] | tuple[()]) -> list[str]:
    """The keys allowed in the section at ``loc`` (for "unknown key" messages)."""
    model: Any = _SpecFile
    parts = list(loc)
    while parts and model is not None:
        annotation = model.model_fields[str(parts.pop(0))].annotation
        if get_origin(annotation) is dict:
            if parts:
                parts.pop(0)  # the mapping's own key (a country code, a document name)
            annotation = get_args(annotation)[1]
        model = annotation if isinstance(annotation, type) else None
    return list(model.model_fields) if model is not None else []
