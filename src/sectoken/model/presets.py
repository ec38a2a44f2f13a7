"""Regulatory presets: a regime named in the deploy spec becomes the rule values the token enforces.

An issuer writes ``presets: [reg_d_506c, {reg_s: {category: 3, ...}}]``; each preset here is a
named bundle of rule values, every value citing the paragraph of the primary text it implements.
``build_preset`` checks one preset's parameters, ``resolve`` combines several (the tightest value
of each rule wins, ``COMBINE`` says how per rule, contradictory combinations are refused with the
reason) and ``Resolution.loosened_by`` finds explicit spec rules that would loosen a preset's.
``Resolution.explain`` words a refusal code in the regulation's terms with the date it ends.

Choices where the text leaves room, always towards the stricter reading:

- Thresholds written "fewer than N" or "held of record by N" (the trigger) become N - 1.
- Periods in months or years that run per holder (the Rule 144 holding period, the Reg CF resale
  period) are stored in seconds, so they take the longest such period a calendar has (six months
  = 184 days, one year = 366 days, three months = 92 days): the token never releases early.
- Periods that run from a known date (the Reg S distribution compliance period) are calendar
  exact: the period covers the starting day and ends at the end of the day the period lands on.

This is a model of the rules for software; it is not legal advice (docs/REGULATION.md).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

from sectoken.errors import SectokenError

__all__ = [
    "CATALOGUE",
    "COMBINE",
    "EU_MEMBER_STATES",
    "REGIME_FLAGS",
    "RULE_OF_RESTRICTION",
    "Combine",
    "Param",
    "PresetDef",
    "PresetError",
    "PresetUse",
    "Regime",
    "Resolution",
    "RuleSetting",
    "Winner",
    "build_preset",
    "parse_presets",
    "resolve",
]

DAY = 86_400
SIX_MONTHS = 184 * DAY  # the longest six calendar months (July to December)
ONE_YEAR = 366 * DAY  # a leap year
THREE_MONTHS = 92 * DAY  # the longest three calendar months (e.g. July to September)

#: Registry investor flags the presets name (bits of the record's flag byte).
REGIME_FLAGS: Mapping[str, int] = {
    "accredited": 1,
    "qualified_purchaser": 2,
    "affiliate": 4,
    "withholding": 8,
    "us_person": 16,
    "qib": 32,
    "eu_qualified": 64,
    "resale_exempt": 128,
}

#: The 27 member states of the European Union (ISO 3166-1 alpha-2), for Art. 1(4)(b)'s count.
EU_MEMBER_STATES: tuple[str, ...] = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
)  # fmt: skip


class PresetError(SectokenError):
    """Presets that cannot be applied; ``problems`` lists every one, each with its key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class Combine(Enum):
    """How the values several presets set for one rule combine (the tightest wins)."""

    SMALLEST_CAP = "the smallest non-zero cap wins"
    LONGEST = "the longest period wins"
    LATEST = "the latest date wins"
    ANY = "on when any preset turns it on"
    UNION = "a receiver needs every flag any preset requires"


@dataclass(frozen=True, slots=True)
class Regime:
    """The token's ``setRegime`` values (0 / false: the rule is off and costs nothing)."""

    us_person_blocked_until: int = 0  # unix seconds: US-person receivers refused before it
    accreditation_us_only: bool = False  # require_accreditation applies to US persons only
    required_flags: int = 0  # receiver must hold every flag of the mask
    max_non_accredited: int = 0
    max_non_qualified_per_country: int = 0
    resale_period: int = 0  # seconds after acquisition; exempt receivers allowed
    affiliate_volume_bps: int = 0  # an affiliate's sales per window, share of supply
    affiliate_window: int = 0  # seconds

    def as_tuple(self) -> tuple[int | bool, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))


#: Every rule a preset can set, by spec key, and how presets combine on it.
COMBINE: Mapping[str, Combine] = {
    "rules.require_accreditation": Combine.ANY,
    "rules.max_holders": Combine.SMALLEST_CAP,
    "rules.holding_period": Combine.LONGEST,
    "regime.us_person_blocked_until": Combine.LATEST,
    "regime.accreditation_us_only": Combine.ANY,
    "regime.required_flags": Combine.UNION,
    "regime.max_non_accredited": Combine.SMALLEST_CAP,
    "regime.max_non_qualified_per_country": Combine.SMALLEST_CAP,
    "regime.resale_period": Combine.LONGEST,
    "regime.affiliate_volume_bps": Combine.SMALLEST_CAP,
    "regime.affiliate_window": Combine.LONGEST,
}

