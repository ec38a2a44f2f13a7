"""Primary offerings through a PrimaryOffering contract: open one, follow it, subscribe, close it,
cancel it, deliver the shares in batches, take a refund.

The offering contract is shared (one deployment serves every token of the issuer); the commands
name it (``--offerings ADDRESS``). Every operation checks before sending what the contract would
refuse, in one line: the caller's role, the offering's status and window, the investor's limits,
the hard cap and, for a subscription, the token's own compliance decision on issuing the
investor's total (``detectTransferRestriction``), refused with the rule's message. Everything is
sent through the journal (``sectoken.jobs.operations.send_tx``): a re-run after a lost reply
finds the earlier transaction instead of sending a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_utils.address import to_checksum_address
from rich.console import Console
from rich.table import Table

from sectoken.abi import event
from sectoken.chain.logs import iter_logs
from sectoken.chain.suite import Suite, require_role, role_id
from sectoken.errors import SectokenError
from sectoken.jobs.market_contracts import chain_now, erc20_at, market_contract
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
    "STATUS_NAMES",
    "Delivery",
    "OfferingStatus",
    "cancel_offering",
    "close_offering",
    "create_offering",
    "deliver_in_batches",
    "offering_contract",
    "offering_status",
    "pending_subscribers",
    "print_offering",
    "refund_subscription",
    "subscribe",
]

STATUS_NAMES = {1: "active", 2: "succeeded", 3: "failed (soft cap missed)", 4: "cancelled"}
_ACTIVE, _SUCCEEDED, _FAILED, _CANCELLED = 1, 2, 3, 4
_CREATED = event("PrimaryOffering", "OfferingCreated")
_SUBSCRIBED = event("PrimaryOffering", "Subscribed")


@dataclass(frozen=True, slots=True)
class OfferingStatus:
    id: int
    token: str
    asset: str
    asset_symbol: str
    asset_decimals: int
    token_decimals: int
    treasury: str
    price: int
    min_shares: int
    max_shares: int
    hard_cap: int
    soft_cap: int
    start: int
    end: int
    status: int
    sold: int
    held: int
    issued: int
    to_treasury: int
    refunded: int
    delivery_deadline: int
    now: int

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, f"unknown ({self.status})")


def offering_contract(suite: Suite, address: str) -> Any:
    """The PrimaryOffering at ``address`` (it must have code on this chain)."""
    return market_contract(suite, address, "PrimaryOffering", "--offerings")


def _shares(text: str | int, decimals: int, what: str) -> int:
    units = to_units(str(text), decimals)
    if units < 0:
        raise SectokenError(f"the {what} cannot be negative")
    return units


def create_offering(
    suite: Suite,
    account: Any,
    offerings: Any,
    *,
    asset: str,
    treasury: str,
    price: str,
    hard_cap: str,
    soft_cap: str = "0",
    min_shares: str = "0",
    max_shares: str = "0",
    start: int | None,
    end: int,
    delivery_days: int = 30,
) -> tuple[int, Done]:
    """Open an offering of the suite's token (amounts in whole shares and whole asset units).

    ``start`` None opens it now (the chain's latest block time); a re-run then recognises the
    same offering although "now" has moved (the start is left out of the journal's key)."""
    opens_now = start is None
    if start is None:
        start = chain_now(suite)
    token = suite.require("token")
    require_role(token, "ISSUER_ROLE", account, what="token")
    if not token.hasRole(role_id("ISSUER_ROLE"), offerings.address):
        raise SectokenError(
            f"the offering contract {offerings.address} does not hold ISSUER_ROLE on the token",
            hint="grant it: add the contract under roles.issuer in the spec and deploy again",
        )
    asset_address = checked_address(asset, allow_unchecksummed=True)
    treasury_address = checked_address(treasury, allow_unchecksummed=True)
    if ZERO_ADDRESS in (asset_address, treasury_address):
        raise SectokenError("the asset and the treasury must be real addresses")
    asset_decimals = int(erc20_at(asset_address).decimals())
    decimals = int(token.decimals())
    price_units = to_units(price, asset_decimals)
    caps = {
        "hard cap": _shares(hard_cap, decimals, "hard cap"),
        "soft cap": _shares(soft_cap, decimals, "soft cap"),
        "minimum": _shares(min_shares, decimals, "minimum"),
        "maximum": _shares(max_shares, decimals, "maximum"),
    }
    if price_units <= 0:
        raise SectokenError("the price must be positive")
    if caps["hard cap"] <= 0:
        raise SectokenError("the hard cap must be positive")
    if caps["soft cap"] > caps["hard cap"]:
        raise SectokenError("the soft cap exceeds the hard cap")
    maximum = caps["maximum"] or caps["hard cap"]
    if maximum > caps["hard cap"] or caps["minimum"] > maximum:
        raise SectokenError("the per-investor limits must satisfy minimum <= maximum <= hard cap")
    if not start < end:
        raise SectokenError("the offering must start before it ends")
    if end <= chain_now(suite):
        raise SectokenError(f"the end ({format_timestamp(end)}) has passed")
    if delivery_days <= 0:
        raise SectokenError("the delivery window must be at least one day")
    params = (
        token.address,
        asset_address,
        treasury_address,
        price_units,
        caps["minimum"],
        caps["maximum"],
        caps["hard cap"],
        caps["soft cap"],
        start,
        end,
        delivery_days * 86_400,
    )
    key = (params[:8], None, *params[9:]) if opens_now else None
    receipt = send_tx(
        suite, offerings.createOffering, params, sender=account, repeat_guard=True, key=key
    )
    offering_id = indexed_id(receipt, _CREATED, offerings.address)
    return offering_id, done_from(
        f"offering {offering_id}: up to {hard_cap} shares at {price} a share, "
        f"{format_timestamp(start)} to {format_timestamp(end)}",
        receipt,
    )


def offering_status(suite: Suite, offerings: Any, offering_id: int) -> OfferingStatus:
    count = int(offerings.offeringCount())
    if not 1 <= offering_id <= count:
        raise SectokenError(f"offering {offering_id} does not exist ({count} so far)")
    view = offerings.offering(offering_id)
    p = view.params
    asset = to_checksum_address(p.asset)
    erc20 = erc20_at(asset)
    return OfferingStatus(
        id=offering_id,
        token=to_checksum_address(p.token),
        asset=asset,
        asset_symbol=str(erc20.symbol()),
        asset_decimals=int(erc20.decimals()),
        token_decimals=int(erc20_at(to_checksum_address(p.token)).decimals()),
        treasury=to_checksum_address(p.treasury),
        price=int(p.price),
        min_shares=int(p.minShares),
        max_shares=int(p.maxShares),
        hard_cap=int(p.hardCap),
        soft_cap=int(p.softCap),
        start=int(p.start),
        end=int(p.end),
        status=int(view.status),
        sold=int(view.sold),
        held=int(view.held),
        issued=int(view.issued),
        to_treasury=int(view.toTreasury),
        refunded=int(view.refunded),
        delivery_deadline=int(view.deliveryDeadline),
        now=chain_now(suite),
    )


def subscribe(suite: Suite, account: Any, offerings: Any, offering_id: int, shares: str) -> Done:
    """Subscribe ``shares`` (whole shares) for ``account``, approving the payment if needed."""
    status = offering_status(suite, offerings, offering_id)
    units = _shares(shares, status.token_decimals, "number of shares")
    investor = str(account.address)
    call = offerings.subscribe
    earlier = settle_earlier(suite, call, offering_id, units, sender=account, repeat_guard=True)
    if earlier is None:
        _check_subscription(suite, offerings, status, investor, units)
        cost = int(offerings.cost(offering_id, units))
        erc20 = erc20_at(status.asset)
        send_tx(
            suite,
            erc20.approve,
            offerings.address,
            cost,
            sender=account,
            check=lambda: int(erc20.allowance(investor, offerings.address)) < cost,
        )
    receipt = earlier or send_tx(suite, call, offering_id, units, sender=account, repeat_guard=True)
    paid = int(offerings.cost(offering_id, units))
    return done_from(
        f"{investor} subscribed {shares} shares in offering {offering_id} for "
        f"{format_units(paid, status.asset_decimals)} {status.asset_symbol}",
        receipt,
    )


def _check_subscription(
    suite: Suite, offerings: Any, status: OfferingStatus, investor: str, units: int
) -> None:
    if status.status != _ACTIVE:
        raise SectokenError(f"offering {status.id} is {status.status_name}: no subscriptions")
    at = status.now + 1
    if not status.start <= at < status.end:
        raise SectokenError(
            f"offering {status.id} takes subscriptions from {format_timestamp(status.start)} "
            f"until {format_timestamp(status.end)} (chain time {format_timestamp(status.now)})"
        )
    if units <= 0:
        raise SectokenError("subscribe at least one token unit")
    left = status.hard_cap - status.sold
    if units > left:
        raise SectokenError(f"only {format_units(left, status.token_decimals)} shares remain")
    held, _ = offerings.subscriptionOf(status.id, investor)
    total = int(held) + units
    if not status.min_shares <= total <= status.max_shares:
        raise SectokenError(
            f"the investor's total would be {format_units(total, status.token_decimals)} "
            f"shares: this offering takes {format_units(status.min_shares, status.token_decimals)}"
            f" to {format_units(status.max_shares, status.token_decimals)} per investor"
        )
    token = suite.require("token")
    code = int(token.detectTransferRestriction(ZERO_ADDRESS, investor, total))
    if code != 0:
        raise TransferRefused(code, str(token.messageForTransferRestriction(code)))
    product = units * status.price
    unit = 10**status.token_decimals
    if product % unit:
        raise SectokenError(
            "that number of shares does not cost a whole number of payment units",
            hint="subscribe a rounder number of shares",
        )
    cost = product // unit
    balance = int(erc20_at(status.asset).balanceOf(investor))
    if balance < cost:
        raise SectokenError(
            f"{investor} holds {format_units(balance, status.asset_decimals)} "
            f"{status.asset_symbol}; the subscription costs "
            f"{format_units(cost, status.asset_decimals)}"
        )


def close_offering(suite: Suite, account: Any, offerings: Any, offering_id: int) -> Done:
    """Close an offering after its end (or once sold out); anyone may."""

    def check() -> bool:
        status = offering_status(suite, offerings, offering_id)
        if status.status != _ACTIVE:
            return False  # closed already (by an earlier run or by someone else)
        if status.now + 1 < status.end and status.sold < status.hard_cap:
            raise SectokenError(
                f"offering {offering_id} ends at {format_timestamp(status.end)} and is not sold "
                f"out (chain time {format_timestamp(status.now)})"
            )
        return True

    receipt = send_tx(suite, offerings.close, offering_id, sender=account, check=check)
    status = offering_status(suite, offerings, offering_id)
    summary = f"offering {offering_id} is {status.status_name}"
    if receipt is None:
        return Done(summary=f"nothing to do: {summary}", tx_hash="", gas_used=0)
    return done_from(summary, receipt)


def refund_subscription(suite: Suite, account: Any, offerings: Any, offering_id: int) -> Done:
    """Take back ``account``'s payment (failed or cancelled offering, or undelivered after the
    delivery window)."""
    investor = str(account.address)

    def check() -> bool:
        status = offering_status(suite, offerings, offering_id)
        shares, _ = offerings.subscriptionOf(offering_id, investor)
        if int(shares) == 0:
            return False  # nothing (left) to refund: refunded by an earlier run, or never paid
        if status.status == _SUCCEEDED and status.now + 1 < status.delivery_deadline:
            raise SectokenError(
                f"offering {offering_id} succeeded: shares are delivered until "
                f"{format_timestamp(status.delivery_deadline)}, refunds only after that"
            )
        if status.status not in (_SUCCEEDED, _FAILED, _CANCELLED):
            raise SectokenError(f"offering {offering_id} is {status.status_name}: no refunds yet")
        return True

    receipt = send_tx(suite, offerings.refund, offering_id, sender=account, check=check)
    if receipt is None:
        return Done(summary=f"nothing to refund to {investor}", tx_hash="", gas_used=0)
    return done_from(f"{investor} refunded from offering {offering_id}", receipt)


def print_offering(console: Console, s: OfferingStatus) -> None:
    def shares(value: int) -> str:
        return f"{format_units(value, s.token_decimals)} shares"

    def money(value: int) -> str:
        return f"{format_units(value, s.asset_decimals)} {s.asset_symbol}"

    grid = Table(title=f"Offering {s.id} ({s.status_name})", show_header=False)
    grid.add_column("field")
    grid.add_column("value", justify="right")
    grid.add_row("token", s.token)
    grid.add_row("price per share", money(s.price))
    grid.add_row("window", f"{format_timestamp(s.start)} to {format_timestamp(s.end)}")
    grid.add_row("hard cap / soft cap", f"{shares(s.hard_cap)} / {shares(s.soft_cap)}")
    grid.add_row("per investor", f"{shares(s.min_shares)} to {shares(s.max_shares)}")
    sold_pct = Decimal(s.sold * 100) / Decimal(s.hard_cap) if s.hard_cap else Decimal(0)
    grid.add_row("subscribed", f"{shares(s.sold)} ({sold_pct:.1f}% of the hard cap)")
    grid.add_row("issued", shares(s.issued))
    grid.add_row("held by the contract", money(s.held))
    grid.add_row("paid to the treasury", f"{money(s.to_treasury)} ({s.treasury})")
    grid.add_row("refunded", money(s.refunded))
    if s.delivery_deadline:
        grid.add_row("delivery until", format_timestamp(s.delivery_deadline))
    console.print(grid)


def cancel_offering(suite: Suite, account: Any, offerings: Any, offering_id: int) -> Done:
    """Cancel an active offering (the token's issuer); every subscriber may then take a refund."""
    token = suite.require("token")

    def check() -> bool:
        status = offering_status(suite, offerings, offering_id)
        if status.status == _CANCELLED:
            return False  # cancelled already (an earlier run)
        if to_checksum_address(token.address) != status.token:
            raise SectokenError(f"offering {offering_id} is of another token ({status.token})")
        if status.status != _ACTIVE:
            raise SectokenError(
                f"offering {offering_id} is {status.status_name}: only an active one is cancelled"
            )
        require_role(token, "ISSUER_ROLE", account, what="token")
        return True

    receipt = send_tx(suite, offerings.cancel, offering_id, sender=account, check=check)
    if receipt is None:
        return Done(summary=f"offering {offering_id} was already cancelled", tx_hash="", gas_used=0)
    after = offering_status(suite, offerings, offering_id)
    held = format_units(after.held, after.asset_decimals)
    return done_from(
        f"offering {offering_id} cancelled; {held} {after.asset_symbol} held for refunds", receipt
    )


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one ``deliver_in_batches`` run did: per batch sent, its receipt's summary."""

    batches: list[Done]
    delivered: list[str]
    refused: list[tuple[str, int, str]]  # investor, the token's code, its message
    left: int  # undelivered subscriptions the token would accept (none after a full run)


def pending_subscribers(
    suite: Suite, offerings: Any, offering_id: int, *, from_block: int = 0
) -> list[str]:
    """Investors of the offering whose subscription is not yet delivered or refunded, in the
    order they first subscribed (from the ``Subscribed`` events, checked against the contract)."""
    seen: dict[str, None] = {}
    topics = _SUBSCRIBED.topic_filter({"id": offering_id})
    latest = int(suite.w3.eth.block_number)
    for log in iter_logs(
        suite.w3, address=offerings.address, topics=topics, from_block=from_block, to_block=latest
    ):
        seen.setdefault(to_checksum_address(log.topics[2][12:]), None)
    return [w for w in seen if int(offerings.subscriptionOf(offering_id, w)[0]) > 0]


def deliver_in_batches(
    suite: Suite,
    account: Any,
    offerings: Any,
    offering_id: int,
    *,
    batch: int,
    from_block: int = 0,
) -> Delivery:
    """Push the shares of a succeeded offering to its subscribers, ``batch`` investors per
    transaction (no transaction loops over all of them).

    Before each batch the token's decision on each investor is asked: a subscription it would
    refuse now (KYC lapsed, ...) is left out and reported with the rule (it stays refundable
    after the delivery window). Safe to re-run: the pending list is rebuilt from the chain, so a
    batch that landed is not sent again, and the contract skips an investor already delivered.
    """
    if batch < 1:
        raise SectokenError("the batch size must be at least 1")
    token = suite.require("token")
    status = offering_status(suite, offerings, offering_id)
    if to_checksum_address(token.address) != status.token:
        raise SectokenError(f"offering {offering_id} is of another token ({status.token})")
    if status.status != _SUCCEEDED:
        raise SectokenError(
            f"offering {offering_id} is {status.status_name}: shares are delivered once it has "
            "closed and succeeded"
        )
    if status.now + 1 >= status.delivery_deadline:
        raise SectokenError(
            f"the delivery window of offering {offering_id} closed at "
            f"{format_timestamp(status.delivery_deadline)}: subscribers take refunds"
        )
    require_role(token, "ISSUER_ROLE", account, what="token")
    deliverable: list[str] = []
    refused: list[tuple[str, int, str]] = []
    for investor in pending_subscribers(suite, offerings, offering_id, from_block=from_block):
        shares = int(offerings.subscriptionOf(offering_id, investor)[0])
        code = int(token.detectTransferRestriction(ZERO_ADDRESS, investor, shares))
        if code:
            refused.append((investor, code, str(token.messageForTransferRestriction(code))))
        else:
            deliverable.append(investor)
    done: list[Done] = []
    delivered: list[str] = []
    for start in range(0, len(deliverable), batch):
        wallets = deliverable[start : start + batch]

        def check(wallets: list[str] = wallets) -> bool:
            # landed already (an earlier run, a lost reply): nothing of this batch is left
            return any(int(offerings.subscriptionOf(offering_id, w)[0]) > 0 for w in wallets)

        receipt = send_tx(
            suite, offerings.deliver, offering_id, wallets, sender=account, check=check
        )
        if receipt is None:
            continue
        landed = [w for w in wallets if int(offerings.subscriptionOf(offering_id, w)[0]) == 0]
        delivered += landed
        done.append(done_from(f"batch of {len(wallets)}: {len(landed)} delivered", receipt))
    left = sum(1 for w in deliverable if int(offerings.subscriptionOf(offering_id, w)[0]) > 0)
    return Delivery(done, delivered, refused, left)
