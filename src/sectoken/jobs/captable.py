"""The cap table, rebuilt from the token's Transfer events and checked against its balances.

``build_cap_table`` replays every ``Transfer`` (paged ``eth_getLogs``, so it works on public nodes
that cap a query) from the token's deployment block to the chosen block, then reads ``balanceOf``
(or ``balanceOfAt`` for a record date) of every wallet the events mention, in JSON-RPC batches, and
reports any difference. At a record date, the chosen block is the last one before the date, which
is exactly what the token's ``balanceOfAt`` means. Countries come from the investor registry.

Outputs: a rich table, CSV, JSON and a PNG chart (matplotlib, Agg backend: no display needed).
"""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from rich.console import Console
from rich.table import Table
from web3 import Web3

from sectoken.abi import event, function
from sectoken.chain.client import ChainClient
from sectoken.chain.logs import DEFAULT_PAGE_SIZE, iter_logs
from sectoken.chain.registry import RegistryReader
from sectoken.chain.suite import Suite
from sectoken.errors import SectokenError
from sectoken.model.amounts import format_units
from sectoken.model.countries import country_by_numeric, format_country
from sectoken.model.dates import format_timestamp
from sectoken.model.records import country_of

__all__ = [
    "TRANSFER",
    "CapTable",
    "Holder",
    "build_cap_table",
    "last_block_before",
    "print_cap_table",
]

_TRANSFER = event("SecurityToken", "Transfer")
TRANSFER = _TRANSFER.topic
_BALANCE_OF = function("SecurityToken", "balanceOf")
_BALANCE_OF_AT = function("SecurityToken", "balanceOfAt")
_ZERO = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True, slots=True)
class Holder:
    wallet: str
    balance: int
    country: int
    share: Decimal  # fraction of the supply, 0..1


@dataclass(slots=True)
class CapTable:
    token: str
    symbol: str
    decimals: int
    block: int
    timestamp: int
    record_date_id: int | None
    total_supply: int
    holders: list[Holder] = field(default_factory=list)
    transfers: int = 0
    checked: bool = False
    mismatches: list[tuple[str, int, int]] = field(default_factory=list)
    supply_matches: bool = True
    seconds: float = 0.0

    @property
    def matches_chain(self) -> bool:
        return self.checked and not self.mismatches and self.supply_matches

    def by_country(self) -> list[tuple[int, int, int, Decimal]]:
        """(country, holders, balance, share), largest balance first."""
        totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for holder in self.holders:
            totals[holder.country][0] += 1
            totals[holder.country][1] += holder.balance
        rows = [
            (country, count, balance, _share(balance, self.total_supply))
            for country, (count, balance) in totals.items()
        ]
        return sorted(rows, key=lambda r: (-r[2], r[0]))

    def as_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "symbol": self.symbol,
            "decimals": self.decimals,
            "block": self.block,
            "timestamp": self.timestamp,
            "record_date_id": self.record_date_id,
            "total_supply": str(self.total_supply),
            "holder_count": len(self.holders),
            "transfers_replayed": self.transfers,
            "checked_against_chain": self.checked,
            "matches_chain": self.matches_chain,
            "mismatches": [
                {"wallet": w, "from_events": str(a), "on_chain": str(b)}
                for w, a, b in self.mismatches
            ],
            "holders": [
                {
                    "wallet": h.wallet,
                    "balance": str(h.balance),
                    "balance_tokens": format_units(h.balance, self.decimals).replace(",", ""),
                    "share_percent": f"{h.share * 100:.6f}",
                    "country": format_country(h.country) if h.country else "",
                }
                for h in self.holders
            ],
            "countries": [
                {
                    "country": format_country(c) if c else "",
                    "holders": n,
                    "balance": str(b),
                    "share_percent": f"{s * 100:.6f}",
                }
                for c, n, b, s in self.by_country()
            ],
        }

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")

    def write_csv(self, path: str | Path) -> None:
        with Path(path).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["wallet", "balance", "share_percent", "country"])
            for h in self.holders:
                writer.writerow(
                    [
                        h.wallet,
                        format_units(h.balance, self.decimals).replace(",", ""),
                        f"{h.share * 100:.6f}",
                        format_country(h.country) if h.country else "",
                    ]
                )

    def write_chart(self, path: str | Path, *, top: int = 10) -> None:
        """PNG: ownership of the largest holders (rest grouped) and ownership by country."""
        try:
            import matplotlib
        except ImportError as exc:
            raise SectokenError(
                "the cap-table chart needs matplotlib, which is not installed",
                hint="install the plot extra: pip install 'sectoken[plot]'",
            ) from exc
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
        shown = self.holders[:top]
        labels = [f"{h.wallet[:6]}…{h.wallet[-4:]}" for h in shown]
        values = [float(h.share * 100) for h in shown]
        rest = self.holders[top:]
        if rest:
            labels.append(f"{len(rest)} others")
            values.append(float(sum((h.share for h in rest), Decimal(0)) * 100))
        left.barh(labels[::-1], values[::-1], color="#3a6ea5")
        left.set_xlabel("% of supply")
        left.set_title(f"Largest holders of {self.symbol}")
        countries = self.by_country()
        c_labels = [format_country(c) if c else "no record" for c, *_ in countries[:8]]
        c_values = [float(s * 100) for *_, s in countries[:8]]
        if len(countries) > 8:
            c_labels.append(f"{len(countries) - 8} others")
            c_values.append(float(sum((s for *_, s in countries[8:]), Decimal(0)) * 100))
        bars = right.barh(c_labels[::-1], c_values[::-1], color="#7a9e3a")
        right.bar_label(bars, labels=[f"{v:.1f}%" for v in c_values[::-1]], padding=3)
        right.set_xlabel("% of supply")
        right.set_xlim(0, max(c_values, default=1.0) * 1.18)
        right.set_title("Ownership by country")
        when = (
            f"record date {self.record_date_id}" if self.record_date_id else f"block {self.block}"
        )
        fig.suptitle(
            f"{self.symbol} cap table at {when}: {len(self.holders)} holders, "
            f"supply {format_units(self.total_supply, self.decimals)}"
        )
        fig.tight_layout()
        fig.savefig(Path(path), dpi=110)
        plt.close(fig)


