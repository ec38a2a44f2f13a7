"""The one path by which a command sends a transaction: safe to run again, gas with a margin.

``TxSender.send`` does, in order:

1. **Settle** the operation's open journal entry, if an earlier run left one (see
   ``sectoken.chain.journal``): its receipt exists → it landed, report it and send nothing; it is in
   the node's mempool → wait for it, visibly; the node does not know it and the account's nonce
   has not passed it → broadcast the *same* signed bytes again (they can only land once); the
   nonce was used by another transaction → it never landed, plan the operation anew.
2. **Refuse a repeat** (operations that add something each time, ``guard``): when the
   operation is exactly the last one this account landed on this network (same contract,
   method, arguments and value) and that transaction is still on the chain, it is taken as a
   retry of a run whose reply was lost: it is reported as done and nothing is sent. Repeating
   it on purpose is said explicitly (``repeat_allowed()``; the commands' ``--again``). Any
   other operation of the account in between (an issue to another wallet) makes it new.
3. Run the caller's pre-checks against the chain as it is now.
4. Estimate gas and set the limit to the estimate plus a margin (``gas_limit_with_margin``): the
   node estimates against the latest block, and a transaction mined in the next block can need
   more (a new block timestamp takes other branches).
5. Refuse before signing when the account cannot pay for gas and value (``NotEnoughFunds``).
6. Sign, write the signed bytes to the journal (fsynced), broadcast, wait for the receipt.

A reply that never comes (lost, timed out, the process killed) leaves an open entry; the error
says the outcome is unknown and that running the same command again settles it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3
from web3.exceptions import TimeExhausted, TransactionNotFound

from sectoken.chain.batching import wait_for_pending
from sectoken.chain.journal import Journal, JournalEntry, new_entry_id, operation_key, stamp
from sectoken.errors import SectokenError
from sectoken.model.amounts import format_units

__all__ = [
    "GAS_MARGIN_EXTRA",
    "GAS_MARGIN_PERCENT",
    "REFERENCE_PREFIX",
    "NotEnoughFunds",
    "OutcomeUnknown",
    "Planned",
    "Sent",
    "TxSender",
    "gas_limit_with_margin",
    "repeat_allowed",
]

GAS_MARGIN_PERCENT = 125
# The node estimates against the latest block; the transaction runs in a later one. What changes
# between the two: a wallet's acquisition time rewritten (about 3,000 gas), and ERC-5805
# checkpoints, which are per block: an issuance or redemption pushes a total-supply checkpoint and a
# move of delegated tokens one per delegatee, each a new slot (about 20,000 more) in a new block but
# an update in the block estimated against. Two of them and the rewrite fit in the extra.
GAS_MARGIN_EXTRA = 50_000
RECEIPT_TIMEOUT_ENV = "SECTOKEN_RECEIPT_TIMEOUT"
SEND_TIMEOUT_ENV = "SECTOKEN_SEND_TIMEOUT"
DEFAULT_RECEIPT_TIMEOUT = 120.0
DEFAULT_SEND_TIMEOUT = 60.0
REFERENCE_PREFIX = "sectoken-op:"


_REPEAT_ALLOWED: ContextVar[bool] = ContextVar("sectoken_repeat_allowed", default=False)


@contextmanager
def repeat_allowed() -> Iterator[None]:
    """Within this block an operation identical to the account's last landed one is sent
    again (a second issuance of the same amount to the same wallet, on purpose)."""
    token = _REPEAT_ALLOWED.set(True)
    try:
        yield
    finally:
        _REPEAT_ALLOWED.reset(token)


def gas_limit_with_margin(estimate: int, block_gas_limit: int) -> int:
    """``estimate`` x 1.25 + 50,000, never above the block's gas limit."""
    wanted = (estimate * GAS_MARGIN_PERCENT + 99) // 100 + GAS_MARGIN_EXTRA
    return min(wanted, block_gas_limit)


def _env_seconds(name: str, default: float) -> float:
    text = os.environ.get(name, "")
    try:
        return float(text) if text else default
    except ValueError:
        return default