#: The rule behind each restriction code name (ERC-1404 codes of Restrictions.sol).
RULE_OF_RESTRICTION: Mapping[str, str] = {
    "HOLDING_PERIOD": "rules.holding_period",
    "NOT_ACCREDITED": "rules.require_accreditation",
    "MAX_HOLDERS": "rules.max_holders",
    "US_PERSON_RESTRICTED": "regime.us_person_blocked_until",
    "NOT_QIB": "regime.required_flags:qib",
    "NOT_QUALIFIED_PURCHASER": "regime.required_flags:qualified_purchaser",
    "NOT_EU_QUALIFIED": "regime.required_flags:eu_qualified",
    "MAX_NON_ACCREDITED": "regime.max_non_accredited",
    "MAX_NON_QUALIFIED_COUNTRY": "regime.max_non_qualified_per_country",
    "RESALE_RESTRICTED": "regime.resale_period",
    "AFFILIATE_VOLUME": "regime.affiliate_volume_bps",
}


@dataclass(frozen=True, slots=True)
class RuleSetting:
    """One rule value a preset sets: what, why (in the regulation's terms) and where from."""

    key: str
    value: int | bool
    cite: str
    meaning: str  # the value in the regulation's words: "fewer than 2,000 holders of record"
    refusal: str  # a refused transfer in the regulation's words
    dated: bool = False  # the refusal ends at a date (shown when known)


@dataclass(frozen=True, slots=True)
class Param:
    """A preset parameter: ``kind`` is bool, int, date or one of ``choices``."""

    name: str
    kind: str
    default: Any
    doc: str
    choices: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class PresetDef:
    name: str
    label: str  # how the regulation is called: "Reg D 506(c)"
    summary: str
    params: tuple[Param, ...]
    build: Callable[[Mapping[str, Any]], tuple[RuleSetting, ...]]
    off_chain: tuple[str, ...]  # the issuer's duties the token cannot check


@dataclass(frozen=True, slots=True)
class PresetUse:
    """A preset with its checked parameters and the rule values they give."""

    name: str
    label: str
    params: Mapping[str, Any]
    settings: tuple[RuleSetting, ...]

    def canonical(self) -> dict[str, Any]:
        """The preset as the spec's canonical form stores it (dates as ISO text)."""
        return {
            self.name: {
                k: v.isoformat() if isinstance(v, date) else v
                for k, v in self.params.items()
                if v is not None  # an optional parameter left out stays out
            }
        }


@dataclass(frozen=True, slots=True)
class Winner:
    """The value a rule gets after combining, and the preset (and setting) it comes from."""

    key: str
    value: int | bool
    preset: PresetUse
    setting: RuleSetting


# ---------------------------------------------------------------- the catalogue


def _holding(reporting: bool, why: str) -> RuleSetting:
    para = "(d)(1)(i)" if reporting else "(d)(1)(ii)"
    span = "six months" if reporting else "one year"
    status = "a reporting issuer" if reporting else "an issuer that does not report"
    return RuleSetting(
        "rules.holding_period",
        SIX_MONTHS if reporting else ONE_YEAR,
        f"17 CFR 230.144{para}",
        f"{span} holding period of restricted securities of {status}"
        f" ({SIX_MONTHS // DAY if reporting else ONE_YEAR // DAY} days){why}",
        "the sender's tokens are restricted securities within the Rule 144 holding period",
        dated=True,
    )


