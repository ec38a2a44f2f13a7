"""The sync survives what happens to real indexers: a crash or a kill mid-way (it resumes and
ends equal to an uninterrupted sync), a reorganisation (the orphaned blocks' events and derived
rows are replaced), and a long random run (the index equals the chain's views for every wallet).
Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import astuple
from pathlib import Path
from typing import Any

import pytest
from ape.exceptions import ApeException
from eth_utils import keccak, to_checksum_address
from index_support import chain_views, dump, index_views, record
from sqlalchemy import select

from sectoken.chain.client import ChainClient
from sectoken.chain.suite import Suite
from sectoken.index import schema
from sectoken.index.sync import EventIndex, Source, sync_index

HERE = Path(__file__).resolve().parent


class _Crash(Exception):
    """Injected into the sync after some batches."""


def _busy_chain(suite: Suite, deployer: Any, holders: list[Any], rounds: int = 4) -> None:
    """Several blocks of issuances, transfers, registry changes and freezes."""
    suite.registry.setInvestors(holders, [record(840 + i) for i in range(len(holders))],
                                sender=deployer)  # fmt: skip
    for r in range(rounds):
        for i, holder in enumerate(holders):
            suite.token.issue(holder, 100 + 10 * i + r, b"", sender=deployer)
        suite.token.transfer(holders[(r + 1) % len(holders)], 7, sender=holders[r % len(holders)])
        suite.token.setWalletFrozen(holders[r % len(holders)], True, sender=deployer)
        suite.registry.setInvestor(holders[-1], record(276 + r), sender=deployer)
        suite.token.setWalletFrozen(holders[r % len(holders)], False, sender=deployer)
    suite.token.setWalletFrozen(holders[0], True, sender=deployer)
    suite.token.setFrozenTokens(holders[1], 5, sender=deployer)


def test_a_crashed_sync_resumes_and_ends_equal(
    suite: Suite,
    client: ChainClient,
    sources: list[Source],
    db_url: Callable[[], str],
    open_db: Callable[[str], EventIndex],
    deployer: Any,
    accounts: Any,
) -> None:
    _busy_chain(suite, deployer, list(accounts[4:8]))
    whole = open_db(db_url())
    sync_index(whole, client, sources, confirmations=5, batch_blocks=3)

    broken = open_db(db_url())
    batches = 0

    def crash_after_four(_done: int, _target: int, _events: int) -> None:
        nonlocal batches
        batches += 1
        if batches == 4:
            raise _Crash

    with pytest.raises(_Crash):
        sync_index(broken, client, sources, confirmations=5, batch_blocks=3,
                   progress=crash_after_four)  # fmt: skip
    stopped_at = broken.last_block()
    assert stopped_at is not None and stopped_at < client.block_number()
    resumed = sync_index(broken, client, sources, confirmations=5, batch_blocks=3)
    assert resumed.start_block == stopped_at + 1
    assert dump(broken) == dump(whole)


def test_a_killed_sync_process_resumes_and_ends_equal(
    suite: Suite,
    client: ChainClient,
    sources: list[Source],
    db_url: Callable[[], str],
    open_db: Callable[[str], EventIndex],
    deployer: Any,
    accounts: Any,
    chain: Any,
) -> None:
    _busy_chain(suite, deployer, list(accounts[4:8]), rounds=3)
    url = db_url()
    node = str(chain.provider.http_uri)
    argv = [sys.executable, str(HERE / "sync_worker.py"), url, node,
            json.dumps([astuple(s) for s in sources])]  # fmt: skip
    worker = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert worker.stdout is not None
    committed = 0
    for line in worker.stdout:
        if line.startswith("committed"):
            committed += 1
            if committed == 6:
                worker.kill()  # SIGKILL: no cleanup, no rollback handler runs
                break
    worker.wait(timeout=30)
    assert worker.returncode != 0, "the worker finished before it was killed"
    killed = open_db(url)
    stopped_at = killed.last_block()
    assert stopped_at is not None and stopped_at < client.block_number()
    sync_index(killed, client, sources)
    whole = open_db(db_url())
    sync_index(whole, client, sources)
    assert dump(killed) == dump(whole)


def test_a_reorganisation_replaces_the_orphaned_blocks(
    suite: Suite,
    client: ChainClient,
    sources: list[Source],
    db_url: Callable[[], str],
    open_db: Callable[[str], EventIndex],
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    chain: Any,
) -> None:
    token, registry = suite.token, suite.registry
    registry.setInvestors([alice, bob, carol], [record(840)] * 3, sender=deployer)
    token.issue(alice, 1_000, b"", sender=deployer)
    fork_point = chain.snapshot()
    # the branch that will be orphaned: a transfer, a registry change, a freeze, a role
    token.transfer(bob, 300, sender=alice)
    registry.setInvestor(carol, record(276, frozen=True), sender=deployer)
    token.setWalletFrozen(alice, True, sender=deployer)
    token.grantRole(token.ISSUER_ROLE(), carol, sender=deployer)
    index = open_db(db_url())
    sync_index(index, client, sources, confirmations=20)
    assert index_views(index)[0][bob.address.lower()] == 300
    orphaned_head = client.block_number()

    chain.restore(fork_point)
    # the chain that wins: other transactions, in fewer blocks than the orphaned branch
    token.transfer(carol, 50, sender=alice)
    registry.setInvestor(bob, record(250), sender=deployer)
    assert client.block_number() < orphaned_head

    report = sync_index(index, client, sources, confirmations=20)
    assert report.reorg_from is not None and report.rolled_back_rows > 0
    fresh = open_db(db_url())
    sync_index(fresh, client, sources, confirmations=20)
    assert dump(index) == dump(fresh)
    wallets = [alice.address, bob.address, carol.address]
    balances, words = chain_views(suite, wallets)
    assert index_views(index) == ({w: b for w, b in balances.items() if b}, words)
    with index.engine.connect() as conn:
        frozen = conn.execute(select(schema.wallets.c.wallet)).scalars().all()
        grantees = conn.execute(select(schema.roles.c.account)).scalars().all()
    assert frozen == []  # the freeze was in the orphaned branch
    assert carol.address.lower() not in grantees


def _random_wallet(rng: random.Random) -> str:
    return to_checksum_address(keccak(rng.randbytes(8))[-20:])


@pytest.mark.parametrize("seed", [7, 2026])
def test_after_a_random_run_the_index_equals_the_chain(
    seed: int,
    suite: Suite,
    client: ChainClient,
    sources: list[Source],
    db_url: Callable[[], str],
    open_db: Callable[[str], EventIndex],
    deployer: Any,
    accounts: Any,
) -> None:
    """Seeded random issuances, transfers, forced transfers, redemptions, freezes and registry
    changes, synced incrementally at random points with random batch sizes and depths."""
    rng = random.Random(seed)
    token, registry = suite.token, suite.registry
    signers = list(accounts[4:9])
    others = [_random_wallet(rng) for _ in range(6)]
    wallets = [s.address for s in signers] + others
    registry.setInvestors(wallets, [record(rng.choice([840, 276, 250, 392])) for _ in wallets],
                          sender=deployer)  # fmt: skip
    index = open_db(db_url())
    refused = 0
    for _step in range(100):
        action = rng.choices(
            ["issue", "transfer", "forced", "redeem", "freeze", "partial", "record", "remove",
             "sync"],
            weights=[6, 8, 2, 1, 1, 1, 2, 1, 2],
        )[0]  # fmt: skip
        try:
            if action == "issue":
                token.issue(rng.choice(wallets), rng.randint(1, 500), b"", sender=deployer)
            elif action == "transfer":
                sender = rng.choice(signers)
                token.transfer(rng.choice(wallets), rng.randint(1, 200), sender=sender)
            elif action == "forced":
                source, target = rng.sample(wallets, 2)
                held = int(token.balanceOf(source))
                if held:
                    token.forcedTransfer(source, target, rng.randint(1, held), sender=deployer)
            elif action == "redeem":
                source = rng.choice(wallets)
                held = int(token.balanceOf(source))
                if held:
                    token.controllerRedeem(source, rng.randint(1, held), b"", b"audit",
                                           sender=deployer)  # fmt: skip
            elif action == "freeze":
                token.setWalletFrozen(rng.choice(wallets), rng.random() < 0.3, sender=deployer)
            elif action == "partial":
                token.setFrozenTokens(rng.choice(wallets), rng.randint(0, 100), sender=deployer)
            elif action == "record":
                registry.setInvestor(rng.choice(wallets), record(rng.choice([840, 124, 756]),
                                     frozen=rng.random() < 0.1), sender=deployer)  # fmt: skip
            elif action == "remove":
                registry.removeInvestor(rng.choice(wallets), sender=deployer)
            else:
                sync_index(index, client, sources, confirmations=rng.randint(0, 8),
                           batch_blocks=rng.randint(1, 40))  # fmt: skip
        except ApeException:
            refused += 1  # a transaction the rules refuse (the chain is unchanged by it)
    sync_index(index, client, sources, confirmations=rng.randint(0, 8))
    balances, words = chain_views(suite, wallets)
    held, records = index_views(index)
    assert held == {w: b for w, b in balances.items() if b}
    assert records == {w: r for w, r in words.items() if r}
    assert sum(held.values()) == int(token.totalSupply())
    states = {w.lower(): token.walletState(w) for w in wallets}
    with index.engine.connect() as conn:
        indexed = {str(w): (bool(f), int(a)) for w, f, a in conn.execute(
            select(schema.wallets.c.wallet, schema.wallets.c.frozen,
                   schema.wallets.c.frozen_amount))}  # fmt: skip
    expected = {
        w: (bool(s.frozen), int(s.frozenAmount))
        for w, s in states.items()
        if s.frozen or s.frozenAmount
    }
    assert indexed == expected
    with index.engine.connect() as conn:
        transfers = conn.execute(
            select(schema.events.c.id).where(schema.events.c.event == "Transfer")
        ).all()
    assert len(transfers) >= 15 and refused < 100  # the run did move tokens
