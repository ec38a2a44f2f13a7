"""The issuer's, compliance officer's and controller's operations on a deployed token.

Every operation checks the caller's role first (one line if it is missing) and, for anything that
moves tokens under the rules (issue, transfer), asks the token's own compliance decision
(``detectTransferRestriction``) before sending, so a refusal shows the rule's message instead of
a raw revert. Controller operations (forced transfer, forced redemption, wallet recovery) bypass
the rules by design; they require a reason, recorded on chain as operator data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak

from sectoken.addresses import ZERO_ADDRESS, checked_address
from sectoken.amounts import format_units, to_units
from sectoken.errors import SectokenError
from sectoken.restrictions import RESTRICTIONS
from sectoken.suite import Suite, require_role

__all__ = [
    "Done",
    "TransferRefused",
    "cancel_record_date",
    "close_issuance",
    "force_redeem",
    "force_transfer",
    "freeze_amount",
    "freeze_wallet",
    "issue",
    "list_documents",
    "preflight",
    "recover_wallet",
    "redeem",
    "remove_document",
    "schedule_record_date",
    "send_tx",
    "set_document",
    "set_investor_frozen",
    "set_paused",
    "transfer",
]


@dataclass(frozen=True, slots=True)
class Done:
    """A sent operation: what it did and where."""

    summary: str
    tx_hash: str
    gas_used: int


class TransferRefused(SectokenError):
    """The token's compliance decision refuses the movement; nothing was sent."""

    def __init__(self, code: int, message: str, *, hint: str | None = None) -> None:
        self.code = code
        self.reason = message
        known = RESTRICTIONS.get(code)
        label = f" {known.name}" if known else ""
        super().__init__(
            f"refused by the token's rules (code {code}{label}): {message}",
            hint=hint or _hint_for(code),
        )


def _hint_for(code: int) -> str | None:
    known = RESTRICTIONS.get(code)
    if known is None:
        return None
    hints = {
        "RECEIVER_NOT_VERIFIED": "add or renew the receiver's record: `ape run investors import`",
        "SENDER_NOT_VERIFIED": "renew the sender's KYC record: `ape run investors import`",
        "NOT_ACCREDITED": "the receiver needs accredited=true in the investor registry",
        "PAUSED": "a pauser must unpause: `ape run token unpause`",
        "RECEIVER_FROZEN": "unfreeze the receiver first if that is intended",
        "SENDER_FROZEN": "unfreeze the sender first if that is intended",
        "COUNTRY_NOT_ALLOWED": "change the country rules in the spec, or choose another receiver",
        "BELOW_MIN_POSITION": "send at least the token's minimum position (rules.min_position)",
        "REMAINDER_BELOW_MIN_POSITION": "move the whole balance, or keep at least the minimum",
    }
    return hints.get(known.name)


def _wallet(text: str, what: str) -> str:
    address = checked_address(str(text), allow_unchecksummed=True)
    if address == ZERO_ADDRESS:
        raise SectokenError(f"the {what} is the zero address", hint="give a wallet address")
    return address


def _done(summary: str, receipt: Any) -> Done:
    return Done(summary=summary, tx_hash=str(receipt.txn_hash), gas_used=int(receipt.gas_used))


