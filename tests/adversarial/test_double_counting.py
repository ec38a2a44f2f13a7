"""Claim-transfer-claim and vote-transfer-vote, in any order, with proxies and recoveries.

The unit tests try the named sequences (claim, transfer, claim again; vote, transfer, vote again).
Here Hypothesis interleaves transfers, claims, claims for others, pushes, votes, proxy
appointments, proxy votes and wallet recoveries among five wallets after a record date, and
checks that nothing was counted twice:

- record-date balances never change, whatever moves afterwards;
- what the distributor paid out equals the sum of the record-date shares of the wallets marked
  paid, never exceeds the deposit, and is exactly what left the distributor;
- every tally is the sum of the record-date weights of the wallets marked voted, within the
  eligible supply.

Cap table at the record date: alice 600, bob 300, carol 100; dave and treasury hold nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..contracts.corporate_fixtures import DAY, ballot_params, erc20_params, pass_record_date
from .abi_calls import Raw

DEPOSIT = 1_000_000_000
WALLETS = 5  # alice, bob, carol, dave, treasury

wallet = st.integers(0, WALLETS - 1)
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("transfer"), wallet, wallet, st.integers(1, 700)),
        st.tuples(st.just("claim"), wallet),
        st.tuples(st.just("claimFor"), wallet, wallet),
        st.tuples(st.just("push"), st.lists(wallet, max_size=4)),
        st.tuples(st.just("vote"), wallet, st.integers(0, 2)),
        st.tuples(st.just("appointProxy"), wallet, wallet),
        st.tuples(st.just("voteFor"), wallet, wallet, st.integers(0, 2)),
        st.tuples(st.just("proxyVote"), wallet, wallet, st.integers(0, 2)),
        st.tuples(st.just("recover"), wallet, wallet),
    ),
    min_size=5,
    max_size=30,
)


class World:
    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)


@pytest.fixture
def world(
    chain: Any,
    holders: Any,
    distributor: Any,
    voting: Any,
    stablecoin: Any,
    issuer: Any,
    controller: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    dave: Any,
    treasury: Any,
) -> World:
    rid = pass_record_date(chain, holders, issuer)
    expiry = chain.pending_timestamp + 30 * DAY
    stablecoin.approve(distributor, DEPOSIT, sender=issuer)
    distributor.createDistribution(
        erc20_params(holders, rid, stablecoin, DEPOSIT, expiry), sender=issuer
    )
    start = chain.pending_timestamp
    voting.createBallot(ballot_params(holders, rid, start, start + 7 * DAY), sender=issuer)
    return World(
        token=holders,
        distributor=distributor,
        voting=voting,
        coin=stablecoin,
        issuer=issuer,
        controller=controller,
        rid=rid,
        wallets=[alice, bob, carol, dave, treasury],
    )


def run(raw: Raw, w: World, op: tuple[Any, ...]) -> None:
    kind, *args = op
    people = w.wallets
    if kind == "transfer":
        src, dst, amount = args
        raw.send(w.token, "transfer", [people[dst], amount], people[src])
    elif kind == "claim":
        raw.send(w.distributor, "claim", [1], people[args[0]])
    elif kind == "claimFor":
        holder, caller = args
        raw.send(w.distributor, "claimFor", [1, people[holder]], people[caller])
    elif kind == "push":
        raw.send(w.distributor, "push", [1, [people[i] for i in args[0]]], w.issuer)
    elif kind == "vote":
        raw.send(w.voting, "vote", [1, args[1]], people[args[0]])
    elif kind == "appointProxy":
        raw.send(w.voting, "appointProxy", [1, people[args[1]]], people[args[0]])
    elif kind == "voteFor":
        voter, proxy, option = args
        raw.send(w.voting, "voteFor", [1, people[voter], option], people[proxy])
    elif kind == "proxyVote":  # appoint, then the proxy votes
        voter, proxy, option = args
        raw.send(w.voting, "appointProxy", [1, people[proxy]], people[voter])
        raw.send(w.voting, "voteFor", [1, people[voter], option], people[proxy])
    elif kind == "recover":
        lost, new = args
        raw.send(w.token, "recoverWallet", [people[lost], people[new], b"order"], w.controller)
    else:  # pragma: no cover
        raise AssertionError(kind)


@given(ops=OPS)
def test_claim_transfer_claim_and_vote_transfer_vote_in_any_order(
    chain: Any, world: World, ops: list[tuple[Any, ...]]
) -> None:
    w, raw = world, Raw(chain)
    token, distributor, voting = w.token, w.distributor, w.voting
    at_record = [token.balanceOfAt(p, w.rid) for p in w.wallets]
    assert at_record == [600, 300, 100, 0, 0]
    snapshot = chain.snapshot()
    try:
        for op in ops:
            run(raw, w, op)
        # record-date balances are history
        assert [token.balanceOfAt(p, w.rid) for p in w.wallets] == at_record
        # dividends: paid flags, payouts and the distributor's own balance agree
        paid = [distributor.isPaid(1, p) for p in w.wallets]
        shares = [DEPOSIT * b // 1000 for b in at_record]
        released = distributor.distribution(1).released
        assert released == sum(s for s, p in zip(shares, paid, strict=True) if p) <= DEPOSIT
        assert sum(w.coin.balanceOf(p) for p in w.wallets) == released
        assert w.coin.balanceOf(distributor) == DEPOSIT - released
        # votes: every tally is made of the record-date weights of the wallets marked voted
        voted = [voting.hasVoted(1, p) for p in w.wallets]
        turnout = sum(b for b, v in zip(at_record, voted, strict=True) if v)
        assert sum(voting.tallies(1)) == voting.turnout(1) == turnout <= 1000
    finally:
        chain.restore(snapshot)
