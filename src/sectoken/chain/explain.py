"""Turn exceptions a user can cause (Ape's, web3's, the node's) into one SectokenError each.

``explain(exc)`` is the single place that knows the shapes these errors take: Ape's exception
classes, the node's raw JSON-RPC text (``(-32003) Insufficient funds for gas * price + value``,
``Nonce '13' is too low``), web3's connection errors, and reverts carrying a custom error of the
suite. What it returns names the problem and the fix; ``None`` means the exception is not a user
error (a bug, to be reported with its traceback).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from sectoken.errors import SectokenError
from sectoken.model.presets import PresetError, parse_presets
from sectoken.model.restrictions import RESTRICTIONS, DecodedError, ErrorDecoder

__all__ = [
    "NoFundsError",
    "NoNodeError",
    "NonceClashError",
    "RevertError",
    "explain",
    "in_regulation_terms",
    "is_nonce_clash",
    "tx_hash_of",
]

# A rough gas figure for "how much is needed" when the node refused to estimate.
_TYPICAL_GAS = 300_000

_NO_NODE = re.compile(r"No \(supported\) node found on '([^']+)'")
_MISSING_URI = re.compile(r"Missing URI for network '([^']+)' on '([^']+)'")
_HAVE_WANT = re.compile(r"have (\d+) want (\d+)")
# Ape's own check: "... exceeds account balance for account '0x..' (transfer_value=N, balance=M)"
_APE_BALANCE = re.compile(
    r"for account '(0x[0-9a-fA-F]{40})'.*?transfer_value=(\d+), balance=(\d+)", re.DOTALL
)
_NONCE_TEXT = (
    "nonce too low",
    "is too low",
    "invalid nonce",
    "already known",
    "replacement transaction underpriced",
    "nonce too high",
)
_NO_FUNDS_TEXT = (
    "insufficient funds",
    "gas required exceeds allowance: 0",
    "not have enough balance",
    "insufficient balance",
    "exceeds account balance",
)
_CONNECTION_TEXT = (
    "could not discover provider",
    "connection refused",
    "max retries exceeded",
    "failed to establish a new connection",
    "not connected",
    "remote end closed connection",
    "connection aborted",
)


class NoNodeError(SectokenError):
    """No node answers at the network's URL (or the connection was lost)."""


class NoFundsError(SectokenError):
    """The sending account cannot pay for the transaction."""


class NonceClashError(SectokenError):
    """The account's nonce was used by another transaction (another sender, another run)."""


class RevertError(SectokenError):
    """The contract refused: ``decoded`` is the rule (custom error and arguments)."""

    def __init__(self, decoded: DecodedError, *, tx_hash: str | None = None) -> None:
        self.decoded = decoded
        self.tx_hash = tx_hash
        where = f" (transaction {tx_hash})" if tx_hash else " (nothing was sent)"
        super().__init__(
            f"the contract refused the transaction: {decoded}{where}",
            hint=_revert_hint(decoded),
        )


def _revert_hint(decoded: DecodedError) -> str:
    if decoded.name == "AccessControlUnauthorizedAccount":
        return "use an account that holds the role (--account), or have an admin grant it"
    return "fix what the rule above names and run the command again (-v shows Ape's call trace)"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then its causes and contexts (each once)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        base = getattr(current, "base_err", None)
        if isinstance(base, BaseException) and id(base) not in seen:
            yield base
            seen.add(id(base))
        current = current.__cause__ or current.__context__


def tx_hash_of(exc: BaseException) -> str | None:
    """The hash of the transaction an exception is about, when one was signed and sent."""
    for item in _chain(exc):
        for holder in (item, getattr(item, "txn", None), getattr(item, "receipt", None)):
            if holder is None:
                continue
            try:
                value = getattr(holder, "txn_hash", None)
            except Exception:  # unsigned transactions raise instead of returning None
                value = None
            if value:
                text = value.hex() if isinstance(value, bytes | bytearray) else str(value)
                return text if text.startswith("0x") else "0x" + text
    return None


def _text(exc: BaseException) -> str:
    return " | ".join(f"{type(e).__name__}: {e}" for e in _chain(exc))


def is_nonce_clash(exc: BaseException) -> bool:
    """Whether the node (or Ape) refused the transaction because its nonce was already used."""
    low = _text(exc).lower()
    return any(marker in low for marker in _NONCE_TEXT)