def send_tx(suite: Suite, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Send through an Ape contract call; a revert becomes TransferRefused (a rule's refusal)
    or a SectokenError naming the decoded custom error."""
    try:
        return call(*args, **kwargs)
    except SectokenError:
        raise
    except Exception as exc:
        decoded = suite.decoder.decode_exception(exc)
        if decoded is not None and decoded.name == "TransferRestricted":
            raise TransferRefused(int(decoded.arg("code")), str(decoded.arg("reason"))) from exc
        if decoded is not None:
            raise SectokenError(f"the transaction reverted: {decoded}") from exc
        raise


def _amount(suite: Suite, amount: str | int) -> tuple[int, int]:
    token = suite.require("token")
    decimals = int(token.decimals())
    units = to_units(amount, decimals) if isinstance(amount, str) else int(amount)
    if units <= 0:
        raise SectokenError("the amount must be positive")
    return units, decimals


def preflight(suite: Suite, sender: str, receiver: str, units: int) -> None:
    """Raise TransferRefused unless the token would let ``units`` go from sender to receiver
    now (``sender`` = the zero address asks about issuance)."""
    token = suite.require("token")
    code = int(token.detectTransferRestriction(sender, receiver, units))
    if code != 0:
        raise TransferRefused(code, str(token.messageForTransferRestriction(code)))


def issue(suite: Suite, account: Any, to: str, amount: str | int, *, data: bytes = b"") -> Done:
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    receiver = _wallet(to, "receiver")
    units, decimals = _amount(suite, amount)
    if not token.isIssuable():
        raise SectokenError("issuance is closed for good on this token")
    preflight(suite, ZERO_ADDRESS, receiver, units)
    receipt = send_tx(suite, token.issue, receiver, units, data, sender=account)
    return _done(f"issued {format_units(units, decimals)} to {receiver}", receipt)


def transfer(suite: Suite, account: Any, to: str, amount: str | int) -> Done:
    token = suite.require("token")
    receiver = _wallet(to, "receiver")
    units, decimals = _amount(suite, amount)
    preflight(suite, account.address, receiver, units)
    receipt = send_tx(suite, token.transfer, receiver, units, sender=account)
    return _done(
        f"transferred {format_units(units, decimals)} from {account.address} to {receiver}",
        receipt,
    )


def redeem(suite: Suite, account: Any, amount: str | int, *, data: bytes = b"") -> Done:
    token = suite.require("token")
    units, decimals = _amount(suite, amount)
    balance = int(token.balanceOf(account.address))
    if balance < units:
        raise SectokenError(
            f"{account.address} holds {format_units(balance, decimals)}, "
            f"cannot redeem {format_units(units, decimals)}"
        )
    receipt = send_tx(suite, token.redeem, units, data, sender=account)
    return _done(f"redeemed {format_units(units, decimals)} from {account.address}", receipt)


def _reason(reason: str) -> bytes:
    text = reason.strip()
    if not text:
        raise SectokenError(
            "a controller operation needs a reason (court order, ticket)",
            hint="pass --reason 'Court order 2026-123'",
        )
    return text.encode()


def force_transfer(
    suite: Suite, account: Any, source: str, to: str, amount: str | int, *, reason: str
) -> Done:
    token = suite.require("token")
    require_role(token, "CONTROLLER_ROLE", account, what="token")
    src, dst = _wallet(source, "source"), _wallet(to, "receiver")
    units, decimals = _amount(suite, amount)
    balance = int(token.balanceOf(src))
    if balance < units:
        raise SectokenError(f"{src} holds only {format_units(balance, decimals)}")
    receipt = send_tx(
        suite, token.controllerTransfer, src, dst, units, b"", _reason(reason), sender=account
    )
    return _done(
        f"forced transfer of {format_units(units, decimals)} from {src} to {dst} ({reason})",
        receipt,
    )


def force_redeem(
    suite: Suite, account: Any, holder: str, amount: str | int, *, reason: str
) -> Done:
    token = suite.require("token")
    require_role(token, "CONTROLLER_ROLE", account, what="token")
    wallet = _wallet(holder, "holder")
    units, decimals = _amount(suite, amount)
    receipt = send_tx(
        suite, token.controllerRedeem, wallet, units, b"", _reason(reason), sender=account
    )
    return _done(f"forced redemption of {format_units(units, decimals)} from {wallet}", receipt)


def recover_wallet(suite: Suite, account: Any, lost: str, new: str, *, reason: str) -> Done:
    token = suite.require("token")
    require_role(token, "CONTROLLER_ROLE", account, what="token")
    old, target = _wallet(lost, "lost wallet"), _wallet(new, "new wallet")
    if not suite.registry.isVerified(target):
        raise SectokenError(
            f"the new wallet {target} is not verified in the investor registry",
            hint="import its record (same investor, valid KYC) first: `ape run investors import`",
        )
    receipt = send_tx(suite, token.recoverWallet, old, target, _reason(reason), sender=account)
    return _done(f"recovered {old} to {target} ({reason})", receipt)


def freeze_wallet(suite: Suite, account: Any, wallet: str, *, frozen: bool = True) -> Done:
    token = suite.require("token")
    require_role(token, "COMPLIANCE_ROLE", account, what="token")
    target = _wallet(wallet, "wallet")
    receipt = send_tx(suite, token.setWalletFrozen, target, frozen, sender=account)
    return _done(f"{'froze' if frozen else 'unfroze'} {target} on this token", receipt)


def freeze_amount(
    suite: Suite, account: Any, wallet: str, amount: str | int, *, unfreeze: bool = False
) -> Done:
    token = suite.require("token")
    require_role(token, "COMPLIANCE_ROLE", account, what="token")
    target = _wallet(wallet, "wallet")
    units, decimals = _amount(suite, amount)
    call = token.unfreezePartial if unfreeze else token.freezePartial
    receipt = send_tx(suite, call, target, units, sender=account)
    verb = "unfroze" if unfreeze else "froze"
    return _done(f"{verb} {format_units(units, decimals)} of {target}", receipt)


def set_investor_frozen(suite: Suite, account: Any, wallet: str, *, frozen: bool = True) -> Done:
    """Investor-level freeze in the registry (applies to every token of the issuer)."""
    require_role(suite.registry, "COMPLIANCE_ROLE", account, what="investor registry")
    target = _wallet(wallet, "wallet")
    if int(suite.registry.recordOf(target)) == 0:
        raise SectokenError(
            f"{target} has no record in the investor registry",
            hint="import it first: `ape run investors import`",
        )
    receipt = send_tx(suite, suite.registry.setFrozen, target, frozen, sender=account)
    return _done(f"{'froze' if frozen else 'unfroze'} investor {target} (all tokens)", receipt)


def set_paused(suite: Suite, account: Any, *, paused: bool) -> Done:
    token = suite.require("token")
    require_role(token, "PAUSER_ROLE", account, what="token")
    if bool(token.paused()) == paused:
        raise SectokenError(f"the token is already {'paused' if paused else 'running'}")
    receipt = send_tx(suite, token.pause if paused else token.unpause, sender=account)
    return _done("paused every transfer" if paused else "unpaused transfers", receipt)


def close_issuance(suite: Suite, account: Any) -> Done:
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    receipt = send_tx(suite, token.closeIssuance, sender=account)
    return _done("closed issuance for good", receipt)


def _doc_key(name: str) -> bytes:
    raw = name.encode()
    if not 0 < len(raw) <= 32:
        raise SectokenError("a document name is 1..32 bytes")
    return raw.ljust(32, b"\x00")


def set_document(
    suite: Suite,
    account: Any,
    name: str,
    uri: str,
    *,
    content: bytes | None = None,
    digest: str | None = None,
) -> Done:
    """Publish a document; the hash is given, or computed (keccak256) from ``content``."""
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    if digest is None:
        value = keccak(content) if content is not None else b"\x00" * 32
    else:
        text = digest[2:] if digest.startswith("0x") else digest
        if len(text) != 64:
            raise SectokenError("the document hash must be 32 bytes (64 hex digits)")
        value = bytes.fromhex(text)
    receipt = send_tx(suite, token.setDocument, _doc_key(name), uri, value, sender=account)
    return _done(f"published document {name!r} at {uri} (hash 0x{value.hex()})", receipt)


def remove_document(suite: Suite, account: Any, name: str) -> Done:
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    receipt = send_tx(suite, token.removeDocument, _doc_key(name), sender=account)
    return _done(f"removed document {name!r}", receipt)


def list_documents(suite: Suite) -> list[tuple[str, str, str, int]]:
    """(name, uri, hash, timestamp) of every document."""
    token = suite.require("token")
    rows = []
    for key in token.getAllDocuments():
        raw = bytes(key)
        uri, digest, timestamp = token.getDocument(raw)
        rows.append(
            (
                raw.rstrip(b"\x00").decode(errors="replace"),
                str(uri),
                "0x" + bytes(digest).hex(),
                int(timestamp),
            )
        )
    return rows


def schedule_record_date(suite: Suite, account: Any, timestamp: int) -> tuple[int, Done]:
    """Fix a record date (strictly in the future); returns its id."""
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    if timestamp <= now:
        raise SectokenError(
            f"the record date must lie in the future (chain time is {now}, got {timestamp})"
        )
    receipt = send_tx(suite, token.scheduleRecordDate, timestamp, sender=account)
    record_id = int(token.latestRecordDateId())
    return record_id, _done(f"scheduled record date {record_id} at {timestamp}", receipt)


def cancel_record_date(suite: Suite, account: Any, record_id: int) -> Done:
    """Cancel the pending record date ``record_id`` (the latest one, not reached yet).

    Safe to re-run: once cancelled, the id is no longer the latest, and a second run stops with
    an error naming that instead of sending anything (unless a new record date has taken the id
    meanwhile: the error then shows its timestamp, which the caller can compare)."""
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    latest = int(token.latestRecordDateId())
    if record_id < 1 or record_id > latest:
        raise SectokenError(
            f"record date {record_id} is not scheduled (the latest is {latest}): "
            "nothing to cancel, perhaps it was cancelled already",
            hint="list them with `ape run captable --record-dates`",
        )
    if record_id != latest:
        raise SectokenError(
            f"record date {record_id} is not the latest ({latest}): only the pending, latest "
            "record date can be cancelled"
        )
    when = int(token.recordDate(record_id))
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    if when <= now:
        raise SectokenError(
            f"record date {record_id} ({when}) has passed (chain time {now}): its balances are "
            "history and cannot be cancelled"
        )
    receipt = send_tx(suite, token.cancelRecordDate, record_id, sender=account)
    return _done(f"cancelled record date {record_id} (was at {when})", receipt)
