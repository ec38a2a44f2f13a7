"""Delivery versus payment between two investors through a TradeSettlement contract: propose a
trade, accept it, settle it (both legs in one transaction), cancel it.

A party affirms by proposing or accepting, and the same command first approves the settlement
contract for that party's leg: the seller's shares (spent at settlement), the buyer's payment
(taken into the contract by the buyer's affirmation and held there until the trade settles or is
cancelled; a cancellation returns it). After both have spoken either may settle. Before sending,
every command checks what the contract or the token would refuse, in one line: the caller is a
party, the trade's status and expiry, balances and allowances, the settlement contract being an
approved operator of the token, and the token's compliance decision on the share leg
(``detectTransferRestriction``, with the rule's message).
Every transaction goes through the journal: a re-run never sends a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from rich.console import Console
from rich.table import Table

from sectoken.abi import event
from sectoken.chain.suite import Suite
from sectoken.errors import SectokenError
from sectoken.jobs.market_contracts import erc20_at, market_contract
from sectoken.jobs.operations import (
    Done,
    TransferRefused,
    done_from,
    indexed_id,
    send_tx,
    settle_earlier,
)
from sectoken.model.addresses import ZERO_ADDRESS, checked_address
from sectoken.model.amounts import format_units, to_units
from sectoken.model.dates import format_timestamp

__all__ = [
    "TradeState",
    "accept_trade",
    "cancel_trade",
    "print_trade",
    "propose_trade",
    "settle_trade",
    "settlement_contract",
    "trade_state",
]

_PROPOSED, _SETTLED, _CANCELLED = 1, 2, 3
_STATUS = {1: "proposed", 2: "settled", 3: "cancelled"}
_PROPOSED_EVENT = event("TradeSettlement", "TradeProposed")


@dataclass(frozen=True, slots=True)
class TradeState:
    id: int
    token: str
    seller: str
    buyer: str
    asset: str
    shares: int
    amount: int
    expiry: int
    status: int
    seller_affirmed: bool
    buyer_affirmed: bool
    expired: bool
    held: int = 0

    @property
    def status_name(self) -> str:
        return "expired" if self.expired else _STATUS.get(self.status, str(self.status))


def settlement_contract(suite: Suite, address: str) -> Any:
    """The TradeSettlement at ``address`` (it must have code on this chain)."""
    return market_contract(suite, address, "TradeSettlement", "--settlement")


def trade_state(settlement: Any, trade_id: int) -> TradeState:
    count = int(settlement.tradeCount())
    if not 1 <= trade_id <= count:
        raise SectokenError(f"trade {trade_id} does not exist ({count} so far)")
    v = settlement.trade(trade_id)
    t = v.terms
    return TradeState(
        id=trade_id,
        token=to_checksum_address(t.token),
        seller=to_checksum_address(t.seller),
        buyer=to_checksum_address(t.buyer),
        asset=to_checksum_address(t.asset),
        shares=int(t.shares),
        amount=int(t.amount),
        expiry=int(t.expiry),
        status=int(v.status),
        seller_affirmed=bool(v.sellerAffirmed),
        buyer_affirmed=bool(v.buyerAffirmed),
        expired=bool(v.expired),
        held=int(v.held),
    )


def _approve_leg(suite: Suite, account: Any, settlement: Any, state: TradeState) -> None:
    """Approve the settlement contract for the caller's leg, unless it already may take it."""
    me = str(account.address)
    asset, needed = (
        (state.token, state.shares) if me == state.seller else (state.asset, state.amount)
    )
    erc20 = erc20_at(asset)
    send_tx(
        suite,
        erc20.approve,
        settlement.address,
        needed,
        sender=account,
        check=lambda: int(erc20.allowance(me, settlement.address)) < needed,
    )


def _share_leg_check(suite: Suite, settlement: Any, state: TradeState) -> None:
    token = suite.require("token")
    if to_checksum_address(token.address) != state.token:
        raise SectokenError(f"trade {state.id} is on another token ({state.token})")
    if not bool(token.isApprovedOperator(settlement.address)):
        raise SectokenError(
            f"the settlement contract {settlement.address} is not an approved operator of "
            "the token",
            hint="the compliance officer approves it (setApprovedOperator)",
        )
    code = int(token.detectTransferRestriction(state.seller, state.buyer, state.shares))
    if code != 0:
        raise TransferRefused(code, str(token.messageForTransferRestriction(code)))


