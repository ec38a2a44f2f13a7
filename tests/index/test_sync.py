"""The index's sync on a deployed suite: events stored, derived tables equal the chain's views,
cap table from SQL; on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from index_support import chain_views, dump, index_views, record
from sqlalchemy import func, select

from sectoken.chain.client import ChainClient
from sectoken.chain.suite import Suite
from sectoken.errors import SectokenError
from sectoken.index import schema
from sectoken.index.queries import cap_table
from sectoken.index.sync import EventIndex, Source, sync_index


def _activity(suite: Suite, deployer: Any, alice: Any, bob: Any, carol: Any) -> None:
    registry, token = suite.registry, suite.token
    registry.setInvestors(
        [alice, bob, carol], [record(840), record(276), record(250)], sender=deployer
    )
    token.issue(alice, 1_000, b"", sender=deployer)
    token.issue(bob, 500, b"", sender=deployer)
    token.transfer(carol, 200, sender=alice)
    token.transfer(alice, 500, sender=bob)  # bob leaves the cap table


def test_sync_builds_the_cap_table_and_registry(
    suite: Suite,
    client: ChainClient,
    sources: list[Source],
    db_url: Callable[[], str],
    open_db: Callable[[str], EventIndex],
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
) -> None:
    _activity(suite, deployer, alice, bob, carol)
    index = open_db(db_url())
    report = sync_index(index, client, sources, confirmations=0)
    assert report.events > 0
    assert index.last_block() == client.block_number()

    table = cap_table(index)
    assert [(w, b) for w, b, _c in table.holders] == [
        (alice.address.lower(), 1_300),
        (carol.address.lower(), 200),
    ]
    assert {w: c for w, _b, c in table.holders} == {
        alice.address.lower(): 840,
        carol.address.lower(): 250,
    }
    assert table.total_supply == int(suite.token.totalSupply())

    wallets = [a.address for a in (alice, bob, carol)]
    chain_balances, chain_words = chain_views(suite, wallets)
    held, words = index_views(index)
    assert held == {w: b for w, b in chain_balances.items() if b}
    assert words == chain_words

    with index.engine.connect() as conn:
        names = dict(
            conn.execute(
                select(schema.events.c.event, func.count()).group_by(schema.events.c.event)
            ).all()
        )
    assert names["Transfer"] == 4
    assert names["InvestorAdded"] == 3
    assert names["DocumentUpdated"] == 1  # the spec's prospectus


def test_a_second_sync_changes_nothing(
    suite: Suite,
    client: ChainClient,
    sources: list[Source],
    db_url: Callable[[], str],
    open_db: Callable[[str], EventIndex],
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
) -> None:
    _activity(suite, deployer, alice, bob, carol)
    index = open_db(db_url())
    sync_index(index, client, sources, confirmations=3)
    before = dump(index)
    again = sync_index(index, client, sources, confirmations=3)
    assert again.events == 0 and again.reorg_from is None
    assert dump(index) == before


def test_the_cap_table_at_an_earlier_block(
    suite: Suite,
    client: ChainClient,
    sources: list[Source],
    db_url: Callable[[], str],
    open_db: Callable[[str], EventIndex],
    deployer: Any,
    alice: Any,
    bob: Any,
) -> None:
    suite.registry.setInvestors([alice, bob], [record(840), record(276)], sender=deployer)
    suite.token.issue(alice, 1_000, b"", sender=deployer)
    before_transfer = client.block_number()
    suite.token.transfer(bob, 400, sender=alice)
    index = open_db(db_url())
    sync_index(index, client, sources, confirmations=0)
    then = cap_table(index, block=before_transfer)
    assert [(w, b) for w, b, _ in then.holders] == [(alice.address.lower(), 1_000)]
    now = cap_table(index)
    assert [(w, b) for w, b, _ in now.holders] == [
        (alice.address.lower(), 600),
        (bob.address.lower(), 400),
    ]


def test_a_block_written_twice_is_refused_by_the_unique_key(
    suite: Suite,
    client: ChainClient,
    sources: list[Source],
    db_url: Callable[[], str],
    open_db: Callable[[str], EventIndex],
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
) -> None:
    """Two syncs racing on one database: the second to write a block's logs is refused (as
    if it had read the last block before the first committed), and nothing it did stays."""
    _activity(suite, deployer, alice, bob, carol)
    index = open_db(db_url())
    sync_index(index, client, sources, confirmations=0)
    before = dump(index)
    index.remember(last_block=sources[0].start_block)  # the other sync's stale view
    with pytest.raises(SectokenError, match="another sync"):
        sync_index(index, client, sources, confirmations=0)
    after = dump(index)
    assert after["index_events"] == before["index_events"]
    assert after["index_balances"] == before["index_balances"]
