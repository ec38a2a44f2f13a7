"""ERC-1404 restriction codes and readable decoding of contract reverts.

``RESTRICTIONS`` mirrors ``contracts/compliance/Restrictions.sol`` (the end-to-end tests check the
mirror against ``messageForTransferRestriction`` on chain). ``ErrorDecoder`` turns revert data
(a custom error, or Solidity's built-in ``Error`` with a message or ``Panic`` with a code) into
the error's name and arguments, using the packaged ABIs of the contracts involved, and
``explain`` turns any exception raised while sending into one line a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode
from eth_utils.address import to_checksum_address

from sectoken.abi import (
    builtin_error_entries,
    canonical_type,
    entry_selector,
    role_id,
    role_names,
)

__all__ = [
    "RESTRICTIONS",
    "ROLE_NAMES",
    "DecodedError",
    "ErrorDecoder",
    "Restriction",
    "abi_type",
    "role_name",
]


@dataclass(frozen=True, slots=True)
class Restriction:
    """One ERC-1404 code: its constant name, ERC-1066 status byte and message."""

    code: int
    name: str
    status: int
    message: str


_S_FAILURE, _S_SUCCESS, _S_BALANCE, _S_ALLOWANCE = 0x50, 0x51, 0x52, 0x53
_S_HALTED, _S_LOCKED, _S_SENDER, _S_RECEIVER = 0x54, 0x55, 0x56, 0x57

RESTRICTIONS: dict[int, Restriction] = {
    r.code: r
    for r in (
        Restriction(0, "SUCCESS", _S_SUCCESS, "No restriction"),
        Restriction(1, "PAUSED", _S_HALTED, "All transfers are paused"),
        Restriction(
            2,
            "SENDER_NOT_VERIFIED",
            _S_SENDER,
            "Sender is not verified: no registry record or KYC expired",
        ),
        Restriction(
            3,
            "RECEIVER_NOT_VERIFIED",
            _S_RECEIVER,
            "Receiver is not verified: no registry record or KYC expired",
        ),
        Restriction(4, "SENDER_FROZEN", _S_SENDER, "Sender wallet is frozen"),
        Restriction(5, "RECEIVER_FROZEN", _S_RECEIVER, "Receiver wallet is frozen"),
        Restriction(6, "INSUFFICIENT_BALANCE", _S_BALANCE, "Sender balance is insufficient"),
        Restriction(7, "FROZEN_BALANCE", _S_LOCKED, "Amount exceeds the sender's unfrozen balance"),
        Restriction(8, "SENDER_LOCKED", _S_LOCKED, "Sender is in a lockup period"),
        Restriction(
            9,
            "HOLDING_PERIOD",
            _S_LOCKED,
            "Sender's tokens are within the holding period after issuance",
        ),
        Restriction(
            10,
            "COUNTRY_NOT_ALLOWED",
            _S_RECEIVER,
            "Receiver's country is not allowed for this token",
        ),
        Restriction(11, "NOT_ACCREDITED", _S_RECEIVER, "Receiver must be an accredited investor"),
        Restriction(12, "MAX_HOLDERS", _S_FAILURE, "Maximum number of holders reached"),
        Restriction(
            13,
            "MAX_HOLDERS_COUNTRY",
            _S_FAILURE,
            "Maximum number of holders for the receiver's country reached",
        ),
        Restriction(
            14,
            "MAX_BALANCE",
            _S_FAILURE,
            "Receiver's balance would exceed the maximum allowed",
        ),
        Restriction(15, "INVALID_RECEIVER", _S_RECEIVER, "Receiver is the zero address"),
        Restriction(
            16, "INSUFFICIENT_ALLOWANCE", _S_ALLOWANCE, "Spender allowance is insufficient"
        ),
        Restriction(17, "INVALID_SENDER", _S_SENDER, "Sender is the zero address"),
        Restriction(18, "ISSUANCE_CLOSED", _S_FAILURE, "Issuance is closed for good"),
        Restriction(19, "SUPPLY_LIMIT", _S_FAILURE, "Total supply would exceed 2^208 - 1"),
        Restriction(20, "ZERO_ISSUANCE", _S_FAILURE, "Nothing to issue: the amount is zero"),
        Restriction(
            21,
            "BELOW_MIN_POSITION",
            _S_FAILURE,
            "A wallet that holds none must receive at least the minimum position",
        ),
        Restriction(
            22,
            "REMAINDER_BELOW_MIN_POSITION",
            _S_FAILURE,
            "Sender would keep less than the minimum position: move all of it or keep the minimum",
        ),
        Restriction(
            23,
            "SPENDER_FROZEN",
            _S_SENDER,
            "Spender is frozen (on this token or in the registry) or recovered",
        ),
        Restriction(
            24,
            "SPENDER_NOT_ALLOWED",
            _S_SENDER,
            "Spender is neither a verified investor nor an operator approved for this token",
        ),
        # The regime rules (setRegime): their texts come from the admin module on chain.
        Restriction(
            25, "US_PERSON_RESTRICTED", _S_RECEIVER, "Reg S: U.S. person in compliance period"
        ),
        Restriction(26, "NOT_QIB", _S_RECEIVER, "Rule 144A: receiver not a QIB"),
        Restriction(
            27, "NOT_QUALIFIED_PURCHASER", _S_RECEIVER, "Receiver not a qualified purchaser"
        ),
        Restriction(28, "NOT_EU_QUALIFIED", _S_RECEIVER, "Receiver not an EU qualified investor"),
        Restriction(29, "MAX_NON_ACCREDITED", _S_FAILURE, "Non-accredited holder limit reached"),
        Restriction(
            30,
            "MAX_NON_QUALIFIED_COUNTRY",
            _S_FAILURE,
            "Country's non-qualified holder limit reached",
        ),
        Restriction(31, "RESALE_RESTRICTED", _S_LOCKED, "Resale period: receiver not permitted"),
        Restriction(32, "AFFILIATE_VOLUME", _S_FAILURE, "Rule 144(e): affiliate volume limit"),
    )
}

#: Every role the suite's contracts declare, by its bytes32 id (from the packaged ABI).
ROLE_NAMES: dict[bytes, str] = {role_id(name): name for name in role_names()}


def role_name(role: bytes | bytearray | str) -> str:
    """``ISSUER_ROLE`` for keccak256("ISSUER_ROLE"), the hex value for an unknown role."""
    raw = _to_bytes(role)
    return ROLE_NAMES.get(raw, "0x" + raw.hex())


def abi_type(param: Mapping[str, Any]) -> str:
    """The canonical type of an ABI parameter (tuples expanded)."""
    return canonical_type(param)


@dataclass(frozen=True, slots=True)
class DecodedError:
    """A revert decoded: the error's name, its arguments in order, and a readable sentence."""

    name: str
    args: tuple[tuple[str, Any], ...]
    explanation: str

    def arg(self, name: str) -> Any:
        return dict(self.args)[name]

    def signature(self) -> str:
        inner = ", ".join(f"{k}={_show(v)}" for k, v in self.args)
        return f"{self.name}({inner})"

    def __str__(self) -> str:
        sig = self.signature()
        return f"{sig}: {self.explanation}" if self.explanation else sig


