"""Reading the investor registry fast, and writing to it in batches.

Reads go straight to the node with web3 (no per-call framework overhead):

- ``read_events`` replays ``InvestorAdded`` / ``InvestorUpdated`` / ``InvestorRemoved`` from paged
  ``eth_getLogs``: the only way to list every wallet (the contract keeps no enumerable set), and
  cheap on any node;
- ``records_of`` asks ``recordsOfMany`` in chunks: authoritative storage values.

``snapshot`` does both at one block, so a plan is computed against one consistent state.
Writes go through a ``RegistryWriter`` (``ApeRegistryWriter`` sends with an Ape account).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.types import BlockIdentifier

from sectoken.abi import event, function
from sectoken.chain.client import ChainClient
from sectoken.chain.logs import DEFAULT_PAGE_SIZE, iter_logs
from sectoken.errors import InvalidArgument

__all__ = [
    "INVESTOR_ADDED",
    "INVESTOR_REMOVED",
    "INVESTOR_UPDATED",
    "ApeRegistryWriter",
    "RegistryReader",
    "RegistrySnapshot",
    "RegistryWriter",
    "TxResult",
]

_ADDED = event("InvestorRegistry", "InvestorAdded")
_UPDATED = event("InvestorRegistry", "InvestorUpdated")
_REMOVED = event("InvestorRegistry", "InvestorRemoved")
INVESTOR_ADDED = _ADDED.topic
INVESTOR_UPDATED = _UPDATED.topic
INVESTOR_REMOVED = _REMOVED.topic
_RECORDS_OF_MANY = function("InvestorRegistry", "recordsOfMany")
DEFAULT_READ_CHUNK = 1_000


@dataclass(slots=True)
class RegistrySnapshot:
    """Registry state at ``block``: wallet (checksummed) to packed word, non-zero words only."""

    block: int
    records: dict[str, int] = field(default_factory=dict)
    from_events: bool = True
    event_count: int = 0
    mismatches: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TxResult:
    """What a sent transaction cost."""

    tx_hash: str
    gas_used: int
    block: int


class RegistryWriter(Protocol):
    """Sends registry batches; each call is one transaction that either lands or raises."""

    def set_investors(self, wallets: Sequence[str], records: Sequence[int]) -> TxResult: ...

    def remove_investors(self, wallets: Sequence[str]) -> TxResult: ...


class RegistryReader:
    """Fast reads of one registry deployed at ``address`` (first block ``start_block``)."""

    def __init__(self, w3: Web3, address: str, *, start_block: int = 0) -> None:
        self.w3 = w3
        self.address = to_checksum_address(address)
        self.start_block = start_block

    def latest_block(self) -> int:
        return int(self.w3.eth.block_number)

    def read_events(
        self,
        *,
        to_block: int,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_page: Callable[[int, int], None] | None = None,
    ) -> tuple[dict[str, int], int]:
        """Replay the registry's events up to ``to_block``: (wallet to word, number of events)."""
        state: dict[str, int] = {}
        count = 0
        for log in iter_logs(
            self.w3,
            address=self.address,
            topics=[[INVESTOR_ADDED, INVESTOR_UPDATED, INVESTOR_REMOVED]],
            from_block=self.start_block,
            to_block=to_block,
            page_size=page_size,
            on_page=on_page,
        ):
            count += 1
            topic0 = log.topics[0]
            if topic0 == _ADDED.topic_bytes:
                added = _ADDED.decode(log.topics, log.data)
                state[to_checksum_address(added["wallet"])] = added["record"]
            elif topic0 == _UPDATED.topic_bytes:
                updated = _UPDATED.decode(log.topics, log.data)
                state[to_checksum_address(updated["wallet"])] = updated["newRecord"]
            else:
                removed = _REMOVED.decode(log.topics, log.data)
                state.pop(to_checksum_address(removed["wallet"]), None)
        return state, count

    def records_of(
        self,
        wallets: Iterable[str],
        *,
        block: BlockIdentifier = "latest",
        chunk: int = DEFAULT_READ_CHUNK,
    ) -> dict[str, int]:
        """Stored words of ``wallets`` (0 for no record), by ``recordsOfMany`` in chunks."""
        ordered = [to_checksum_address(w) for w in wallets]
        result: dict[str, int] = {}
        client = ChainClient(self.w3)
        for start in range(0, len(ordered), chunk):
            part = ordered[start : start + chunk]
            words = client.value(self.address, _RECORDS_OF_MANY, part, block=_block(block))
            result.update(zip(part, words, strict=True))
        return result

    def snapshot(
        self,
        wallets: Iterable[str] = (),
        *,
        use_events: bool = True,
        page_size: int = DEFAULT_PAGE_SIZE,
        on_page: Callable[[int, int], None] | None = None,
    ) -> RegistrySnapshot:
        """State at the latest block: every wallet from events (when ``use_events``) plus
        ``wallets``, with values read from storage; where events and storage disagree, storage
        wins and the wallet is listed in ``mismatches``."""
        block = self.latest_block()
        snap = RegistrySnapshot(block=block, from_events=use_events)
        from_events: dict[str, int] = {}
        if use_events:
            from_events, snap.event_count = self.read_events(
                to_block=block, page_size=page_size, on_page=on_page
            )
        wanted = dict.fromkeys([*from_events, *(to_checksum_address(w) for w in wallets)])
        stored = self.records_of(wanted, block=block)
        for wallet, word in stored.items():
            if use_events and from_events.get(wallet, 0) != word:
                snap.mismatches.append(wallet)
            if word:
                snap.records[wallet] = word
        return snap


class ApeRegistryWriter:
    """Sends batches with an Ape contract instance and account (``sender=account``)."""

    def __init__(self, contract: Any, account: Any, **tx_kwargs: Any) -> None:
        self.contract = contract
        self.account = account
        self.tx_kwargs = tx_kwargs

    def set_investors(self, wallets: Sequence[str], records: Sequence[int]) -> TxResult:
        receipt = self.contract.setInvestors(
            list(wallets), list(records), sender=self.account, **self.tx_kwargs
        )
        return _tx_result(receipt)

    def remove_investors(self, wallets: Sequence[str]) -> TxResult:
        receipt = self.contract.removeInvestors(
            list(wallets), sender=self.account, **self.tx_kwargs
        )
        return _tx_result(receipt)


def _tx_result(receipt: Any) -> TxResult:
    return TxResult(
        tx_hash=str(receipt.txn_hash),
        gas_used=int(receipt.gas_used),
        block=int(receipt.block_number),
    )


def _block(block: BlockIdentifier) -> int | str:
    """A block number or tag for JSON-RPC (``"latest"``, ``"0x..."``, an int)."""
    if isinstance(block, int | str):
        return block
    raise InvalidArgument(f"a block number or tag is needed here, not {block!r}")