class OutcomeUnknown(SectokenError):
    """A transaction was signed and (maybe) broadcast, but its outcome was not seen."""

    def __init__(self, entry: JournalEntry, why: str) -> None:
        self.entry = entry
        super().__init__(
            f"{why}: the outcome of {entry.what} is unknown (tx {entry.tx_hash}, nonce "
            f"{entry.nonce}); it may or may not have landed",
            hint="run the same command again: it looks this transaction up first and never "
            "sends the operation twice",
        )


class NotEnoughFunds(SectokenError):
    """The account cannot pay for the gas (and value) of a transaction; nothing was signed."""

    def __init__(self, account: str, balance: int, needed: int, gas: int, fee: int) -> None:
        self.account = account
        self.balance = balance
        self.needed = needed
        super().__init__(
            f"account {account} holds {format_units(balance, 18)} ETH; this transaction needs "
            f"up to about {format_units(needed, 18)} ETH (gas limit {gas:,} at "
            f"{fee / 1e9:.3g} gwei, plus any value sent)",
            hint="send ETH to that account, or use a funded one with --account",
        )


@dataclass(frozen=True, slots=True)
class Planned:
    """A contract call to send: everything but the nonce, gas and signature."""

    to: str
    data: bytes
    value: int
    sender: str
    key: str
    what: str


@dataclass(frozen=True, slots=True)
class Sent:
    """A landed transaction. ``earlier`` when an earlier run sent it and this run found it."""

    txn_hash: str
    block_number: int
    gas_used: int
    earlier: bool
    logs: tuple[Any, ...] = ()


def _receipt_status(receipt: Any) -> int:
    return int(receipt["status"])


