"""Buy-backs through a BuybackOffers contract: open an offer (deposit the payment asset), tender
shares, settle pro-rata tenders after the deadline, close an offer, follow an offer.

Tendered shares are redeemed by the token's ``redeemFrom`` (ERC-1594 ``Redeemed``) and paid from
the deposit, first come or pro rata (stated in the offer). Before sending, the commands check
what the contract would refuse (role, operator approval, status, deadline, room left, balances)
and approve what the contract must take (the deposit, the tendered shares) first; the token's
own refusal of a redemption comes back with the rule's message. Every transaction goes through
the journal: a re-run never sends a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from rich.console import Console
from rich.table import Table

from sectoken.abi import event, function_entries
from sectoken.chain.logs import iter_logs
from sectoken.chain.suite import Suite, require_role
from sectoken.errors import SectokenError
from sectoken.jobs.market_contracts import chain_now, erc20_at, market_contract
from sectoken.jobs.operations import Done, done_from, indexed_id, send_tx, settle_earlier
from sectoken.model.addresses import checked_address
from sectoken.model.amounts import format_units, to_units
from sectoken.model.dates import format_timestamp

__all__ = [
    "BuybackState",
    "buyback_contract",
    "buyback_state",
    "close_buyback",
    "create_buyback",
    "pending_tenders",
    "print_buyback",
    "settle_tenders",
    "tender_shares",
]

_FIRST_COME, _PRO_RATA = 0, 1
_OPEN = 1
_CREATED = event("BuybackOffers", "BuybackCreated")
_TENDERED = event("BuybackOffers", "Tendered")


@dataclass(frozen=True, slots=True)
class BuybackState:
    id: int
    token: str
    asset: str
    asset_symbol: str
    asset_decimals: int
    token_decimals: int
    price: int
    max_shares: int
    deadline: int
    pro_rata: bool
    settlement_window: int
    open: bool
    issuer: str
    deposit: int
    tendered: int
    redeemed: int
    paid: int
    returned: int
    now: int


def buyback_contract(suite: Suite, address: str) -> Any:
    """The BuybackOffers at ``address`` (it must have code on this chain)."""
    return market_contract(suite, address, "BuybackOffers", "--buybacks")


def buyback_state(suite: Suite, buybacks: Any, buyback_id: int) -> BuybackState:
    count = int(buybacks.buybackCount())
    if not 1 <= buyback_id <= count:
        raise SectokenError(f"buy-back {buyback_id} does not exist ({count} so far)")
    v = buybacks.buyback(buyback_id)
    p = v.params
    asset = to_checksum_address(p.asset)
    erc20 = erc20_at(asset)
    token = to_checksum_address(p.token)
    return BuybackState(
        id=buyback_id,
        token=token,
        asset=asset,
        asset_symbol=str(erc20.symbol()),
        asset_decimals=int(erc20.decimals()),
        token_decimals=int(erc20_at(token).decimals()),
        price=int(p.price),
        max_shares=int(p.maxShares),
        deadline=int(p.deadline),
        pro_rata=int(p.allocation) == _PRO_RATA,
        settlement_window=int(p.settlementWindow),
        open=int(v.status) == _OPEN,
        issuer=to_checksum_address(v.issuer),
        deposit=int(v.deposit),
        tendered=int(v.tendered),
        redeemed=int(v.redeemed),
        paid=int(v.paid),
        returned=int(v.returned),
        now=chain_now(suite),
    )


def create_buyback(
    suite: Suite,
    account: Any,
    buybacks: Any,
    *,
    asset: str,
    price: str,
    max_shares: str,
    deadline: int,
    pro_rata: bool = False,
    settlement_days: int = 7,
) -> tuple[int, Done]:
    """Offer to buy back up to ``max_shares`` at ``price`` a share until ``deadline``."""
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    if not bool(token.isApprovedOperator(buybacks.address)):
        raise SectokenError(
            f"the buy-back contract {buybacks.address} is not an approved operator of the token",
            hint="the compliance officer approves it (setApprovedOperator)",
        )
    asset_address = checked_address(asset, allow_unchecksummed=True)
    erc20 = erc20_at(asset_address)
    asset_decimals = int(erc20.decimals())
    decimals = int(token.decimals())
    price_units = to_units(price, asset_decimals)
    share_units = to_units(max_shares, decimals)
    if price_units <= 0 or share_units <= 0:
        raise SectokenError("the price and the number of shares must be positive")
    if deadline <= chain_now(suite):
        raise SectokenError(f"the deadline ({format_timestamp(deadline)}) has passed")
    if pro_rata and settlement_days <= 0:
        raise SectokenError("a pro-rata offer needs a settlement window of at least one day")
    deposit = share_units * price_units // 10**decimals
    if deposit == 0:
        raise SectokenError("the offer is worth nothing at that price")
    issuer = str(account.address)
    params = (
        token.address,
        asset_address,
        price_units,
        share_units,
        deadline,
        _PRO_RATA if pro_rata else _FIRST_COME,
        settlement_days * 86_400 if pro_rata else 0,
    )
    create = buybacks.createBuyback
    receipt = settle_earlier(suite, create, params, sender=account, repeat_guard=True)
    if receipt is None:
        balance = int(erc20.balanceOf(issuer))
        if balance < deposit:
            raise SectokenError(
                f"{issuer} holds {format_units(balance, asset_decimals)}; the deposit is "
                f"{format_units(deposit, asset_decimals)}"
            )
        send_tx(
            suite,
            erc20.approve,
            buybacks.address,
            deposit,
            sender=account,
            check=lambda: int(erc20.allowance(issuer, buybacks.address)) < deposit,
        )
        receipt = send_tx(suite, create, params, sender=account, repeat_guard=True)
    buyback_id = indexed_id(receipt, _CREATED, buybacks.address)
    return buyback_id, done_from(
        f"buy-back {buyback_id}: up to {max_shares} shares at {price} a share "
        f"({'pro rata' if pro_rata else 'first come'}) until {format_timestamp(deadline)}, "
        f"{format_units(deposit, asset_decimals)} deposited",
        receipt,
    )


def tender_shares(suite: Suite, account: Any, buybacks: Any, buyback_id: int, shares: str) -> Done:
    """Tender ``shares`` (approves the buy-back contract for them first)."""
    state = buyback_state(suite, buybacks, buyback_id)
    units = to_units(shares, state.token_decimals)
    holder = str(account.address)
    call = buybacks.tender
    receipt = settle_earlier(suite, call, buyback_id, units, sender=account, repeat_guard=True)
    if receipt is None:
        if not state.open:
            raise SectokenError(f"buy-back {buyback_id} is closed")
        if state.now + 1 >= state.deadline:
            raise SectokenError(
                f"buy-back {buyback_id} took tenders until {format_timestamp(state.deadline)}"
            )
        if units <= 0:
            raise SectokenError("tender at least one token unit")
        room = state.max_shares - state.redeemed
        if not state.pro_rata and units > room:
            raise SectokenError(
                f"the offer buys only {format_units(room, state.token_decimals)} more shares"
            )
        token = erc20_at(state.token)
        held = int(token.balanceOf(holder))
        if held < units:
            raise SectokenError(f"{holder} holds {format_units(held, state.token_decimals)} shares")
        send_tx(
            suite,
            token.approve,
            buybacks.address,
            units,
            sender=account,
            check=lambda: int(token.allowance(holder, buybacks.address)) < units,
        )
        receipt = send_tx(suite, call, buyback_id, units, sender=account, repeat_guard=True)
    paid = units * state.price // 10**state.token_decimals
    what = (
        "recorded for pro-rata settlement after the deadline"
        if state.pro_rata
        else f"redeemed for {format_units(paid, state.asset_decimals)} {state.asset_symbol}"
    )
    return done_from(f"{holder} tendered {shares} shares in buy-back {buyback_id}: {what}", receipt)


def print_buyback(console: Console, s: BuybackState) -> None:
    def shares(value: int) -> str:
        return f"{format_units(value, s.token_decimals)} shares"

    def money(value: int) -> str:
        return f"{format_units(value, s.asset_decimals)} {s.asset_symbol}"

    state = "open" if s.open else "closed"
    grid = Table(title=f"Buy-back {s.id} ({state})", show_header=False)
    grid.add_column("field")
    grid.add_column("value", justify="right")
    grid.add_row("token", s.token)
    grid.add_row("price per share", money(s.price))
    grid.add_row("buys up to", shares(s.max_shares))
    grid.add_row("allocation", "pro rata" if s.pro_rata else "first come")
    grid.add_row("tenders until", format_timestamp(s.deadline))
    grid.add_row("deposit", money(s.deposit))
    grid.add_row("tendered", shares(s.tendered))
    grid.add_row("redeemed", shares(s.redeemed))
    grid.add_row("paid to holders", money(s.paid))
    grid.add_row("returned to the issuer", money(s.returned))
    console.print(grid)


def pending_tenders(
    suite: Suite, buybacks: Any, buyback_id: int, *, from_block: int = 0
) -> list[str]:
    """Holders with a recorded, unsettled pro-rata tender in the offer (from the ``Tendered``
    events, checked against the contract), in the order they first tendered."""
    seen: dict[str, None] = {}
    latest = int(suite.w3.eth.block_number)
    for log in iter_logs(
        suite.w3,
        address=buybacks.address,
        topics=_TENDERED.topic_filter({"id": buyback_id}),
        from_block=from_block,
        to_block=latest,
    ):
        seen.setdefault(to_checksum_address(log.topics[2][12:]), None)
    return [h for h in seen if int(buybacks.tenderOf(buyback_id, h)[0]) > 0]


def settle_tenders(
    suite: Suite,
    account: Any,
    buybacks: Any,
    buyback_id: int,
    *,
    everyone: bool = False,
    from_block: int = 0,
) -> list[Done]:
    """Pro rata, after the deadline: redeem and pay the caller's accepted part, or (``everyone``,
    the token's issuer) each pending holder's, one transaction per holder. Safe to re-run: a
    settled tender is gone from the contract, so nothing is sent for it twice."""
    state = buyback_state(suite, buybacks, buyback_id)
    if not state.pro_rata:
        raise SectokenError(f"buy-back {buyback_id} is first come: tenders were paid at once")
    if not state.open:
        raise SectokenError(f"buy-back {buyback_id} is closed")
    settlement_end = state.deadline + state.settlement_window
    if not state.deadline <= state.now + 1 < settlement_end:
        raise SectokenError(
            f"buy-back {buyback_id} settles tenders from {format_timestamp(state.deadline)} "
            f"until {format_timestamp(settlement_end)} (chain time {format_timestamp(state.now)})"
        )
    me = str(account.address)
    if everyone:
        require_role(_issuer_view(state.token), "ISSUER_ROLE", account, what="token")
        holders = pending_tenders(suite, buybacks, buyback_id, from_block=from_block)
    else:
        holders = [me]
    done: list[Done] = []
    for holder in holders:
        tendered, accepted = (int(x) for x in buybacks.tenderOf(buyback_id, holder))

        def check(holder: str = holder) -> bool:
            return int(buybacks.tenderOf(buyback_id, holder)[0]) > 0

        receipt = send_tx(
            suite, buybacks.settleTender, buyback_id, holder, sender=account, check=check
        )
        if receipt is None:
            if not everyone:
                done.append(Done(summary=f"{holder} has no pending tender", tx_hash="", gas_used=0))
            continue
        paid = accepted * state.price // 10**state.token_decimals
        done.append(
            done_from(
                f"{holder}: {format_units(accepted, state.token_decimals)} of "
                f"{format_units(tendered, state.token_decimals)} shares redeemed for "
                f"{format_units(paid, state.asset_decimals)} {state.asset_symbol}",
                receipt,
            )
        )
    return done


def _issuer_view(token: str) -> Any:
    from ape import Contract

    return Contract(token, abi=function_entries("SecurityToken", ("hasRole",)))


def close_buyback(suite: Suite, account: Any, buybacks: Any, buyback_id: int) -> Done:
    """Close an offer and return the unspent deposit to the issuer who opened it (the token's
    issuer; pro rata after the deadline only once the settlement window is over)."""

    def check() -> bool:
        state = buyback_state(suite, buybacks, buyback_id)
        if not state.open:
            return False  # closed already (an earlier run)
        require_role(_issuer_view(state.token), "ISSUER_ROLE", account, what="token")
        settlement_end = state.deadline + state.settlement_window
        at = state.now + 1
        if state.pro_rata and state.deadline <= at < settlement_end:
            raise SectokenError(
                f"buy-back {buyback_id} settles pro-rata tenders until "
                f"{format_timestamp(settlement_end)}: it closes after that"
            )
        return True

    receipt = send_tx(suite, buybacks.close, buyback_id, sender=account, check=check)
    state = buyback_state(suite, buybacks, buyback_id)
    if receipt is None:
        return Done(summary=f"buy-back {buyback_id} was already closed", tx_hash="", gas_used=0)
    return done_from(
        f"buy-back {buyback_id} closed: {format_units(state.returned, state.asset_decimals)} "
        f"{state.asset_symbol} returned to {state.issuer}",
        receipt,
    )