def propose_trade(
    suite: Suite,
    account: Any,
    settlement: Any,
    *,
    seller: str,
    buyer: str,
    shares: str,
    asset: str,
    amount: str,
    expiry: int,
) -> tuple[int, Done]:
    """Propose (and affirm, as the caller's side) a trade of the suite's token."""
    token = suite.require("token")
    me = str(account.address)
    seller_address = checked_address(seller, allow_unchecksummed=True)
    buyer_address = checked_address(buyer, allow_unchecksummed=True)
    asset_address = checked_address(asset, allow_unchecksummed=True)
    if me not in (seller_address, buyer_address):
        raise SectokenError(f"{me} is neither the seller nor the buyer of this trade")
    if seller_address == buyer_address or ZERO_ADDRESS in (seller_address, buyer_address):
        raise SectokenError("a trade needs two different wallets")
    share_units = to_units(shares, int(token.decimals()))
    asset_decimals = int(erc20_at(asset_address).decimals())
    amount_units = to_units(amount, asset_decimals)
    if share_units <= 0 or amount_units <= 0:
        raise SectokenError("the shares and the amount must be positive")
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    if expiry <= now:
        raise SectokenError(f"the expiry ({format_timestamp(expiry)}) has passed")
    draft = TradeState(
        0,
        to_checksum_address(token.address),
        seller_address,
        buyer_address,
        asset_address,
        share_units,
        amount_units,
        expiry,
        _PROPOSED,
        False,
        False,
        False,
    )
    _share_leg_check(suite, settlement, draft)
    if me == buyer_address and int(erc20_at(asset_address).balanceOf(me)) < amount_units:
        raise SectokenError(
            f"{me} holds less than the payment of {amount} (a proposing buyer pays it now, "
            "held by the settlement contract until the trade settles or is cancelled)"
        )
    terms = (
        token.address,
        seller_address,
        buyer_address,
        asset_address,
        share_units,
        amount_units,
        expiry,
    )
    propose = settlement.propose
    # An earlier run's proposal is found first; the approval goes before the proposal, so that
    # the proposal is this account's last transaction (what recognises a retry).
    receipt = settle_earlier(suite, propose, terms, sender=account, repeat_guard=True)
    if receipt is None:
        _approve_leg(suite, account, settlement, draft)
        receipt = send_tx(suite, propose, terms, sender=account, repeat_guard=True)
    trade_id = indexed_id(receipt, _PROPOSED_EVENT, settlement.address)
    return trade_id, done_from(
        f"trade {trade_id}: {seller_address} sells {shares} shares to {buyer_address} for "
        f"{format_units(amount_units, asset_decimals)} (until {format_timestamp(expiry)})",
        receipt,
    )


def _party(state: TradeState, account: Any) -> str:
    me = str(account.address)
    if me not in (state.seller, state.buyer):
        raise SectokenError(f"{me} is not a party to trade {state.id}")
    return me


def _affirmed_by(state: TradeState, me: str) -> bool:
    return state.seller_affirmed if me == state.seller else state.buyer_affirmed


def accept_trade(suite: Suite, account: Any, settlement: Any, trade_id: int) -> Done:
    """Affirm a proposed trade as its other party, after approving that party's leg (a buyer's
    acceptance pays the amount into the settlement contract, held until settlement)."""

    def check() -> bool:
        state = trade_state(settlement, trade_id)
        me = _party(state, account)
        if _affirmed_by(state, me) and state.status in (_PROPOSED, _SETTLED):
            return False  # affirmed already (an earlier run)
        if state.status != _PROPOSED or state.expired:
            raise SectokenError(f"trade {trade_id} is {state.status_name}: it cannot be accepted")
        if me == state.buyer:
            erc20 = erc20_at(state.asset)
            if int(erc20.balanceOf(me)) < state.amount:
                raise SectokenError(
                    f"{me} holds less than the trade's payment of {state.amount} units"
                )
        return True

    receipt = None
    if check():
        # The approval goes first (the buyer's payment is taken by the acceptance); once this
        # account has affirmed, a re-run sends neither.
        _approve_leg(suite, account, settlement, trade_state(settlement, trade_id))
        receipt = send_tx(suite, settlement.accept, trade_id, sender=account, check=check)
    if receipt is None:
        return Done(summary=f"trade {trade_id} was already accepted", tx_hash="", gas_used=0)
    return done_from(f"{account.address} accepted trade {trade_id}", receipt)


