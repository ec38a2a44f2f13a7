"""Dividends: create a distribution at a record date, follow it, push it, reclaim what is left.

A distribution pays ETH or an ERC-20 pro rata to the balances at a record date of the token
(the distributor keeps no copy of holdings). Holders claim; ``push_dividends`` pays those who do
not, in batches: it recomputes who is still unpaid (``isPaid``) on every run, so an interrupted
push simply continues on the next run and nobody is paid twice (the contract refuses it anyway).
The contract skips (and reports) a holder that is frozen or whose payment fails; the report
lists them with the reason: they stay unpaid and may claim themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address
from rich.console import Console
from rich.table import Table

from sectoken.abi import event, function, function_entries
from sectoken.chain.batching import DEFAULT_BATCH_SIZE
from sectoken.chain.logs import iter_logs
from sectoken.chain.suite import Suite, require_role
from sectoken.errors import SectokenError
from sectoken.jobs.captable import build_cap_table
from sectoken.jobs.operations import (
    Done,
    done_from,
    indexed_id,
    send_tx,
    settle_earlier,
    tx_sender,
)
from sectoken.model.addresses import ZERO_ADDRESS, checked_address
from sectoken.model.amounts import format_units, to_units
from sectoken.model.dates import format_timestamp

__all__ = [
    "DistributionStatus",
    "PushReport",
    "check_can_claim",
    "claim_dividend",
    "create_distribution",
    "distribution_status",
    "print_status",
    "push_dividends",
    "reclaim_dividend",
    "unpaid_holders",
    "withdraw_withheld",
]

ETH = "ETH"
_IS_PAID = function("DividendDistributor", "isPaid")
_DISTRIBUTION = function("DividendDistributor", "distribution")
_CREATE = function("DividendDistributor", "createDistribution")
_CLAIMED = event("DividendDistributor", "Claimed")
_DISTRIBUTION_CREATED = event("DividendDistributor", "DistributionCreated")
_PUSH_SKIPPED = event("DividendDistributor", "PushSkipped")
CLAIMED = _CLAIMED.topic
DISTRIBUTION_CREATED = _DISTRIBUTION_CREATED.topic
PUSH_SKIPPED = _PUSH_SKIPPED.topic


@dataclass(slots=True)
class DistributionStatus:
    id: int
    asset: str  # "ETH" or the ERC-20 address
    asset_symbol: str
    asset_decimals: int
    record_date_id: int
    deposit: int
    eligible_supply: int
    expiry: int
    withholding_bps: int
    tax_wallet: str
    released: int
    withheld: int
    withheld_withdrawn: int
    reclaimed: int
    is_reclaimed: bool
    claims: int = 0
    expired: bool = False

    @property
    def paid(self) -> int:
        return self.released - self.withheld

    @property
    def unclaimed(self) -> int:
        return self.deposit - self.released - self.reclaimed


#: Why the distributor's push skipped a holder (IDividendDistributor.SkipReason).
SKIP_REASONS = {
    1: "already paid or excluded",
    2: "frozen (token or registry): payable once unfrozen",
    3: "nothing due",
    4: "payment failed or needed more gas than a push gives: left to claim",
}


@dataclass(slots=True)
class PushReport:
    considered: int = 0
    already_paid: int = 0
    pushed_to: int = 0
    transactions: int = 0
    gas_used: int = 0
    tx_hashes: list[str] = field(default_factory=list)
    #: (holder, reason) for every holder a push transaction skipped (PushSkipped events)
    skipped: list[tuple[str, str]] = field(default_factory=list)


# The ERC-20 calls a distribution in a token asset needs, as the security token (an ERC-20)
# declares them in its packaged ABI.
_ERC20_ABI = function_entries(
    "SecurityToken", ("symbol", "decimals", "balanceOf", "allowance", "approve")
)


def _erc20(address: str) -> Any:
    """An Ape contract instance for any ERC-20 (only the calls the distribution needs)."""
    from ape import Contract

    return Contract(address, abi=_ERC20_ABI)


def _asset_info(asset: str) -> tuple[str, str, int]:
    if asset.upper() == ETH or asset == ZERO_ADDRESS:
        return ZERO_ADDRESS, "ETH", 18
    address = checked_address(asset, allow_unchecksummed=True)
    erc20 = _erc20(address)
    return address, str(erc20.symbol()), int(erc20.decimals())


def create_distribution(
    suite: Suite,
    account: Any,
    *,
    record_date_id: int,
    amount: str,
    asset: str = ETH,
    expiry: int,
    withholding_bps: int = 0,
    tax_wallet: str | None = None,
    excluded: Sequence[str] = (),
) -> tuple[int, Done]:
    """Deposit ``amount`` (whole units of the asset) for the holders at ``record_date_id``."""
    token = suite.require("token")
    distributor = suite.require("dividends")
    require_role(token, "ISSUER_ROLE", account, what="token")
    asset_address, symbol, decimals = _asset_info(asset)
    units = to_units(amount, decimals)
    if units <= 0:
        raise SectokenError("the dividend amount must be positive")
    if not 0 <= withholding_bps <= 10_000:
        raise SectokenError("withholding is in basis points, 0..10000")
    if withholding_bps and not tax_wallet:
        raise SectokenError("withholding needs a tax wallet", hint="pass --tax-wallet ADDRESS")
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    if expiry <= now:
        raise SectokenError("the expiry must lie in the future")
    latest = int(token.latestRecordDateId())
    if not 1 <= record_date_id <= latest:
        raise SectokenError(
            f"record date {record_date_id} does not exist",
            hint="schedule one first: `ape run token record-date 2026-12-31`",
        )
    when = int(token.recordDate(record_date_id))
    if now < when:
        raise SectokenError(
            f"record date {record_date_id} has not passed yet (it is at "
            f"{format_timestamp(when)}, chain time {format_timestamp(now)})",
            hint="create the distribution once the record date has passed (on the local node, "
            f"move its clock: `ape run chain time-travel {format_timestamp(when + 1)}`)",
        )
    excluded_list = [checked_address(a, allow_unchecksummed=True) for a in excluded]
    params = _CREATE.struct(
        {
            "token": token.address,
            "recordDateId": record_date_id,
            "asset": asset_address,
            "amount": units,
            "expiry": expiry,
            "withholdingBps": withholding_bps,
            "taxWallet": (
                checked_address(tax_wallet, allow_unchecksummed=True)
                if tax_wallet
                else ZERO_ADDRESS
            ),
            "excluded": excluded_list,
        }
    )
    value = units if asset_address == ZERO_ADDRESS else 0
    create = distributor.createDistribution
    # The deposit's transaction of an earlier run is settled first: if it landed, the allowance
    # it consumed must not be approved again.
    receipt = settle_earlier(suite, create, params, sender=account, value=value, repeat_guard=True)
    if receipt is None and asset_address != ZERO_ADDRESS:
        erc20 = _erc20(asset_address)
        if int(erc20.balanceOf(account.address)) < units:
            raise SectokenError(f"{account.address} holds less than {amount} {symbol}")
        send_tx(
            suite,
            erc20.approve,
            distributor.address,
            units,
            sender=account,
            check=lambda: int(erc20.allowance(account.address, distributor.address)) < units,
        )
    if receipt is None:
        receipt = send_tx(suite, create, params, sender=account, value=value, repeat_guard=True)
    dist_id = indexed_id(receipt, _DISTRIBUTION_CREATED, distributor.address)
    return dist_id, done_from(
        f"distribution {dist_id}: {amount} {symbol} for record date {record_date_id}", receipt
    )


def distribution_status(suite: Suite, dist_id: int) -> DistributionStatus:
    distributor = suite.require("dividends")
    count = int(distributor.distributionCount())
    if not 1 <= dist_id <= count:
        raise SectokenError(f"distribution {dist_id} does not exist ({count} so far)")
    info = suite.client.value(distributor.address, _DISTRIBUTION, dist_id)
    suite.require_own("distribution", dist_id, info["token"])
    asset = to_checksum_address(info["asset"])
    if asset == ZERO_ADDRESS:
        symbol, decimals, shown = "ETH", 18, ETH
    else:
        erc20 = _erc20(asset)
        symbol, decimals, shown = str(erc20.symbol()), int(erc20.decimals()), asset
    status = DistributionStatus(
        id=dist_id,
        asset=shown,
        asset_symbol=symbol,
        asset_decimals=decimals,
        record_date_id=int(info["recordDateId"]),
        deposit=int(info["deposit"]),
        eligible_supply=int(info["eligibleSupply"]),
        expiry=int(info["expiry"]),
        withholding_bps=int(info["withholdingBps"]),
        tax_wallet=to_checksum_address(info["taxWallet"]),
        released=int(info["released"]),
        withheld=int(info["withheld"]),
        withheld_withdrawn=int(info["withheldWithdrawn"]),
        reclaimed=int(info["reclaimed"]),
        is_reclaimed=bool(info["isReclaimed"]),
    )
    record = suite.deployment.contracts["dividends"]
    status.claims = sum(
        1
        for _ in iter_logs(
            suite.w3,
            address=distributor.address,
            topics=_CLAIMED.topic_filter({"id": dist_id}),
            from_block=record.block,
            to_block=int(suite.w3.eth.block_number),
        )
    )
    status.expired = int(suite.w3.eth.get_block("latest")["timestamp"]) >= status.expiry
    return status


def unpaid_holders(suite: Suite, dist_id: int, candidates: Iterable[str]) -> list[str]:
    """The candidates not yet paid (nor excluded) in distribution ``dist_id``."""
    distributor = suite.require("dividends")
    wallets = list(candidates)
    paid = suite.client.value_each(distributor.address, _IS_PAID, [(dist_id, w) for w in wallets])
    return [w for w, done in zip(wallets, paid, strict=True) if not done]


def _push_skips(logs: Iterable[Any], distributor: str) -> list[tuple[str, int]]:
    """(holder, reason code) of every ``PushSkipped`` the distributor emitted in these logs."""
    skips: list[tuple[str, int]] = []
    for log in logs:
        topics = [bytes(t) for t in log["topics"]]
        if str(log["address"]).lower() == distributor.lower() and _PUSH_SKIPPED.matches(topics):
            skipped = _PUSH_SKIPPED.decode(topics, bytes(log["data"]))
            skips.append((to_checksum_address(skipped["holder"]), int(skipped["reason"])))
    return skips


def push_dividends(
    suite: Suite,
    account: Any,
    dist_id: int,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_batches: int | None = None,
) -> PushReport:
    """Pay every holder at the record date who has not claimed, in batches (resumable)."""
    token = suite.require("token")
    distributor = suite.require("dividends")
    require_role(token, "ISSUER_ROLE", account, what="token")
    # Batches an earlier run left unsettled land (or are found never to) before the plan is
    # read from the chain.
    tx_sender(suite).settle_all(account.address, distributor.address)
    status = distribution_status(suite, dist_id)
    if status.expired:
        raise SectokenError(
            f"distribution {dist_id} has expired",
            hint=f"reclaim what is left: `ape run dividends reclaim {dist_id}`",
        )
    table = build_cap_table(
        suite.w3,
        token,
        start_block=suite.deployment.contracts["token"].block,
        record_date_id=status.record_date_id,
        verify=False,
    )
    holders = [h.wallet for h in table.holders]
    todo = unpaid_holders(suite, dist_id, holders)
    report = PushReport(considered=len(holders), already_paid=len(holders) - len(todo))
    for start in range(0, len(todo), batch_size):
        if max_batches is not None and report.transactions >= max_batches:
            break
        batch = todo[start : start + batch_size]
        receipt = send_tx(suite, distributor.push, dist_id, batch, sender=account)
        report.transactions += 1
        report.pushed_to += len(batch)
        report.gas_used += int(receipt.gas_used)
        report.tx_hashes.append(str(receipt.txn_hash))
        for holder, code in _push_skips(receipt.logs, distributor.address):
            report.skipped.append((holder, SKIP_REASONS.get(code, f"reason {code}")))
    return report


def reclaim_dividend(suite: Suite, account: Any, dist_id: int) -> Done:
    token = suite.require("token")
    distributor = suite.require("dividends")
    require_role(token, "ISSUER_ROLE", account, what="token")
    status = distribution_status(suite, dist_id)
    if not status.expired:
        raise SectokenError(
            f"distribution {dist_id} runs until {format_timestamp(status.expiry)}; reclaiming "
            "starts after expiry"
        )
    receipt = send_tx(suite, distributor.reclaim, dist_id, sender=account)
    return done_from(
        f"reclaimed {format_units(status.unclaimed, status.asset_decimals)} "
        f"{status.asset_symbol} from distribution {dist_id}",
        receipt,
    )


def withdraw_withheld(suite: Suite, account: Any, dist_id: int) -> Done:
    """Send the tax withheld so far to the distribution's tax wallet (anyone may trigger it)."""
    distributor = suite.require("dividends")
    status = distribution_status(suite, dist_id)
    due = status.withheld - status.withheld_withdrawn

    def check() -> None:
        if due == 0:
            raise SectokenError(f"distribution {dist_id} has no withheld tax waiting")

    receipt = send_tx(suite, distributor.withdrawWithheld, dist_id, sender=account, check=check)
    return done_from(
        f"sent {format_units(due, status.asset_decimals)} {status.asset_symbol} "
        f"withheld from distribution {dist_id} to {status.tax_wallet}",
        receipt,
    )