def _reg_d_506b(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    return (
        RuleSetting(
            "regime.max_non_accredited",
            35,
            "17 CFR 230.506(b)(2)(i)",
            "at most 35 purchasers who are not accredited investors",
            "the token already has 35 holders who are not accredited investors",
        ),
        _holding(bool(p["issuer_reporting"]), " (230.502(d): Reg D securities are restricted)"),
    )


def _reg_d_506c(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    return (
        RuleSetting(
            "rules.require_accreditation",
            True,
            "17 CFR 230.506(c)(2)(i)",
            "all purchasers are accredited investors",
            "the receiver is not an accredited investor",
        ),
        _holding(bool(p["issuer_reporting"]), " (230.502(d): Reg D securities are restricted)"),
    )


def _section_12g(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    room = int(p["headroom"])
    return (
        RuleSetting(
            "rules.max_holders",
            1_999 - room,
            "Exchange Act 12(g)(1)(A)(i)",
            f"fewer than 2,000 holders of record{_headroom(room)}",
            "the token has reached its cap of holders of record below the 2,000 that "
            "require registration",
        ),
        RuleSetting(
            "regime.max_non_accredited",
            499 - room,
            "Exchange Act 12(g)(1)(A)(ii)",
            f"fewer than 500 holders of record who are not accredited investors{_headroom(room)}",
            "the token has reached its cap of non-accredited holders of record below the 500 "
            "that require registration",
        ),
    )


def _headroom(room: int) -> str:
    return f", {room} kept free" if room else ""


def _rule_144_affiliates(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    return (
        RuleSetting(
            "regime.affiliate_volume_bps",
            100,
            "17 CFR 230.144(e)(1)(i)",
            "an affiliate sells at most 1% of the units outstanding in any three months",
            "the affiliate's sales would pass 1% of the units outstanding within three months",
        ),
        RuleSetting(
            "regime.affiliate_window",
            THREE_MONTHS,
            "17 CFR 230.144(e)(1)",
            "the three-month period of the volume limit (92 days)",
            "the affiliate's sales would pass the volume limit within three months",
        ),
    )


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _end_of(day: date) -> int:
    """Unix seconds of midnight UTC after ``day``: the first moment past that day."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    return int(start.timestamp())


def reg_s_period(p: Mapping[str, Any]) -> tuple[str, date | None, str]:
    """The distribution compliance period: its name, its last day (None: no period), paragraph."""
    category, security = int(p["category"]), str(p["security"])
    start: date = max(p["offering_start"], p["closing_date"] or p["offering_start"])
    if category == 1:
        return "no distribution compliance period", None, "17 CFR 230.903(b)(1)"
    if category == 2:
        return "40 days", start + timedelta(days=40), "17 CFR 230.903(b)(2)(ii)"
    if security == "debt":
        return "40 days", start + timedelta(days=40), "17 CFR 230.903(b)(3)(ii)(A)"
    months = 6 if p["issuer_reporting"] else 12
    span = "six months" if months == 6 else "one year"
    return span, _months_later(start, months), "17 CFR 230.903(b)(3)(iii)(A)"


def _reg_s(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    span, last_day, cite = reg_s_period(p)
    settings: list[RuleSetting] = []
    if last_day is not None:
        settings.append(
            RuleSetting(
                "regime.us_person_blocked_until",
                _end_of(last_day),
                cite,
                f"no transfer to a U.S. person (230.902(k)) during the {span} distribution "
                f"compliance period (230.902(f)), through {last_day.isoformat()}",
                "the receiver is a U.S. person during the distribution compliance period",
                dated=True,
            )
        )
    if p["domestic_issuer"] and p["security"] == "equity":
        settings.append(_holding(bool(p["issuer_reporting"]), " (230.905: restricted securities)"))
    return tuple(settings)


def _reg_cf(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    return (
        RuleSetting(
            "regime.resale_period",
            ONE_YEAR,
            "17 CFR 227.501(a)",
            "no transfer for one year from issuance (366 days) except to the issuer, an "
            "accredited investor or a family member, trust or estate (flag resale_exempt)",
            "the sender's tokens are within the one-year resale restriction and the receiver is "
            "neither the issuer, an accredited investor nor a permitted family transferee",
            dated=True,
        ),
    )


def _flag_rule(flag: str, cite: str, meaning: str, refusal: str) -> RuleSetting:
    return RuleSetting(f"regime.required_flags:{flag}", REGIME_FLAGS[flag], cite, meaning, refusal)


def _rule_144a(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    return (
        _flag_rule(
            "qib",
            "17 CFR 230.144A(d)(1)",
            "resales only to qualified institutional buyers (230.144A(a)(1))",
            "the receiver is not a qualified institutional buyer",
        ),
    )


def _ica_3c1(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    vc = bool(p["venture_capital_fund"])
    return (
        RuleSetting(
            "rules.max_holders",
            250 if vc else 100,
            "Investment Company Act 3(c)(1)(C)(i)" if vc else "Investment Company Act 3(c)(1)",
            "at most 250 beneficial owners (qualifying venture capital fund)"
            if vc
            else "at most 100 beneficial owners",
            "the fund has reached the beneficial owners its exclusion allows",
        ),
    )


def _ica_3c7(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    return (
        _flag_rule(
            "qualified_purchaser",
            "Investment Company Act 3(c)(7)(A)",
            "owned exclusively by qualified purchasers (ICA 2(a)(51))",
            "the receiver is not a qualified purchaser",
        ),
    )


def _eu_private_placement(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    return (
        RuleSetting(
            "regime.max_non_qualified_per_country",
            149,
            "Regulation (EU) 2017/1129 Art. 1(4)(b)",
            "fewer than 150 investors other than qualified investors per member state",
            "the receiver's member state already has 149 investors who are not qualified investors",
        ),
    )


def _eu_qualified_only(p: Mapping[str, Any]) -> tuple[RuleSetting, ...]:
    return (
        _flag_rule(
            "eu_qualified",
            "Regulation (EU) 2017/1129 Art. 1(4)(a)",
            "offered solely to qualified investors (Art. 2(e))",
            "the receiver is not a qualified investor",
        ),
    )


_REPORTING = Param(
    "issuer_reporting",
    "bool",
    False,
    "the issuer has reported under Exchange Act 13 or 15(d) for at least 90 days",
)
_RESTRICTED = (
    "legends and stop-transfer instructions on the restricted securities (230.502(d))",
    "Form D within 15 days of the first sale (230.503)",
    "bad actor checks of the issuer and covered persons (230.506(d))",
)

CATALOGUE: Mapping[str, PresetDef] = {
    d.name: d
    for d in (
        PresetDef(
            "reg_d_506b",
            "Reg D 506(b)",
            "Private offering: accredited investors and at most 35 other purchasers; "
            "restricted securities",
            (_REPORTING,),
            _reg_d_506b,
            (
                "each non-accredited purchaser is sophisticated (230.506(b)(2)(ii)) and receives "
                "the disclosure of 230.502(b)",
                "no general solicitation (230.502(c))",
                "counting purchasers of the offering (the token counts holders at a time)",
                *_RESTRICTED,
            ),
        ),
        PresetDef(
            "reg_d_506c",
            "Reg D 506(c)",
            "Offering with general solicitation, sold to accredited investors only",
            (_REPORTING,),
            _reg_d_506c,
            (
                "reasonable steps to verify each purchaser's accredited status "
                "(230.506(c)(2)(ii)); the registry's accredited flag records the outcome",
                *_RESTRICTED,
            ),
        ),
        PresetDef(
            "section_12g",
            "Exchange Act 12(g)",
            "Stay below the holder counts that require registration of the class",
            (Param("headroom", "int", 0, "holders kept free below both thresholds (0..498)"),),
            _section_12g,
            (
                "counting holders of record as Rule 12g5-1 does (a custodian or nominee "
                "wallet counts once; the token counts wallets)",
                "the total-assets test ($10 million) and the exemptions of Rule 12g3-2",
            ),
        ),
        PresetDef(
            "rule_144_affiliates",
            "Rule 144 (affiliates)",
            "An affiliate's sales within three months at most 1% of the units outstanding",
            (),
            _rule_144_affiliates,
            (
                "the alternative limit of the average weekly trading volume (230.144(e)(1)(ii)): "
                "the token applies the 1% limit only, the lower one where no market exists",
                "manner of sale and Form 144 notice (230.144(f), (g), (h))",
                "current public information (230.144(c))",
                "marking affiliates in the registry (flag affiliate)",
            ),
        ),
        PresetDef(
            "reg_s",
            "Reg S",
            "Offshore offering: no transfer to U.S. persons during the distribution "
            "compliance period",
            (
                Param("category", "choice", None, "issuer safe harbour category", (1, 2, 3)),
                Param("security", "choice", "equity", "equity or debt", ("equity", "debt")),
                _REPORTING,
                Param(
                    "offering_start",
                    "date",
                    None,
                    "first offer to persons other than distributors (YYYY-MM-DD)",
                ),
                Param(
                    "closing_date",
                    "date",
                    None,
                    "closing of the offering (defaults to offering_start)",
                ),
                Param(
                    "domestic_issuer",
                    "bool",
                    False,
                    "a U.S. issuer: equity sold under Reg S is restricted (230.905)",
                ),
            ),
            _reg_s,
            (
                "offshore transactions and no directed selling efforts (230.903(a))",
                "purchaser certifications and legends for category 3 equity "
                "(230.903(b)(3)(iii)(B))",
                "marking U.S. persons in the registry as 230.902(k) defines them (flag "
                "us_person): residence is not the test",
            ),
        ),
        PresetDef(
            "reg_cf",
            "Reg CF",
            "Crowdfunding: no transfer for one year except to permitted transferees",
            (),
            _reg_cf,
            (
                "investment limits per investor (227.100(a)(2))",
                "transfers as part of a registered offering (227.501(a)(3)): a controller's "
                "forced transfer",
                "marking family members, trusts and estates in the registry (flag "
                "resale_exempt; 227.501(a)(4), (b))",
                "Form C and annual reports (227.201, 227.202); intermediary (227.300)",
            ),
        ),
        PresetDef(
            "rule_144a",
            "Rule 144A",
            "Resales to qualified institutional buyers only",
            (),
            _rule_144a,
            (
                "the QIB determination and its evidence (230.144A(d)(1)); the registry's qib "
                "flag records the outcome",
                "notice to the buyer and information rights (230.144A(d)(2), (d)(4))",
            ),
        ),
        PresetDef(
            "ica_3c1",
            "ICA 3(c)(1)",
            "Private fund excluded by owner count",
            (
                Param(
                    "venture_capital_fund",
                    "bool",
                    False,
                    "a qualifying venture capital fund (250 owners)",
                ),
            ),
            _ica_3c1,
            (
                "look-through of entity owners holding 10% or more (3(c)(1)(A))",
                "no public offering of the fund's securities",
            ),
        ),
        PresetDef(
            "ica_3c7",
            "ICA 3(c)(7)",
            "Private fund owned exclusively by qualified purchasers",
            (),
            _ica_3c7,
            (
                "verifying qualified purchaser status (ICA 2(a)(51)); knowledgeable employees "
                "(Rule 3c-5) need the flag set by the compliance officer",
                "no public offering of the fund's securities",
            ),
        ),
        PresetDef(
            "eu_private_placement",
            "EU Prospectus Regulation",
            "No prospectus: fewer than 150 non-qualified investors per member state",
            (),
            _eu_private_placement,
            (
                "classifying qualified investors (Art. 2(e), MiFID II Annex II); the registry's "
                "eu_qualified flag records the outcome",
                "the count is per offer; the token counts current holders per country",
            ),
        ),
        PresetDef(
            "eu_qualified_only",
            "EU Prospectus Regulation",
            "No prospectus: offer addressed solely to qualified investors",
            (),
            _eu_qualified_only,
            ("classifying qualified investors (Art. 2(e)); the eu_qualified flag",),
        ),
    )
}

#: Pairs that cannot be combined, and why.
_EXCLUSIVE: Mapping[frozenset[str], str] = {
    frozenset({"reg_d_506b", "reg_d_506c"}): (
        "an offering relies on 506(b) or on 506(c), not both (506(c) permits the general "
        "solicitation 506(b) forbids); choose one"
    ),
    frozenset({"ica_3c1", "ica_3c7"}): (
        "a fund relies on one exclusion, 3(c)(1) or 3(c)(7); choose one"
    ),
    frozenset({"eu_private_placement", "eu_qualified_only"}): (
        "Art. 1(4)(a) admits qualified investors only, so (b)'s count of other investors can "
        "never apply; keep eu_qualified_only, or eu_private_placement to admit others"
    ),
}


# ---------------------------------------------------------------- checking parameters


def _check_param(param: Param, value: Any, path: str) -> tuple[Any, str | None]:
    where = f"{path}.{param.name}"
    if param.kind == "bool":
        if isinstance(value, bool):
            return value, None
        return None, f"{where}: must be true or false"
    if param.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return None, f"{where}: must be a whole number 0 or more"
        return value, None
    if param.kind == "date":
        if isinstance(value, datetime):
            return None, f"{where}: must be a date (YYYY-MM-DD), not a time"
        if isinstance(value, date):
            return value, None
        try:
            return date.fromisoformat(str(value)), None
        except ValueError:
            return None, f"{where}: {value!r} is not a date (YYYY-MM-DD)"
    if value in param.choices and not isinstance(value, bool):
        return value, None
    shown = ", ".join(str(c) for c in param.choices)
    return None, f"{where}: must be one of {shown} (got {value!r})"


def build_preset(name: str, raw: Any, path: str = "presets[0]") -> PresetUse:
    """One preset with its parameters checked (PresetError naming ``path`` otherwise)."""
    definition = CATALOGUE.get(name)
    if definition is None:
        raise PresetError([f"{path}: unknown preset {name!r} (presets: {', '.join(CATALOGUE)})"])
    where = f"{path}.{name}"
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise PresetError([f"{where}: parameters must be a mapping"])
    known = {p.name: p for p in definition.params}
    problems = [
        f"unknown key {where}.{key} ("
        + (f"keys: {', '.join(known)}" if known else f"{name} takes no parameters")
        + ")"
        for key in raw
        if key not in known
    ]
    params: dict[str, Any] = {}
    for param in definition.params:
        if param.name not in raw:
            if param.default is None and param.name != "closing_date":
                problems.append(f"{where}.{param.name} is required ({param.doc})")
            params[param.name] = param.default
            continue
        value, problem = _check_param(param, raw[param.name], where)
        if problem:
            problems.append(problem)
        params[param.name] = value
    if not problems:
        problems += _cross_check(name, params, where)
    if problems:
        raise PresetError(problems)
    return PresetUse(name, definition.label, params, definition.build(params))


def _cross_check(name: str, params: Mapping[str, Any], where: str) -> list[str]:
    if name == "section_12g" and params["headroom"] > 498:
        return [f"{where}.headroom: at most 498 (it comes off the 499 non-accredited holders)"]
    closing = params.get("closing_date")
    if name == "reg_s" and closing is not None and closing < params["offering_start"]:
        return [f"{where}.closing_date: before offering_start"]
    return []


def parse_presets(raw: Any, path: str = "presets") -> Resolution:
    """The spec's ``presets:`` list (names, or ``{name: params}`` mappings) checked and
    combined, every problem at once (PresetError)."""
    if raw is None:
        return Resolution()
    if not isinstance(raw, list):
        raw = [raw]
    uses: list[PresetUse] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        if isinstance(item, str):
            name, params = item, None
        elif isinstance(item, Mapping) and len(item) == 1:
            name, params = next(iter(item.items()))
            name = str(name)
        else:
            problems.append(f"{where}: a preset name or one mapping {{name: parameters}}")
            continue
        try:
            uses.append(build_preset(name, params, where))
        except PresetError as exc:
            problems += exc.problems
    if problems:
        raise PresetError(problems)
    return resolve(uses, path)


# ---------------------------------------------------------------- combining


def _tighter(kind: Combine, new: int | bool, old: int | bool) -> bool:
    if kind is Combine.SMALLEST_CAP:
        return bool(new) and (not old or new < old)
    if kind is Combine.ANY:
        return bool(new) and not old
    return new > old  # LONGEST, LATEST


@dataclass(frozen=True, slots=True)
class Resolution:
    """Presets combined: the winning value of every rule a preset sets."""

    uses: tuple[PresetUse, ...] = ()
    winners: Mapping[str, Winner] = field(default_factory=dict)

    def rule_values(self) -> dict[str, int | bool]:
        """The ``rules.*`` values the presets set, by field name."""
        return {
            k.removeprefix("rules."): w.value
            for k, w in self.winners.items()
            if k.startswith("rules.")
        }

    def regime(self) -> Regime:
        values: dict[str, Any] = {}
        for key, winner in self.winners.items():
            if key.startswith("regime.required_flags:"):
                values["required_flags"] = values.get("required_flags", 0) | int(winner.value)
            elif key.startswith("regime."):
                values[key.removeprefix("regime.")] = winner.value
        return Regime(**values)

    def loosened_by(self, explicit: Mapping[str, int | bool]) -> list[str]:
        """Explicit ``rules:`` values (field name to value) that loosen a preset's rule."""
        problems = []
        for name, value in explicit.items():
            winner = self.winners.get(f"rules.{name}")
            if winner is None:
                continue
            if value == winner.value or _tighter(COMBINE[winner.key], value, winner.value):
                continue
            problems.append(
                f"rules.{name}: {_show(winner.key, value)} loosens {winner.preset.name}'s "
                f"{_show(winner.key, winner.value)} ({winner.setting.meaning}; "
                f"{winner.setting.cite}); tighten or drop the preset"
            )
        return problems

    def describe(self) -> list[str]:
        """One line per preset and per rule value it sets (marked when another preset's value
        wins), for the deploy plan."""
        lines = []
        for use in self.uses:
            params = ", ".join(f"{k}={_param(v)}" for k, v in use.params.items())
            lines.append(f"preset {use.name} ({use.label}{': ' + params if params else ''})")
            for s in use.settings:
                winner = self.winners[s.key]
                won = winner.preset is use
                note = "" if won else f" (tighter {winner.preset.name} value applies)"
                lines.append(
                    f"  {s.key.split(':')[0]} = {_show(s.key, s.value)}: {s.meaning} "
                    f"[{s.cite}]{note}"
                )
        return lines

    def explain(self, restriction: str, ends_at: int | None = None) -> str | None:
        """A refusal (restriction code name) in the regulation's terms, None when no preset set
        the rule behind it. ``ends_at`` (unix seconds) is when it ends, if known."""
        key = RULE_OF_RESTRICTION.get(restriction)
        winner = self.winners.get(key) if key else None
        if winner is None:
            return None
        setting = winner.setting
        if setting.dated and ends_at is None and key == "regime.us_person_blocked_until":
            ends_at = int(winner.value)
        end = f"ends {_day_before(ends_at)}; " if setting.dated and ends_at else ""
        return f"{winner.preset.label}: {setting.refusal} ({end}{setting.cite})"


def _day_before(timestamp: int) -> str:
    """The last day (UTC) a refusal lasts when it lifts at ``timestamp``."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    if moment.time() == datetime.min.time():
        moment -= timedelta(days=1)
    return moment.date().isoformat()


def _param(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value).lower()


def _show(key: str, value: int | bool) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if value == 0:
        return "0 (none)"
    if key.endswith(("_period", "_window")):
        return f"{value // DAY}d" if value % DAY == 0 else f"{value} s"
    if key.endswith("_until"):
        return datetime.fromtimestamp(value, tz=UTC).isoformat().replace("+00:00", "Z")
    if key.endswith("_bps"):
        return f"{value} bps"
    if ":" in key:
        return key.split(":")[1]
    return f"{value:,}"


def resolve(uses: Sequence[PresetUse], path: str = "presets") -> Resolution:
    """Combine presets: per rule the tightest value wins (``COMBINE``); a preset named twice
    or an exclusive pair is refused with the reason (PresetError)."""
    problems = []
    names = [u.name for u in uses]
    for index, name in enumerate(names):
        if name in names[:index]:
            problems.append(f"{path}[{index}]: {name} is named twice; name each preset once")
    present = set(names)
    for pair, reason in _EXCLUSIVE.items():
        if pair <= present:
            a, b = sorted(pair)
            problems.append(f"{path}: {a} and {b} cannot combine: {reason}")
    if problems:
        raise PresetError(problems)
    winners: dict[str, Winner] = {}
    for use in uses:
        for setting in use.settings:
            kind = COMBINE[setting.key.split(":")[0]]
            old = winners.get(setting.key)
            if old is None or _tighter(kind, setting.value, old.value):
                winners[setting.key] = Winner(setting.key, setting.value, use, setting)
    reg_d = [u for u in uses if u.name.startswith("reg_d_")]
    reg_s = next((u for u in uses if u.name == "reg_s"), None)
    if reg_d and reg_s is not None and "rules.require_accreditation" in winners:
        # Reg D governs the U.S. tranche; the offshore tranche under Reg S is outside Section 5
        # (230.901), so accreditation binds U.S. persons only.
        winners["regime.accreditation_us_only"] = Winner(
            "regime.accreditation_us_only",
            True,
            reg_s,
            RuleSetting(
                "regime.accreditation_us_only",
                True,
                "17 CFR 230.901",
                "Reg D's accreditation applies to U.S. persons; offshore buyers under Reg S "
                "need none",
                "the receiver is a U.S. person who is not an accredited investor",
            ),
        )
    return Resolution(tuple(uses), winners)
