"""The issuer's, compliance officer's and controller's operations on a deployed token.

Every operation checks the caller's role first (one line if it is missing) and, for anything that
moves tokens under the rules (issue, transfer), asks the token's own compliance decision
(``detectTransferRestriction``) before sending, so a refusal shows the rule's message instead of
a raw revert. Controller operations (forced transfer, forced redemption, wallet recovery) bypass
the rules by design; they require a reason, recorded on chain as operator data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from eth_utils.crypto import keccak
from rich.console import Console

from sectoken.abi import AbiEvent, AbiFunction, event, function
from sectoken.chain.explain import in_regulation_terms
from sectoken.chain.journal import Journal, journal_path
from sectoken.chain.logs import iter_logs
from sectoken.chain.sending import Sent, TxSender
from sectoken.chain.suite import Suite, require_role
from sectoken.errors import SectokenError
from sectoken.model.addresses import ZERO_ADDRESS, checked_address
from sectoken.model.amounts import format_units, to_units
from sectoken.model.dates import format_timestamp
from sectoken.model.records import unpack
from sectoken.model.restrictions import RESTRICTIONS

__all__ = [
    "Done",
    "TransferRefused",
    "cancel_record_date",
    "close_issuance",
    "done_from",
    "force_redeem",
    "force_transfer",
    "freeze_amount",
    "freeze_wallet",
    "indexed_id",
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
    "settle_earlier",
    "transfer",
    "tx_sender",
]


@dataclass(frozen=True, slots=True)
class Done:
    """A sent operation: what it did and where."""

    summary: str
    tx_hash: str
    gas_used: int
    block: int = 0
    earlier: bool = False


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
        "US_PERSON_RESTRICTED": "choose a receiver that is not a U.S. person, or wait for the "
        "date above",
        "NOT_QIB": "the receiver needs qib=true in the investor registry",
        "NOT_QUALIFIED_PURCHASER": "the receiver needs qualified_purchaser=true in the registry",
        "NOT_EU_QUALIFIED": "the receiver needs eu_qualified=true in the investor registry",
        "RESALE_RESTRICTED": "transfer to the issuer, an accredited investor or a permitted "
        "transferee (resale_exempt=true), or wait for the date above",
        "AFFILIATE_VOLUME": "sell less, or wait until earlier sales leave the window",
    }
    return hints.get(known.name)


def _fn(name: str) -> AbiFunction:
    return function("SecurityToken", name)


def _wallet(text: str, what: str) -> str:
    address = checked_address(str(text), allow_unchecksummed=True)
    if address == ZERO_ADDRESS:
        raise SectokenError(f"the {what} is the zero address", hint="give a wallet address")
    return address


def done_from(summary: str, receipt: Any) -> Done:
    """What a command reports; "already done" when an earlier run's transaction was found."""
    if getattr(receipt, "earlier", False):
        summary = f"already done in tx {receipt.txn_hash} (block {receipt.block_number}): {summary}"
    return Done(
        summary=summary,
        tx_hash=str(receipt.txn_hash),
        gas_used=int(receipt.gas_used),
        block=int(getattr(receipt, "block_number", 0)),
        earlier=bool(getattr(receipt, "earlier", False)),
    )


_notices = Console(stderr=True, highlight=False, soft_wrap=True)


def _notify(text: str) -> None:
    _notices.print(text, markup=False, style="yellow")


def tx_sender(suite: Suite) -> TxSender:
    """The journaled sender of the suite's network (journal beside the deployment file)."""
    return TxSender(suite.w3, Journal(journal_path(suite.deployment.path)), notify=_notify)


def _plan(suite: Suite, sender: TxSender, call: Any, args: tuple[Any, ...], kwargs: Any) -> Any:
    account = kwargs["sender"]
    key = kwargs.get("key")
    return sender.plan(
        call,
        args,
        sender=str(getattr(account, "address", account)),
        value=int(kwargs.get("value", 0)),
        key_material=repr(key).encode() if key is not None else None,
    )


@dataclass(frozen=True, slots=True)
class OnChainReference:
    """Where an operation carries its reference: the argument (an ERC-1594 ``data`` or
    ERC-1644 ``data`` bytes) and the event topics that find it again."""

    argument: int
    topics: tuple[str | None, ...]