def check_can_claim(suite: Suite, holder: str, dist_id: int) -> int:
    """The gross amount ``holder`` can claim now, read from the distributor's views before
    anything is estimated; SectokenError when the claim would be refused (unknown or expired
    distribution, excluded, already claimed or pushed, nothing due)."""
    distributor = suite.require("dividends")
    count = int(distributor.distributionCount())
    if not 1 <= dist_id <= count:
        raise SectokenError(
            f"distribution {dist_id} does not exist ({count} so far)",
            hint="`ape run dividends status ID` shows a distribution; ids start at 1",
        )
    info = suite.client.value(distributor.address, _DISTRIBUTION, dist_id)
    suite.require_own("distribution", dist_id, info["token"])
    expiry = int(info["expiry"])
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    if now >= expiry:
        raise SectokenError(
            f"distribution {dist_id} expired at {format_timestamp(expiry)}; claims are closed",
            hint="what was not claimed goes back to the issuer (`dividends reclaim`)",
        )
    if bool(distributor.isExcluded(dist_id, holder)):
        raise SectokenError(f"{holder} is excluded from distribution {dist_id} (treasury)")
    if bool(distributor.isPaid(dist_id, holder)):
        raise SectokenError(
            f"{holder} has already been paid its share of distribution {dist_id} "
            "(claimed, or pushed by the issuer); nothing more is due",
            hint=f"see the totals: `ape run dividends status {dist_id}`",
        )
    due = int(distributor.entitlementOf(dist_id, holder))
    if due == 0:
        raise SectokenError(
            f"{holder} has nothing due in distribution {dist_id} (no tokens at its record date)",
            hint="claim with the wallet that held tokens at the record date (--account)",
        )
    return due