def settle_trade(suite: Suite, account: Any, settlement: Any, trade_id: int) -> Done:
    """Settle an affirmed trade: both legs in one transaction, or nothing."""

    def check() -> bool:
        state = trade_state(settlement, trade_id)
        _party(state, account)
        if state.status == _SETTLED:
            return False
        if state.status != _PROPOSED or state.expired:
            raise SectokenError(f"trade {trade_id} is {state.status_name}: it cannot settle")
        if not (state.seller_affirmed and state.buyer_affirmed):
            waiting = "the seller" if not state.seller_affirmed else "the buyer"
            raise SectokenError(f"trade {trade_id} waits for {waiting} to accept")
        _share_leg_check(suite, settlement, state)
        # The payment is held by the contract since the buyer affirmed; the shares move now.
        shares = erc20_at(state.token)
        if int(shares.balanceOf(state.seller)) < state.shares:
            raise SectokenError(f"{state.seller} no longer holds the trade's shares")
        if int(shares.allowance(state.seller, settlement.address)) < state.shares:
            raise SectokenError(
                f"{state.seller} has not approved the settlement contract for the shares",
                hint="the seller runs `ape run trade accept` (it approves its leg)",
            )
        return True

    receipt = send_tx(suite, settlement.settle, trade_id, sender=account, check=check)
    if receipt is None:
        return Done(summary=f"trade {trade_id} was already settled", tx_hash="", gas_used=0)
    return done_from(f"trade {trade_id} settled: both legs moved", receipt)


def cancel_trade(suite: Suite, account: Any, settlement: Any, trade_id: int) -> Done:
    """Cancel a proposed trade (either party; anyone once expired); a held payment goes back to
    the buyer."""

    def check() -> bool:
        state = trade_state(settlement, trade_id)
        if not state.expired:
            _party(state, account)
        if state.status == _CANCELLED:
            return False
        if state.status == _SETTLED:
            raise SectokenError(f"trade {trade_id} has settled: it cannot be cancelled")
        return True

    held = trade_state(settlement, trade_id).held
    receipt = send_tx(suite, settlement.cancel, trade_id, sender=account, check=check)
    if receipt is None:
        return Done(summary=f"trade {trade_id} was already cancelled", tx_hash="", gas_used=0)
    returned = f"; {held} payment units returned to the buyer" if held else ""
    return done_from(f"trade {trade_id} cancelled{returned}", receipt)


def print_trade(console: Console, s: TradeState) -> None:
    """A trade's terms and state as a table (amounts in the assets' whole units)."""
    token, asset = erc20_at(s.token), erc20_at(s.asset)
    token_decimals, asset_decimals = int(token.decimals()), int(asset.decimals())
    symbol = str(asset.symbol())
    grid = Table(title=f"Trade {s.id} ({s.status_name})", show_header=False)
    grid.add_column("field")
    grid.add_column("value", justify="right")
    grid.add_row("token", s.token)
    grid.add_row("seller", f"{s.seller} ({'affirmed' if s.seller_affirmed else 'not affirmed'})")
    grid.add_row("buyer", f"{s.buyer} ({'affirmed' if s.buyer_affirmed else 'not affirmed'})")
    grid.add_row("shares", format_units(s.shares, token_decimals))
    grid.add_row("payment", f"{format_units(s.amount, asset_decimals)} {symbol} ({s.asset})")
    grid.add_row("payment held", f"{format_units(s.held, asset_decimals)} {symbol}")
    grid.add_row("expiry", format_timestamp(s.expiry))
    console.print(grid)