class TxSender:
    """Sends contract calls through the journal of one network (see the module docstring)."""

    def __init__(
        self,
        w3: Web3,
        journal: Journal,
        *,
        notify: Callable[[str], None] | None = None,
        receipt_timeout: float | None = None,
        send_timeout: float | None = None,
        poll: float = 0.2,
    ) -> None:
        self.w3 = w3
        self.journal = journal
        self.notify = notify or (lambda _text: None)
        self.receipt_timeout = (
            receipt_timeout
            if receipt_timeout is not None
            else _env_seconds(RECEIPT_TIMEOUT_ENV, DEFAULT_RECEIPT_TIMEOUT)
        )
        self.send_timeout = (
            send_timeout
            if send_timeout is not None
            else _env_seconds(SEND_TIMEOUT_ENV, DEFAULT_SEND_TIMEOUT)
        )
        self.poll = poll

    # ------------------------------------------------------------------ planning

    def plan(
        self,
        call: Any,
        args: tuple[Any, ...],
        *,
        sender: str,
        value: int = 0,
        key_material: bytes | None = None,
    ) -> Planned:
        """The calldata of an Ape contract method call and the operation's key.

        ``key_material`` replaces the calldata in the key when the calldata holds something a
        re-run would compute differently (e.g. "now").
        """
        data = bytes(call.encode_input(*args))
        to = to_checksum_address(str(call.contract.address))
        chain_id = int(self.w3.eth.chain_id)
        sender = to_checksum_address(sender)
        key = operation_key(chain_id, sender, to, key_material or data, value)
        name = str(call.abis[0].name)
        shown = ", ".join(_show(a) for a in args)
        what = f"{name}({shown}) on {to} from {sender}"
        return Planned(to=to, data=data, value=value, sender=sender, key=key, what=what)

    # ------------------------------------------------------------------ settling

    def settle(self, planned: Planned) -> Sent | None:
        """Settle the open journal entry of ``planned``; a landed one is returned."""
        entry = self.journal.find_open(planned.key)
        if entry is None:
            return None
        return self.settle_entry(entry)

    def settle_all(self, sender: str, to: str) -> list[Sent]:
        """Settle every open entry of ``sender`` on contract ``to`` (for commands that plan
        several transactions from the chain, e.g. a push in batches): the landed ones."""
        with self.journal.locked():
            landed = []
            for entry in self.journal.open_entries():
                if entry.sender.lower() == sender.lower() and entry.to.lower() == to.lower():
                    sent = self.settle_entry(entry)
                    if sent is not None:
                        landed.append(sent)
            return landed

    def settle_entry(self, entry: JournalEntry) -> Sent | None:
        """Settle one open entry (see ``settle``)."""
        receipt = self._receipt(entry.tx_hash)
        if receipt is None and self._known(entry.tx_hash):
            self.notify(
                f"an earlier run's transaction {entry.tx_hash} ({entry.what}) is pending in the "
                f"node; waiting for it (up to {self.receipt_timeout:.0f} s)"
            )
            receipt = self._wait(entry)
        if receipt is None:
            mined_nonce = self.w3.eth.get_transaction_count(
                to_checksum_address(entry.sender), "latest"
            )
            if mined_nonce > entry.nonce:
                receipt = self._receipt(entry.tx_hash)  # it may have been mined in between
                if receipt is None:
                    self.journal.record_closed(
                        entry, "superseded", note=f"nonce {entry.nonce} used by another tx"
                    )
                    self.notify(
                        f"an earlier attempt (tx {entry.tx_hash}) never landed: its nonce "
                        f"{entry.nonce} was used by another transaction; planning it again"
                    )
                    return None
            else:
                self.notify(
                    f"the node does not know an earlier run's transaction {entry.tx_hash} "
                    f"({entry.what}); broadcasting the same signed transaction again"
                )
                self._broadcast(entry)
                receipt = self._wait(entry)
        return self._finish(entry, receipt, earlier=True)

    # ------------------------------------------------------------------ sending

    def reference(self, key: str) -> bytes:
        """The operation reference carried on chain (ERC-1594 ``data``) by the next occurrence
        of the operation ``key``: it changes once an occurrence has landed."""
        _sent, landed = self.journal.history(key)
        digest = keccak(f"{key}|{landed}".encode())[:8].hex()
        return f"{REFERENCE_PREFIX}{digest}".encode()

    def send(
        self,
        planned: Planned,
        account: Any,
        *,
        check: Callable[[], object] | None = None,
        recognise: Callable[[], str | None] | None = None,
        guard: bool = False,
    ) -> Sent | None:
        """Settle, check, estimate, sign, journal, broadcast, wait (module docstring).

        ``check`` runs after settling and before estimating; it raises to refuse, or returns
        ``False`` when nothing needs sending (then ``send`` returns None). ``recognise`` looks
        for the operation's reference on chain and returns the hash of the transaction that
        carried it; it is asked only when the journal has no record of the operation at all
        (a journal lost, or kept on another machine). ``guard`` turns on step 2 (a repeat of
        the account's last landed operation is a retry): for operations that add something
        each time they land (issue, transfer, a deposit, a ballot), whose state gives no other
        way to tell a retry from a second request. Operations that set a state (pause, freeze,
        vote, claim) are made safe by their ``check`` against that state instead.
        """
        with self.journal.locked():
            earlier = self.settle(planned)
            if earlier is not None:
                return earlier
            repeated = self.repeat_of_last(planned) if guard else None
            if repeated is not None:
                return repeated
            if recognise is not None and self.journal.history(planned.key) == (0, 0):
                # What the account has pending may be this very operation, sent by a run
                # whose journal is gone: let it land before looking for its reference.
                wait_for_pending(
                    self.w3,
                    planned.sender,
                    timeout=self.receipt_timeout,
                    on_wait=lambda n, elapsed: self.notify(
                        f"waiting for {n} pending transaction(s) of {planned.sender} to land "
                        f"({elapsed:.0f} s)"
                    ),
                )
                found = recognise()
                if found is not None:
                    return self._adopt(planned, found)
            if check is not None and check() is False:
                return None
            return self._send_new(planned, account)

    def repeat_of_last(self, planned: Planned) -> Sent | None:
        """The account's last landed transaction when ``planned`` is the same operation and it
        is still on the chain (see step 2 of the module docstring); None otherwise."""
        if _REPEAT_ALLOWED.get():
            return None
        last = self.journal.last_landed_by(planned.sender)
        if last is None or last[0] != planned.key:
            return None
        receipt = self._receipt(last[1])
        if receipt is None or _receipt_status(receipt) != 1:
            return None  # a chain started anew (a restarted throw-away node): not a repeat
        block = int(receipt["blockNumber"])
        self.notify(
            f"the same {planned.what} was this account's last transaction here (tx {last[1]}, "
            f"block {block}): taken as a retry, nothing sent; to do it once more on purpose, "
            "run the command with --again"
        )
        return Sent(
            txn_hash=last[1],
            block_number=block,
            gas_used=int(receipt["gasUsed"]),
            earlier=True,
            logs=tuple(receipt["logs"]),
        )

    def _send_new(self, planned: Planned, account: Any) -> Sent:
        from ape import networks

        w3 = self.w3
        balance = int(w3.eth.get_balance(to_checksum_address(planned.sender)))
        if balance < planned.value:
            raise NotEnoughFunds(planned.sender, balance, planned.value, 0, 0)
        request = {
            "from": planned.sender,
            "to": planned.to,
            "data": "0x" + planned.data.hex(),
            "value": planned.value,
        }
        estimate = int(w3.eth.estimate_gas(request))  # type: ignore[arg-type]
        block_limit = int(w3.eth.get_block("latest")["gasLimit"])
        gas_limit = gas_limit_with_margin(estimate, block_limit)
        nonce = int(w3.eth.get_transaction_count(to_checksum_address(planned.sender), "pending"))
        provider = networks.provider
        txn = provider.network.ecosystem.create_transaction(
            chain_id=int(w3.eth.chain_id),
            receiver=planned.to,
            data=planned.data,
            value=planned.value,
            nonce=nonce,
            gas_limit=gas_limit,
            sender=planned.sender,
        )
        txn = provider.prepare_transaction(txn)
        fee = int(getattr(txn, "max_fee", None) or getattr(txn, "gas_price", None) or 0)
        needed = gas_limit * fee + planned.value
        if balance < needed:
            raise NotEnoughFunds(planned.sender, balance, needed, gas_limit, fee)
        signed = account.sign_transaction(txn)
        if signed is None:
            raise SectokenError(f"the transaction was not signed ({planned.what})")
        raw = bytes(signed.serialize_transaction())
        entry = JournalEntry(
            id=new_entry_id(),
            key=planned.key,
            what=planned.what,
            chain_id=int(w3.eth.chain_id),
            sender=planned.sender,
            to=planned.to,
            nonce=nonce,
            tx_hash="0x" + keccak(raw).hex(),
            raw="0x" + raw.hex(),
            gas_limit=gas_limit,
            sent_at=stamp(),
        )
        self.journal.record_sent(entry)
        self._broadcast(entry)
        return self._finish(entry, self._wait(entry), earlier=False)

    def _adopt(self, planned: Planned, tx_hash: str) -> Sent:
        """Record a landed transaction found on chain by its reference, and report it."""
        tx = self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        receipt = self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        entry = JournalEntry(
            id=new_entry_id(),
            key=planned.key,
            what=planned.what,
            chain_id=int(self.w3.eth.chain_id),
            sender=planned.sender,
            to=planned.to,
            nonce=int(tx["nonce"]),
            tx_hash=tx_hash,
            raw="",
            gas_limit=int(tx["gas"]),
            sent_at=stamp(),
        )
        self.journal.record_sent(entry)
        self.notify(
            f"this network's journal has no record of {planned.what}, but its reference is on "
            f"chain in tx {tx_hash}: an earlier run (on this machine or another) sent it"
        )
        return self._finish(entry, receipt, earlier=True)

    # ------------------------------------------------------------------ node access

    def _broadcast(self, entry: JournalEntry) -> None:
        """Hand the signed bytes to the node, within ``send_timeout``.

        The node's explicit refusal closes the entry (unless the node knows the transaction
        anyway, e.g. "already known", or it was mined); no reply raises OutcomeUnknown.
        """
        outcome: dict[str, BaseException | None] = {}

        def push() -> None:
            try:
                self.w3.eth.send_raw_transaction(bytes.fromhex(entry.raw[2:]))
                outcome["error"] = None
            except BaseException as exc:  # reported to the caller's thread below
                outcome["error"] = exc

        worker = threading.Thread(target=push, daemon=True)
        worker.start()
        worker.join(self.send_timeout)
        if "error" not in outcome:
            raise OutcomeUnknown(entry, f"no reply from the node within {self.send_timeout:.0f} s")
        error = outcome["error"]
        if error is None:
            return
        if _is_rpc_refusal(error):
            if self._known(entry.tx_hash) or self._receipt(entry.tx_hash) is not None:
                return
            self.journal.record_closed(entry, "refused", note=str(error)[:300])
            raise SectokenError(
                f"the node refused the transaction ({entry.what}): {_rpc_message(error)}",
                hint="nothing was sent; fix the cause and run the command again",
            ) from error
        why = f"the node's reply was lost ({type(error).__name__})"
        raise OutcomeUnknown(entry, why) from error

    def _wait(self, entry: JournalEntry) -> Any:
        try:
            return self.w3.eth.wait_for_transaction_receipt(
                entry.tx_hash,  # type: ignore[arg-type]
                timeout=self.receipt_timeout,
                poll_latency=self.poll,
            )
        except TimeExhausted as exc:
            raise OutcomeUnknown(
                entry, f"not mined within {self.receipt_timeout:.0f} s (still pending)"
            ) from exc
        except SectokenError:
            raise
        except Exception as exc:
            why = f"lost the node while waiting ({type(exc).__name__})"
            raise OutcomeUnknown(entry, why) from exc

    def _receipt(self, tx_hash: str) -> Any:
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return None

    def _known(self, tx_hash: str) -> bool:
        try:
            self.w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
        except TransactionNotFound:
            return False
        return True

    def _finish(self, entry: JournalEntry, receipt: Any, *, earlier: bool) -> Sent:
        block = int(receipt["blockNumber"])
        gas_used = int(receipt["gasUsed"])
        if _receipt_status(receipt) != 1:
            self.journal.record_closed(entry, "reverted", block=block)
            ran_out = gas_used >= entry.gas_limit
            raise SectokenError(
                f"{entry.what} reverted in tx {entry.tx_hash} (block {block}, gas {gas_used:,} "
                f"of {entry.gas_limit:,}{': out of gas' if ran_out else ''})",
                hint="nothing changed on chain except the fee; check the state and run the "
                "command again",
            )
        self.journal.record_closed(entry, "landed", block=block)
        if earlier:
            self.notify(f"an earlier run's transaction {entry.tx_hash} landed in block {block}")
        return Sent(
            txn_hash=entry.tx_hash,
            block_number=block,
            gas_used=gas_used,
            earlier=earlier,
            logs=tuple(receipt["logs"]),
        )


def _show(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        text = bytes(value).rstrip(b"\x00")
        return repr(text.decode()) if text.isascii() and text else "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        inner = ", ".join(_show(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    return str(getattr(value, "address", value))


def _is_rpc_refusal(error: BaseException) -> bool:
    """The node answered with a JSON-RPC error (as opposed to no answer at all)."""
    from web3.exceptions import Web3RPCError

    if isinstance(error, Web3RPCError):
        return True
    return isinstance(error, ValueError) and isinstance(error.args[0] if error.args else None, dict)


def _rpc_message(error: BaseException) -> str:
    message = getattr(error, "message", None)
    if isinstance(message, str) and message:
        return message
    first = error.args[0] if error.args else error
    if isinstance(first, dict):
        return str(first.get("message", first))
    return str(first)