def claim_dividend(suite: Suite, account: Any, dist_id: int) -> Done:
    """A holder claims its share (what an investor's wallet would do)."""
    distributor = suite.require("dividends")
    holder = str(account.address)

    def check() -> None:
        check_can_claim(suite, holder, dist_id)

    receipt = send_tx(suite, distributor.claim, dist_id, sender=account, check=check)
    due = int(distributor.entitlementOf(dist_id, holder))
    status = distribution_status(suite, dist_id)
    return done_from(
        f"{account.address} claimed distribution {dist_id} "
        f"({format_units(due, status.asset_decimals)} {status.asset_symbol} before withholding)",
        receipt,
    )


def print_status(console: Console, status: DistributionStatus) -> None:
    def units(value: int) -> str:
        return f"{format_units(value, status.asset_decimals)} {status.asset_symbol}"

    grid = Table(title=f"Distribution {status.id}", show_header=False)
    grid.add_column("field")
    grid.add_column("value", justify="right")
    grid.add_row("asset", status.asset)
    grid.add_row("record date", str(status.record_date_id))
    grid.add_row("deposit", units(status.deposit))
    grid.add_row("paid to holders", units(status.paid))
    grid.add_row("withheld (tax)", units(status.withheld))
    grid.add_row("withheld sent to tax wallet", units(status.withheld_withdrawn))
    grid.add_row("unclaimed", units(status.unclaimed))
    grid.add_row("reclaimed", units(status.reclaimed))
    grid.add_row("payments (claims and pushes)", str(status.claims))
    grid.add_row(
        "expiry", f"{format_timestamp(status.expiry)}{' (expired)' if status.expired else ''}"
    )
    console.print(grid)