def _with_reference(
    suite: Suite, sender: TxSender, call: Any, args: tuple[Any, ...], kwargs: Any
) -> tuple[Any, Any]:
    """The planned call with its reference in place, and the search for that reference."""
    where: OnChainReference = kwargs["reference"]
    blank = tuple(b"" if i == where.argument else a for i, a in enumerate(args))
    key = _plan(suite, sender, call, blank, kwargs).key
    reference = sender.reference(key)
    filled = tuple(reference if i == where.argument else a for i, a in enumerate(args))
    # Sent with the reference, identified (journal key) without it.
    planned = replace(_plan(suite, sender, call, filled, {**kwargs, "key": None}), key=key)

    def recognise() -> str | None:
        record = suite.deployment.contracts["token"]
        for log in iter_logs(
            suite.w3,
            address=planned.to,
            topics=list(where.topics),
            from_block=record.block,
            to_block=int(suite.w3.eth.block_number),
        ):
            if reference in log.data:
                return log.transaction_hash
        return None

    return planned, recognise


def settle_earlier(suite: Suite, call: Any, *args: Any, **kwargs: Any) -> Sent | None:
    """The operation's transaction left open by an earlier run, once settled (None if there is
    none, or it never landed). Same arguments as ``send_tx``; nothing new is signed."""
    sender = tx_sender(suite)
    planned = _plan(suite, sender, call, args, kwargs)
    with sender.journal.locked():
        earlier = sender.settle(planned)
        if earlier is None and kwargs.get("repeat_guard"):
            earlier = sender.repeat_of_last(planned)
        return earlier


def send_tx(suite: Suite, call: Any, *args: Any, **kwargs: Any) -> Any:
    """Send an Ape contract call through the journal (``sectoken.chain.sending``): safe to retry.

    Keywords: ``sender`` (the account), ``value`` (wei), ``check`` (pre-checks run after an
    earlier run's transaction is settled: raise to refuse, return False when nothing is
    needed, then None is returned), ``key`` (what identifies the operation when the arguments
    hold something a re-run computes differently), ``repeat_guard`` (the operation adds
    something each time it lands: identical to the account's last landed one, it is taken as a
    retry unless ``repeat_allowed()``). Returns a ``Sent`` (``earlier`` when an
    earlier run's transaction was found landed). A revert found while estimating becomes
    TransferRefused (a rule's refusal) or a SectokenError naming the decoded custom error.
    """
    sender = tx_sender(suite)
    try:
        recognise = None
        if kwargs.get("reference") is not None:
            planned, recognise = _with_reference(suite, sender, call, args, kwargs)
        else:
            planned = _plan(suite, sender, call, args, kwargs)
        return sender.send(
            planned,
            kwargs["sender"],
            check=kwargs.get("check"),
            recognise=recognise,
            guard=bool(kwargs.get("repeat_guard")),
        )
    except SectokenError:
        raise
    except Exception as exc:
        decoded = suite.decoder.decode_exception(exc)
        if decoded is not None and decoded.name == "TransferRestricted":
            raise TransferRefused(int(decoded.arg("code")), str(decoded.arg("reason"))) from exc
        if decoded is not None:
            raise SectokenError(f"the transaction reverted: {decoded}") from exc
        raise


_ISSUED = event("SecurityToken", "Issued")
_REDEEMED = event("SecurityToken", "Redeemed")
_CONTROLLER_TRANSFER = event("SecurityToken", "ControllerTransfer")
_CONTROLLER_REDEMPTION = event("SecurityToken", "ControllerRedemption")
_RECORD_DATE_SCHEDULED = event("SecurityToken", "RecordDateScheduled")
ISSUED = _ISSUED.topic
REDEEMED = _REDEEMED.topic
CONTROLLER_TRANSFER = _CONTROLLER_TRANSFER.topic
CONTROLLER_REDEMPTION = _CONTROLLER_REDEMPTION.topic
RECORD_DATE_SCHEDULED = _RECORD_DATE_SCHEDULED.topic
_WALLET_STATE = function("SecurityToken", "walletState")
#: The argument of the token's operations that carries a reference (ERC-1594/ERC-1644 data).
_DATA = "data"


def _ref(call: AbiFunction, emitted: AbiEvent, indexed: dict[str, str]) -> OnChainReference:
    """The reference goes in ``call``'s ``data`` argument; the event ``emitted`` with these
    indexed fields (by name) finds it again."""
    return OnChainReference(call.input_index(_DATA), tuple(emitted.topic_filter(indexed)))


def indexed_id(receipt: Any, emitted: AbiEvent, address: str, *, field: str = "id") -> int:
    """The field ``field`` (default ``id``) of the event ``emitted`` by ``address`` in
    ``receipt``: the id of what the transaction created."""
    for log in receipt.logs:
        topics = [bytes(t) for t in log["topics"]]
        if str(log["address"]).lower() == str(address).lower() and emitted.matches(topics):
            return int(emitted.decode(topics, bytes(log["data"]))[field])
    raise SectokenError(f"transaction {receipt.txn_hash} did not emit {emitted.name}")


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
        message = str(token.messageForTransferRestriction(code))
        acquired_at = None
        if int(sender, 16) != 0:
            acquired_at = int(token.walletState(sender)[2])
        regulation = in_regulation_terms(suite.deployment.spec, code, acquired_at=acquired_at)
        raise TransferRefused(code, regulation or message)