def _share(balance: int, supply: int) -> Decimal:
    return Decimal(balance) / Decimal(supply) if supply else Decimal(0)


def last_block_before(w3: Web3, timestamp: int, *, high: int | None = None) -> int:
    """The highest block whose timestamp is strictly below ``timestamp`` (binary search)."""
    hi = int(w3.eth.block_number) if high is None else high
    if int(w3.eth.get_block(hi)["timestamp"]) < timestamp:
        return hi
    lo = 0
    if int(w3.eth.get_block(0)["timestamp"]) >= timestamp:
        raise SectokenError(f"no block before {format_timestamp(timestamp)}")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if int(w3.eth.get_block(mid)["timestamp"]) < timestamp:
            lo = mid
        else:
            hi = mid
    return lo


def suite_cap_table(
    suite: Suite,
    *,
    record_date_id: int | None = None,
    block: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    verify: bool = True,
) -> CapTable:
    """``build_cap_table`` for a deployed suite: its token from its deployment block, countries
    from its registry."""
    return build_cap_table(
        suite.w3,
        suite.require("token"),
        start_block=suite.deployment.contracts["token"].block,
        registry=suite.reader(),
        record_date_id=record_date_id,
        block=block,
        page_size=page_size,
        verify=verify,
    )


def build_cap_table(
    w3: Web3,
    token: Any,
    *,
    start_block: int,
    registry: RegistryReader | None = None,
    record_date_id: int | None = None,
    block: int | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    verify: bool = True,
    on_page: Callable[[int, int], None] | None = None,
) -> CapTable:
    """Replay Transfer events of ``token`` (an Ape contract) and check them against the chain.

    With ``record_date_id``, balances are those at that record date (it must have passed).
    """
    started = time.perf_counter()
    address = to_checksum_address(token.address)
    if record_date_id is not None:
        latest = int(token.latestRecordDateId())
        if not 1 <= record_date_id <= latest:
            raise SectokenError(
                f"record date {record_date_id} does not exist (the token has {latest})",
                hint="list them with `ape run captable --record-dates`",
            )
        when = int(token.recordDate(record_date_id))
        now = int(w3.eth.get_block("latest")["timestamp"])
        if now < when:
            raise SectokenError(
                f"record date {record_date_id} ({format_timestamp(when)}) has not passed yet "
                f"(chain time {format_timestamp(now)})",
                hint="balances at a record date exist once it has passed",
            )
        target = last_block_before(w3, when)
    else:
        target = int(w3.eth.block_number) if block is None else block
    balances: dict[str, int] = defaultdict(int)
    transfers = 0
    for log in iter_logs(
        w3,
        address=address,
        topics=[TRANSFER],
        from_block=start_block,
        to_block=target,
        page_size=page_size,
        on_page=on_page,
    ):
        moved = _TRANSFER.decode(log.topics, log.data)
        sender, receiver, value = moved["from"], moved["to"], moved["value"]
        if sender != _ZERO:
            balances[sender] -= value
        if receiver != _ZERO:
            balances[receiver] += value
        transfers += 1
    wallets = [to_checksum_address(w) for w in balances]
    by_wallet = {to_checksum_address(w): v for w, v in balances.items()}
    info = w3.eth.get_block(target)
    if record_date_id is not None:
        supply = int(token.totalSupplyAt(record_date_id))
    else:
        supply = int(token.totalSupply(block_identifier=target))
    table = CapTable(
        token=address,
        symbol=str(token.symbol()),
        decimals=int(token.decimals()),
        block=target,
        timestamp=int(info["timestamp"]),
        record_date_id=record_date_id,
        total_supply=supply,
        transfers=transfers,
    )
    if verify:
        table.checked = True
        client = ChainClient(w3)
        if record_date_id is None:
            on_chain_balances = client.value_each(
                address, _BALANCE_OF, [(w,) for w in wallets], block=target
            )
        else:
            on_chain_balances = client.value_each(
                address, _BALANCE_OF_AT, [(w, record_date_id) for w in wallets]
            )
        for wallet, on_chain in zip(wallets, on_chain_balances, strict=True):
            if on_chain != by_wallet[wallet]:
                table.mismatches.append((wallet, by_wallet[wallet], on_chain))
        table.supply_matches = sum(by_wallet.values()) == supply
    holding = [w for w in wallets if by_wallet[w] > 0]
    countries: dict[str, int] = {}
    if registry is not None and holding:
        countries = _countries(registry, holding, target)
    table.holders = sorted(
        (
            Holder(
                wallet=w,
                balance=by_wallet[w],
                country=countries.get(w, 0),
                share=_share(by_wallet[w], supply),
            )
            for w in holding
        ),
        key=lambda h: (-h.balance, h.wallet.lower()),
    )
    table.seconds = time.perf_counter() - started
    return table