_PANICS = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x22: "bad storage byte array",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialised function",
}
_HEX_DATA = re.compile(r"0x[0-9a-fA-F]{8}(?:[0-9a-fA-F]{64})*\b")


class ErrorDecoder:
    """Decodes revert data with the custom errors of the given ABIs (JSON ABI lists), and
    Solidity's built-in ``Error`` (a message) and ``Panic`` (a code)."""

    def __init__(self, abis: Iterable[Sequence[Mapping[str, Any]]] = ()) -> None:
        self._errors: dict[bytes, tuple[str, list[str], list[str]]] = {}
        self.add_abi(builtin_error_entries())
        self._builtin = len(self._errors)
        for abi in abis:
            self.add_abi(abi)

    @classmethod
    def from_abi_entries(cls, entries: Iterable[Mapping[str, Any]]) -> ErrorDecoder:
        """From ABI entries (e.g. ``sectoken.abi.error_entries()``); non-errors are ignored."""
        return cls([list(entries)])

    def add_abi(self, abi: Sequence[Mapping[str, Any]]) -> None:
        for item in abi:
            if item.get("type") != "error":
                continue
            inputs = list(item.get("inputs", []))
            types = [abi_type(p) for p in inputs]
            names = [str(p.get("name") or f"arg{i}") for i, p in enumerate(inputs)]
            self._errors[entry_selector(item)] = (str(item["name"]), types, names)

    @classmethod
    def from_contract_types(cls, contract_types: Iterable[Any]) -> ErrorDecoder:
        """From Ape contract types (``project.X.contract_type``) or anything with ``.abi``."""
        decoder = cls()
        for ct in contract_types:
            abi = [
                a.model_dump(mode="json", by_alias=True) if hasattr(a, "model_dump") else a
                for a in ct.abi
            ]
            decoder.add_abi(abi)
        return decoder

    def __len__(self) -> int:
        """The number of custom errors known (the two built-in ones not counted)."""
        return len(self._errors) - self._builtin

    def decode(self, data: bytes | bytearray | str) -> DecodedError | None:
        """The error in ``data`` (selector + ABI-encoded arguments), None if unknown."""
        raw = _to_bytes(data)
        if len(raw) < 4:
            return None
        known = self._errors.get(raw[:4])
        if known is None:
            return None
        name, types, names = known
        try:
            values = decode(types, raw[4:])
        except Exception:
            return None
        args = tuple(zip(names, (_normalise(v) for v in values), strict=True))
        return DecodedError(name, args, _explain(name, dict(args)))

    def explain(self, exc: BaseException) -> str:
        """One line for an exception raised by a call or transaction."""
        decoded = self.decode_exception(exc)
        if decoded is not None:
            return str(decoded)
        text = str(exc).strip().splitlines()
        return text[0] if text else type(exc).__name__

    def decode_exception(self, exc: BaseException) -> DecodedError | None:
        """Find revert data on an exception (Ape, web3 or plain text) and decode it."""
        seen: set[int] = set()
        current: BaseException | None = exc
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            found = self._from_one(current)
            if found is not None:
                return found
            current = current.__cause__ or current.__context__
        return None

    def _from_one(self, exc: BaseException) -> DecodedError | None:
        abi = getattr(exc, "abi", None)
        inputs = getattr(exc, "inputs", None)
        if abi is not None and isinstance(inputs, dict) and getattr(abi, "name", None):
            name = str(abi.name)
            args = tuple((k, _normalise(v)) for k, v in inputs.items())
            return DecodedError(name, args, _explain(name, dict(args)))
        for attr in ("data", "revert_message", "message"):
            value = getattr(exc, attr, None)
            if isinstance(value, bytes | bytearray) or (
                isinstance(value, str) and value.startswith("0x")
            ):
                decoded = self.decode(bytes(value) if isinstance(value, bytearray) else value)
                if decoded is not None:
                    return decoded
        if isinstance(exc.args, tuple):
            for value in exc.args:
                if isinstance(value, bytes | bytearray | str):
                    decoded = self._search(value)
                    if decoded is not None:
                        return decoded
        return self._search(str(exc))

    def _search(self, value: bytes | bytearray | str) -> DecodedError | None:
        if isinstance(value, bytes | bytearray):
            return self.decode(bytes(value))
        for match in _HEX_DATA.finditer(value):
            decoded = self.decode(match.group(0))
            if decoded is not None:
                return decoded
        return None