def issue(suite: Suite, account: Any, to: str, amount: str | int, *, data: bytes = b"") -> Done:
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    receiver = _wallet(to, "receiver")
    units, decimals = _amount(suite, amount)

    def check() -> None:
        if not token.isIssuable():
            raise SectokenError("issuance is closed for good on this token")
        preflight(suite, ZERO_ADDRESS, receiver, units)

    receipt = send_tx(
        suite,
        token.issue,
        receiver,
        units,
        data,
        sender=account,
        check=check,
        reference=None
        if data
        else _ref(_fn("issue"), _ISSUED, {"operator": account.address, "to": receiver}),
        repeat_guard=True,
    )
    return done_from(f"issued {format_units(units, decimals)} to {receiver}", receipt)


def transfer(suite: Suite, account: Any, to: str, amount: str | int) -> Done:
    token = suite.require("token")
    receiver = _wallet(to, "receiver")
    units, decimals = _amount(suite, amount)
    receipt = send_tx(
        suite,
        token.transfer,
        receiver,
        units,
        sender=account,
        check=lambda: preflight(suite, account.address, receiver, units),
        repeat_guard=True,
    )
    return done_from(
        f"transferred {format_units(units, decimals)} from {account.address} to {receiver}",
        receipt,
    )


def redeem(suite: Suite, account: Any, amount: str | int, *, data: bytes = b"") -> Done:
    token = suite.require("token")
    units, decimals = _amount(suite, amount)

    def check() -> None:
        balance = int(token.balanceOf(account.address))
        if balance < units:
            raise SectokenError(
                f"{account.address} holds {format_units(balance, decimals)}, "
                f"cannot redeem {format_units(units, decimals)}"
            )

    receipt = send_tx(
        suite,
        token.redeem,
        units,
        data,
        sender=account,
        check=check,
        reference=None
        if data
        else _ref(_fn("redeem"), _REDEEMED, {"operator": account.address, "from": account.address}),
        repeat_guard=True,
    )
    return done_from(f"redeemed {format_units(units, decimals)} from {account.address}", receipt)


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

    def check() -> None:
        balance = int(token.balanceOf(src))
        if balance < units:
            raise SectokenError(f"{src} holds only {format_units(balance, decimals)}")

    receipt = send_tx(
        suite,
        token.controllerTransfer,
        src,
        dst,
        units,
        b"",
        _reason(reason),
        sender=account,
        check=check,
        reference=_ref(_fn("controllerTransfer"), _CONTROLLER_TRANSFER, {"from": src, "to": dst}),
        repeat_guard=True,
    )
    return done_from(
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
        suite,
        token.controllerRedeem,
        wallet,
        units,
        b"",
        _reason(reason),
        sender=account,
        reference=_ref(_fn("controllerRedeem"), _CONTROLLER_REDEMPTION, {"tokenHolder": wallet}),
        repeat_guard=True,
    )
    return done_from(f"forced redemption of {format_units(units, decimals)} from {wallet}", receipt)


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
    return done_from(f"recovered {old} to {target} ({reason})", receipt)


def freeze_wallet(suite: Suite, account: Any, wallet: str, *, frozen: bool = True) -> Done:
    token = suite.require("token")
    require_role(token, "COMPLIANCE_ROLE", account, what="token")
    target = _wallet(wallet, "wallet")

    def check() -> None:
        if bool(suite.client.values(token.address, _WALLET_STATE, target)["frozen"]) == frozen:
            raise SectokenError(
                f"{target} is already {'frozen' if frozen else 'not frozen'} on this token; "
                "nothing to do"
            )

    receipt = send_tx(suite, token.setWalletFrozen, target, frozen, sender=account, check=check)
    return done_from(f"{'froze' if frozen else 'unfroze'} {target} on this token", receipt)


def freeze_amount(
    suite: Suite, account: Any, wallet: str, amount: str | int, *, unfreeze: bool = False
) -> Done:
    token = suite.require("token")
    require_role(token, "COMPLIANCE_ROLE", account, what="token")
    target = _wallet(wallet, "wallet")
    units, decimals = _amount(suite, amount)
    call = token.unfreezePartial if unfreeze else token.freezePartial
    receipt = send_tx(suite, call, target, units, sender=account, repeat_guard=True)
    verb = "unfroze" if unfreeze else "froze"
    return done_from(f"{verb} {format_units(units, decimals)} of {target}", receipt)