def _countries(registry: RegistryReader, wallets: Sequence[str], block: int) -> dict[str, int]:
    try:
        words = registry.records_of(wallets, block=block)
    except Exception:
        words = registry.records_of(wallets)  # node without historical state: today's records
    return {w: country_of(word) for w, word in words.items()}


def print_cap_table(console: Console, table: CapTable, *, limit: int = 25) -> None:
    when = (
        f"record date {table.record_date_id} (block {table.block})"
        if table.record_date_id
        else f"block {table.block}"
    )
    grid = Table(
        title=f"{table.symbol} cap table at {when}: {len(table.holders)} holders, "
        f"supply {format_units(table.total_supply, table.decimals)}"
    )
    grid.add_column("#", justify="right")
    grid.add_column("wallet", no_wrap=True, min_width=42)
    grid.add_column("balance", justify="right", no_wrap=True)
    grid.add_column("%", justify="right", no_wrap=True)
    # the full name, wrapped when the terminal is narrow (never cut)
    grid.add_column("country", overflow="fold")
    for index, holder in enumerate(table.holders[:limit], start=1):
        country = country_by_numeric(holder.country)
        grid.add_row(
            str(index),
            holder.wallet,
            format_units(holder.balance, table.decimals),
            f"{holder.share * 100:.2f}",
            f"{country.alpha2} {country.name}" if country else "-",
        )
    if len(table.holders) > limit:
        rest = table.holders[limit:]
        rest_balance = sum(h.balance for h in rest)
        grid.add_row(
            "",
            f"… {len(rest)} more",
            format_units(rest_balance, table.decimals),
            f"{_share(rest_balance, table.total_supply) * 100:.2f}",
            "",
        )
    console.print(grid)
    by_country = Table(title="By country")
    by_country.add_column("country")
    by_country.add_column("holders", justify="right")
    by_country.add_column("balance", justify="right")
    by_country.add_column("%", justify="right")
    for code, count, balance, share in table.by_country():
        country = country_by_numeric(code)
        by_country.add_row(
            f"{country.alpha2} {country.name}" if country else "no record",
            str(count),
            format_units(balance, table.decimals),
            f"{share * 100:.2f}",
        )
    console.print(by_country)
    if not table.checked:
        console.print("[yellow]Not checked against balances on chain (--no-verify).[/yellow]")
    elif table.matches_chain:
        console.print(
            f"[green]Checked: {table.transfers} transfers replayed; every balance and the "
            f"total supply match the chain ({table.seconds:.2f} s).[/green]"
        )
    else:
        console.print(
            f"[bold red]Mismatch: {len(table.mismatches)} wallet(s) differ from the chain"
            f"{'' if table.supply_matches else ', and the total supply differs'}.[/bold red]"
        )
        for wallet, ours, theirs in table.mismatches[:10]:
            console.print(f"  {wallet}: events say {ours}, chain says {theirs}")