def _explain(name: str, args: Mapping[str, Any]) -> str:
    """The readable sentence for errors whose meaning is worth spelling out."""
    if name == "Error":
        return str(args.get("message", ""))
    if name == "Panic":
        return _PANICS.get(int(args.get("code", -1)), "unknown panic")
    if name == "TransferRestricted":
        code = int(args.get("code", -1))
        known = RESTRICTIONS.get(code)
        reason = str(args.get("reason") or (known.message if known else "unknown rule"))
        label = f" {known.name}" if known else ""
        return f"the token's rules refused it (code {code}{label}): {reason}"
    if name == "AccessControlUnauthorizedAccount":
        role = role_name(args.get("neededRole", b""))
        return (
            f"{args.get('account')} does not hold {role}: "
            f"ask an admin to grant it, or use an account that has it"
        )
    if name == "InvestorNotFound":
        return f"{args.get('wallet')} has no record in the investor registry"
    if name == "InvalidRecord":
        return "the record has no valid country (1..999) or sets reserved bits"
    if name == "ZeroAddress":
        return "the zero address is not a valid wallet here"
    if name == "EmptyBatch":
        return "a batch must hold at least one entry"
    if name == "LengthMismatch":
        return "batch arrays differ in length"
    if name == "RecordDateNotReached":
        return f"record date {args.get('id')} does not exist or has not passed yet"
    if name in _DATED:
        return _DATED[name](args)
    if name == "IssuanceClosed":
        return "issuance has been closed for good on this token"
    if name == "ERC20InsufficientBalance":
        return f"{args.get('sender')} holds {args.get('balance')}, needs {args.get('needed')}"
    return ""


def _date(value: Any) -> str:
    """A timestamp argument as a date (UTC); a value no date can show stays a number."""
    from sectoken.model.dates import DateError, format_timestamp

    try:
        return format_timestamp(int(value))
    except (DateError, TypeError, ValueError):
        return str(value)


# Errors carrying timestamps: explained with dates, never unix seconds.
_DATED: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "RecordDateNotInFuture": lambda a: (
        f"a record date must lie in the future: {_date(a.get('timestamp'))} is not after the "
        f"chain's time {_date(a.get('nowTimestamp'))}"
    ),
    "RecordDatePending": lambda a: (
        f"record date {a.get('id')} ({_date(a.get('timestamp'))}) is still pending"
    ),
    "RecordDateNotPassed": lambda a: f"record date {a.get('recordDateId')} has not passed yet",
    "InvalidWindow": lambda a: (
        f"the voting window {_date(a.get('start'))} to {_date(a.get('end'))} must end after it "
        "starts and in the future"
    ),
    "VotingNotOpen": lambda a: f"ballot {a.get('id')} opens at {_date(a.get('start'))}",
    "VotingClosed": lambda a: f"ballot {a.get('id')} closed at {_date(a.get('end'))}",
    "ExpiryNotInFuture": lambda a: f"the expiry {_date(a.get('expiry'))} is not in the future",
    "DistributionNotExpired": lambda a: (
        f"distribution {a.get('id')} runs until {_date(a.get('expiry'))}"
    ),
}


def _normalise(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        try:
            return to_checksum_address(value)
        except ValueError:
            return value
    if isinstance(value, tuple | list):
        return type(value)(_normalise(v) for v in value)
    return value


def _show(value: Any) -> str:
    if isinstance(value, str) and not value.startswith("0x"):
        return repr(value)
    return str(value)


def _to_bytes(data: bytes | bytearray | str) -> bytes:
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    text = data.strip()
    if text.startswith(("0x", "0X")):
        text = text[2:]
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b""