def explain(
    exc: BaseException,
    *,
    decoder: ErrorDecoder | None = None,
    balance_of: Any = None,
) -> SectokenError | None:
    """The user error behind ``exc``, or None when it is not one (a bug: show the traceback).

    ``decoder`` decodes the suite's custom errors; ``balance_of(wallet) -> int`` (wei) lets the
    no-funds message say how much the account holds (the connected provider's by default).
    """
    if isinstance(exc, SectokenError):
        return exc
    names = {type(e).__name__ for e in _chain(exc)}
    text = _text(exc)
    low = text.lower()

    if decoder is not None:
        decoded = decoder.decode_exception(exc)
        if decoded is not None:
            return RevertError(decoded, tx_hash=tx_hash_of(exc))

    if any(marker in low for marker in _NO_FUNDS_TEXT):
        return _no_funds(exc, text, balance_of)
    if is_nonce_clash(exc):
        return NonceClashError(
            "the account's next transaction number (nonce) was already used: another "
            "transaction from the same account (another program, or an earlier run) got there "
            "first",
            hint="run the same command again: it reads the chain and sends only what is missing",
        )

    found = _NO_NODE.search(text)
    if found:
        return NoNodeError(
            f"no node answers at {found.group(1)}",
            hint="start the node (e.g. `make node`, or `anvil --port N`) or check the URL "
            "given to --network",
        )
    found = _MISSING_URI.search(text)
    if found:
        network, ecosystem = found.group(1), found.group(2)
        return NoNodeError(
            f"the network {ecosystem}:{network} has no RPC URL this machine can reach",
            hint=f"set one in ape-config.yaml ({ecosystem}: {network}: uri: ...) or pass "
            "--network https://YOUR-RPC-URL",
        )
    if names & {"ProviderNotConnectedError", "ConnectionError", "ConnectionRefusedError"} or any(
        marker in low for marker in _CONNECTION_TEXT
    ):
        return NoNodeError(
            "the node is not reachable (no node running, or the connection was lost)",
            hint="start the node (e.g. `make node`) or check --network, then run the command again",
        )
    if names & {"NetworkNotFoundError", "EcosystemNotFoundError", "ProviderNotFoundError"}:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return SectokenError(
            f"unknown network: {first}",
            hint="use ecosystem:network[:provider] (e.g. ethereum:local:foundry) or a node URL; "
            "`ape networks list` shows them",
        )
    if "AccountsError" in names and "alias" in low:
        return SectokenError(
            f"unknown account: {str(exc).splitlines()[0]}",
            hint="`ape accounts list` shows the aliases; TEST::0 is the first test account",
        )
    if "OutOfGasError" in names:
        return SectokenError(
            "the transaction ran out of gas" + _hash_note(exc),
            hint="run the command again; if it repeats, report it (the gas limit is too tight)",
        )
    if names & {"ContractLogicError", "CustomError"} or "reverted" in low:
        return SectokenError(
            "the contract refused the transaction without a reason it could decode"
            + _hash_note(exc),
            hint="check the account's role and the arguments; -v (or SECTOKEN_DEBUG=1) shows "
            "Ape's call trace",
        )
    if names & {"RPCTimeoutError", "TimeoutError", "ReadTimeout", "TimeExhausted"}:
        return SectokenError(
            "the node did not answer in time" + _hash_note(exc),
            hint="check the node, then run the same command again: it checks the chain before "
            "sending anything",
        )
    return None


#: Refusals that last a period from the sender's acquisition, and where the period is stored in
#: the deployment's canonical spec (section, key).
_PER_HOLDER_PERIOD = {
    "HOLDING_PERIOD": ("rules", "holding_period"),
    "RESALE_RESTRICTED": ("regime", "resale_period"),
}


def in_regulation_terms(
    spec: Mapping[str, Any] | None, code: int, *, acquired_at: int | None = None
) -> str | None:
    """A refusal code in the terms of the regulation whose preset set the rule, with the date
    the refusal ends where it ends ("Reg S: the receiver is a U.S. person during the
    distribution compliance period (ends 2027-01-10; 17 CFR 230.903(b)(3)(iii)(A))").

    ``spec`` is the deployment's recorded (canonical) spec; ``acquired_at`` the sender's last
    acquisition (``walletState``), from which holding and resale periods run. None when no
    preset set the rule (the token's own message then says it)."""
    known = RESTRICTIONS.get(code)
    if not spec or known is None or not spec.get("presets"):
        return None
    try:
        resolution = parse_presets(spec["presets"])
    except PresetError:
        return None  # a file edited by hand: the token's own message still applies
    ends_at = None
    where = _PER_HOLDER_PERIOD.get(known.name)
    if where is not None and acquired_at:
        period = spec.get(where[0], {}).get(where[1])
        if period is None:
            period = resolution.regime().resale_period
        ends_at = acquired_at + int(period) if period else None
    return resolution.explain(known.name, ends_at)


def _hash_note(exc: BaseException) -> str:
    tx_hash = tx_hash_of(exc)
    return f" (transaction {tx_hash})" if tx_hash else " (nothing was sent)"


def _no_funds(exc: BaseException, text: str, balance_of: Any) -> NoFundsError:
    txn = next((t for e in _chain(exc) if (t := getattr(e, "txn", None)) is not None), None)
    sender = getattr(txn, "sender", None)
    ape_check = _APE_BALANCE.search(text)
    if ape_check:
        sender = ape_check.group(1)
    who = f"the account {sender}" if sender else "the sending account"
    balance: int | None = None
    if sender:
        try:
            balance = int(balance_of(sender)) if balance_of else _provider_balance(sender)
        except Exception:
            balance = None
    needed: int | None = None
    have_want = _HAVE_WANT.search(text)
    if ape_check:
        needed, balance = int(ape_check.group(2)), int(ape_check.group(3))
    elif have_want:
        needed = int(have_want.group(2))
    elif txn is not None:
        fee = _int(getattr(txn, "max_fee", None)) or _int(getattr(txn, "gas_price", None))
        gas = _int(getattr(txn, "gas_limit", None)) or _TYPICAL_GAS
        if fee:
            needed = gas * fee + (_int(getattr(txn, "value", None)) or 0)
    holds = f" holds {_eth(balance)}" if balance is not None else " cannot pay"
    need = f"; the transaction needs roughly {_eth(needed)}" if needed else ""
    return NoFundsError(
        f"{who}{holds} and cannot pay for the transaction's gas{need}; nothing was sent",
        hint="send ETH to that account from a funded one, or pass --account with a funded account",
    )


def _provider_balance(address: str) -> int:
    from ape import networks

    return int(networks.provider.get_balance(address))


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _eth(wei: int) -> str:
    value = Decimal(wei) / Decimal(10**18)
    return f"{value.normalize():f} ETH" if wei else "0 ETH"