def set_investor_frozen(suite: Suite, account: Any, wallet: str, *, frozen: bool = True) -> Done:
    """Investor-level freeze in the registry (applies to every token of the issuer)."""
    require_role(suite.registry, "COMPLIANCE_ROLE", account, what="investor registry")
    target = _wallet(wallet, "wallet")
    if int(suite.registry.recordOf(target)) == 0:
        raise SectokenError(
            f"{target} has no record in the investor registry",
            hint="import it first: `ape run investors import`",
        )

    def check() -> None:
        if unpack(int(suite.registry.recordOf(target))).frozen == frozen:
            raise SectokenError(
                f"investor {target} is already {'frozen' if frozen else 'not frozen'} in the "
                "registry; nothing to do"
            )

    receipt = send_tx(suite, suite.registry.setFrozen, target, frozen, sender=account, check=check)
    return done_from(f"{'froze' if frozen else 'unfroze'} investor {target} (all tokens)", receipt)


def set_paused(suite: Suite, account: Any, *, paused: bool) -> Done:
    token = suite.require("token")
    require_role(token, "PAUSER_ROLE", account, what="token")

    def check() -> None:
        if bool(token.paused()) == paused:
            raise SectokenError(f"the token is already {'paused' if paused else 'running'}")

    receipt = send_tx(suite, token.pause if paused else token.unpause, sender=account, check=check)
    return done_from("paused every transfer" if paused else "unpaused transfers", receipt)


def close_issuance(suite: Suite, account: Any) -> Done:
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    receipt = send_tx(suite, token.closeIssuance, sender=account)
    return done_from("closed issuance for good", receipt)


def _has_document(token: Any, key: bytes) -> bool:
    return any(bytes(k) == key for k in token.getAllDocuments())


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

    def check() -> None:
        if not _has_document(token, _doc_key(name)):
            return
        current_uri, current_hash, _timestamp = token.getDocument(_doc_key(name))
        if str(current_uri) == uri and bytes(current_hash) == value:
            raise SectokenError(
                f"document {name!r} is already published at {uri} with this hash; nothing to do"
            )

    receipt = send_tx(
        suite, token.setDocument, _doc_key(name), uri, value, sender=account, check=check
    )
    return done_from(f"published document {name!r} at {uri} (hash 0x{value.hex()})", receipt)


def remove_document(suite: Suite, account: Any, name: str) -> Done:
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")

    def check() -> None:
        if not _has_document(token, _doc_key(name)):
            raise SectokenError(f"there is no document {name!r} (removed already?); nothing to do")

    receipt = send_tx(suite, token.removeDocument, _doc_key(name), sender=account, check=check)
    return done_from(f"removed document {name!r}", receipt)


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

    def check() -> None:
        now = int(suite.w3.eth.get_block("latest")["timestamp"])
        if timestamp <= now:
            raise SectokenError(
                f"the record date must lie in the future: {format_timestamp(timestamp)} is not "
                f"after the chain's time {format_timestamp(now)}",
                hint="give a later date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC, or +7d)",
            )

    receipt = send_tx(
        suite, token.scheduleRecordDate, timestamp, sender=account, check=check, repeat_guard=True
    )
    record_id = indexed_id(receipt, _RECORD_DATE_SCHEDULED, token.address)
    return record_id, done_from(
        f"scheduled record date {record_id} at {format_timestamp(timestamp)}", receipt
    )


def cancel_record_date(suite: Suite, account: Any, record_id: int) -> Done:
    """Cancel the pending record date ``record_id`` (the latest one, not reached yet).

    Safe to re-run: the journal settles an earlier run's transaction first; once cancelled, the
    id is no longer the latest, and a new run stops with an error naming that instead of sending
    anything."""
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    when = 0

    def check() -> None:
        nonlocal when
        latest = int(token.latestRecordDateId())
        if record_id < 1 or record_id > latest:
            raise SectokenError(
                f"record date {record_id} is not scheduled (the latest is {latest}): "
                "nothing to cancel, perhaps it was cancelled already",
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
                f"record date {record_id} ({format_timestamp(when)}) has passed (chain time "
                f"{format_timestamp(now)}): its balances are history and cannot be cancelled"
            )

    receipt = send_tx(suite, token.cancelRecordDate, record_id, sender=account, check=check)
    at = f" (was at {format_timestamp(when)})" if when else ""
    return done_from(f"cancelled record date {record_id}{at}", receipt)
