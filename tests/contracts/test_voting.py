"""ShareholderVoting: ballot creation, record-date weights, one vote per holder, windows,
exclusions, quorum and outcome, proxies and wallet recovery.

Cap table at the record date (see corporate_fixtures): alice 600, bob 300, carol 100.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest

from .corporate_fixtures import *  # noqa: F403
from .corporate_fixtures import DAY, ballot_params, pass_record_date, schedule_record_date

VOTE_GAS_TARGET = 80_000
FOR, AGAINST, ABSTAIN = 0, 1, 2


class Env:
    """One record date passed; helpers to create ballots on it."""

    def __init__(self, chain: Any, token: Any, voting: Any, issuer: Any) -> None:
        self.chain = chain
        self.token = token
        self.voting = voting
        self.issuer = issuer
        self.rid = pass_record_date(chain, token, issuer)

    def ballot(self, *, start_in: int = 0, days: int = 7, **kwargs: Any) -> int:
        start = self.chain.pending_timestamp + start_in
        self.voting.createBallot(
            ballot_params(self.token, self.rid, start, start + days * DAY, **kwargs),
            sender=self.issuer,
        )
        return self.voting.ballotCount()

    def close(self, days: int = 8) -> None:
        self.chain.mine(timestamp=self.chain.pending_timestamp + days * DAY)


@pytest.fixture
def env(chain: Any, holders: Any, voting: Any, issuer: Any) -> Env:
    return Env(chain, holders, voting, issuer)


# --------------------------------------------------------------------------------------------
# creation
# --------------------------------------------------------------------------------------------


def test_create_emits_everything_and_stores_terms(env: Env, voting: Any, treasury: Any) -> None:
    start = env.chain.pending_timestamp
    params = ballot_params(
        env.token,
        env.rid,
        start,
        start + DAY,
        quorum_bps=5000,
        threshold_bps=6667,
        excluded=[treasury],
    )
    receipt = voting.createBallot(params, sender=env.issuer)
    [event] = receipt.decode_logs(voting.BallotCreated)
    assert (event.id, event.recordDateId, event.eligibleSupply) == (1, env.rid, 1000)
    assert event.token == env.token.address
    p_token, title, uri, doc_hash, options, rid, p_start, p_end, quorum, threshold, excluded = (
        event.params
    )
    assert p_token.lower() == env.token.address.lower()
    assert (title, uri, doc_hash) == (
        "Approve the 2026 accounts",
        "ipfs://bafy-agm-2026",
        b"\x11" * 32,
    )
    assert list(options) == ["For", "Against", "Abstain"]
    assert (rid, p_start, p_end, quorum, threshold) == (env.rid, start, start + DAY, 5000, 6667)
    assert [a.lower() for a in excluded] == [treasury.address.lower()]
    info = voting.ballot(1)
    assert info.token == env.token.address
    assert (info.recordDateId, info.start, info.end, info.optionCount) == (
        env.rid,
        start,
        start + DAY,
        3,
    )
    assert (info.quorumBps, info.thresholdBps, info.eligibleSupply) == (5000, 6667, 1000)
    assert info.documentHash == b"\x11" * 32
    assert voting.tallies(1) == [0, 0, 0]
    assert voting.turnout(1) == 0
    assert voting.isExcluded(1, treasury) and voting.hasVoted(1, treasury)


def test_create_requires_issuer(env: Env, voting: Any, alice: Any) -> None:
    start = env.chain.pending_timestamp
    with ape.reverts(voting.NotIssuer, account=alice.address):
        voting.createBallot(ballot_params(env.token, env.rid, start, start + DAY), sender=alice)


def test_create_requires_record_date_passed(
    chain: Any, holders: Any, voting: Any, issuer: Any
) -> None:
    rid, _ = schedule_record_date(chain, holders, issuer, delay=3600)
    start = chain.pending_timestamp
    with ape.reverts(voting.RecordDateNotPassed, recordDateId=rid):
        voting.createBallot(ballot_params(holders, rid, start, start + DAY), sender=issuer)
    with ape.reverts(voting.RecordDateNotPassed, recordDateId=99):
        voting.createBallot(ballot_params(holders, 99, start, start + DAY), sender=issuer)


@pytest.mark.parametrize("count", [0, 1, 17])
def test_option_count_is_bounded(env: Env, voting: Any, count: int) -> None:
    start = env.chain.pending_timestamp
    with ape.reverts(voting.InvalidOptionCount, count=count):
        voting.createBallot(
            ballot_params(
                env.token, env.rid, start, start + DAY, options=[f"o{i}" for i in range(count)]
            ),
            sender=env.issuer,
        )


def test_sixteen_options_allowed(env: Env, voting: Any, alice: Any) -> None:
    bid = env.ballot(options=[f"o{i}" for i in range(16)])
    voting.vote(bid, 15, sender=alice)
    assert voting.tally(bid, 15) == 600
    with ape.reverts(voting.InvalidOption, id=bid, option=16):
        voting.tally(bid, 16)


def test_create_rejects_bad_window_and_bps(
    env: Env, voting: Any, alice: Any, bob: Any, carol: Any
) -> None:
    now = env.chain.pending_timestamp
    with ape.reverts(voting.InvalidWindow):
        voting.createBallot(
            ballot_params(env.token, env.rid, now + 10, now + 10), sender=env.issuer
        )
    with ape.reverts(voting.InvalidWindow):
        voting.createBallot(
            ballot_params(env.token, env.rid, now - 100, now - 1), sender=env.issuer
        )
    with ape.reverts(voting.InvalidBps):
        voting.createBallot(
            ballot_params(env.token, env.rid, now, now + DAY, quorum_bps=10_001), sender=env.issuer
        )
    with ape.reverts(voting.InvalidBps):
        voting.createBallot(
            ballot_params(env.token, env.rid, now, now + DAY, threshold_bps=10_001),
            sender=env.issuer,
        )
    with ape.reverts(voting.NothingEligible):
        voting.createBallot(
            ballot_params(env.token, env.rid, now, now + DAY, excluded=[alice, bob, carol]),
            sender=env.issuer,
        )
    with ape.reverts(voting.DuplicateExcluded):
        voting.createBallot(
            ballot_params(env.token, env.rid, now, now + DAY, excluded=[bob, bob]),
            sender=env.issuer,
        )
    many = [f"0x{i:040x}" for i in range(1, 18)]
    with ape.reverts(voting.TooManyExcluded):
        voting.createBallot(
            ballot_params(env.token, env.rid, now, now + DAY, excluded=many), sender=env.issuer
        )


# --------------------------------------------------------------------------------------------
# voting
# --------------------------------------------------------------------------------------------


def test_vote_counts_record_date_balance(env: Env, voting: Any, alice: Any, bob: Any) -> None:
    bid = env.ballot()
    receipt = voting.vote(bid, FOR, sender=alice)
    [event] = receipt.decode_logs(voting.VoteCast)
    assert (event.ballotId, event.voter, event.option, event.weight) == (
        bid,
        alice.address,
        FOR,
        600,
    )
    voting.vote(bid, AGAINST, sender=bob)
    assert voting.tallies(bid) == [600, 300, 0]
    assert voting.tally(bid, AGAINST) == 300
    assert voting.turnout(bid) == 900
    assert voting.hasVoted(bid, alice)


def test_one_vote_per_holder(env: Env, voting: Any, alice: Any) -> None:
    bid = env.ballot()
    voting.vote(bid, FOR, sender=alice)
    with ape.reverts(voting.AlreadyVoted, id=bid, voter=alice.address):
        voting.vote(bid, AGAINST, sender=alice)


def test_vote_transfer_vote_adds_no_weight(
    env: Env, voting: Any, alice: Any, bob: Any, dave: Any
) -> None:
    bid = env.ballot()
    voting.vote(bid, FOR, sender=alice)
    env.token.transfer(dave, 600, sender=alice)
    with ape.reverts(voting.NoVotingWeight, id=bid, voter=dave.address):
        voting.vote(bid, FOR, sender=dave)
    # to a wallet that held at the record date: it votes its own record-date weight only
    env.token.transfer(bob, 600, sender=dave)
    voting.vote(bid, FOR, sender=bob)
    assert voting.tallies(bid) == [900, 0, 0]


def test_tokens_received_in_the_record_date_block_carry_no_weight(
    chain: Any, holders: Any, voting: Any, issuer: Any, alice: Any, dave: Any
) -> None:
    """A flash loan landing in the first block at the record date brings no votes."""
    rid, ts = schedule_record_date(chain, holders, issuer, delay=120)
    chain.pending_timestamp = ts
    holders.transfer(dave, 600, sender=alice)
    assert chain.blocks.head.timestamp == ts
    start = chain.pending_timestamp
    voting.createBallot(ballot_params(holders, rid, start, start + DAY), sender=issuer)
    with ape.reverts(voting.NoVotingWeight):
        voting.vote(1, FOR, sender=dave)
    voting.vote(1, FOR, sender=alice)  # alice still votes what she held at the record date
    assert voting.tally(1, FOR) == 600


def test_tokens_received_just_before_the_record_date_count(
    chain: Any, holders: Any, voting: Any, issuer: Any, alice: Any, dave: Any
) -> None:
    rid, ts = schedule_record_date(chain, holders, issuer, delay=120)
    chain.pending_timestamp = ts - 1
    holders.transfer(dave, 600, sender=alice)
    chain.mine(timestamp=ts)
    start = chain.pending_timestamp
    voting.createBallot(ballot_params(holders, rid, start, start + DAY), sender=issuer)
    voting.vote(1, FOR, sender=dave)
    assert voting.tally(1, FOR) == 600
    with ape.reverts(voting.NoVotingWeight):
        voting.vote(1, FOR, sender=alice)


def test_voting_window(env: Env, voting: Any, alice: Any) -> None:
    bid = env.ballot(start_in=3600, days=1)
    info = voting.ballot(bid)
    with ape.reverts(voting.VotingNotOpen, id=bid, start=info.start):
        voting.vote(bid, FOR, sender=alice)
    env.chain.pending_timestamp = info.start
    voting.vote(bid, FOR, sender=alice)
    env.chain.pending_timestamp = info.end
    with ape.reverts(voting.VotingClosed, id=bid, end=info.end):
        voting.vote(bid, FOR, sender=alice)


def test_last_second_vote_counts(env: Env, voting: Any, bob: Any) -> None:
    bid = env.ballot(days=1)
    env.chain.pending_timestamp = voting.ballot(bid).end - 1
    voting.vote(bid, AGAINST, sender=bob)
    assert voting.tally(bid, AGAINST) == 300


def test_invalid_option_and_unknown_ballot(env: Env, voting: Any, alice: Any) -> None:
    bid = env.ballot()
    with ape.reverts(voting.InvalidOption, id=bid, option=3):
        voting.vote(bid, 3, sender=alice)
    with ape.reverts(voting.UnknownBallot, id=42):
        voting.vote(42, FOR, sender=alice)
    with ape.reverts(voting.UnknownBallot, id=42):
        voting.outcome(42)


def test_excluded_wallet_cannot_vote(
    env: Env, voting: Any, issuer: Any, treasury: Any, alice: Any
) -> None:
    env.token.issue(treasury, 1000, b"", sender=issuer)
    env.rid = pass_record_date(env.chain, env.token, issuer)
    bid = env.ballot(excluded=[treasury], quorum_bps=5000)
    assert voting.ballot(bid).eligibleSupply == 1000
    with ape.reverts(voting.ExcludedVoter, id=bid, voter=treasury.address):
        voting.vote(bid, FOR, sender=treasury)
    voting.vote(bid, FOR, sender=alice)
    assert voting.quorumReached(bid)  # 600 of 1,000 eligible


def test_vote_gas_under_target(env: Env, voting: Any, alice: Any, bob: Any) -> None:
    first = env.ballot()
    second = env.ballot()
    assert voting.vote(first, FOR, sender=alice).gas_used < VOTE_GAS_TARGET
    assert voting.vote(second, AGAINST, sender=alice).gas_used < VOTE_GAS_TARGET
    assert voting.vote(first, ABSTAIN, sender=bob).gas_used < VOTE_GAS_TARGET


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------


def test_plurality_outcome_after_close(
    env: Env, voting: Any, alice: Any, bob: Any, carol: Any
) -> None:
    bid = env.ballot(quorum_bps=5000)
    voting.vote(bid, AGAINST, sender=alice)
    voting.vote(bid, FOR, sender=bob)
    voting.vote(bid, FOR, sender=carol)
    live = voting.outcome(bid)
    assert (live.ended, live.passed, live.winningOption, live.turnout) == (
        False,
        False,
        AGAINST,
        1000,
    )
    env.close()
    o = voting.outcome(bid)
    assert (o.ended, o.quorumReached, o.tie, o.winningOption, o.passed, o.turnout) == (
        True,
        True,
        False,
        AGAINST,
        True,
        1000,
    )


def test_quorum_not_reached(env: Env, voting: Any, bob: Any) -> None:
    bid = env.ballot(quorum_bps=3001)
    voting.vote(bid, FOR, sender=bob)  # 300 of 1,000
    assert not voting.quorumReached(bid)
    env.close()
    o = voting.outcome(bid)
    assert o.ended and not o.quorumReached and not o.passed


def test_quorum_exactly_reached(env: Env, voting: Any, bob: Any) -> None:
    bid = env.ballot(quorum_bps=3000)
    voting.vote(bid, FOR, sender=bob)
    assert voting.quorumReached(bid)


def test_tie_has_no_winner(
    chain: Any, suite: Any, voting: Any, issuer: Any, alice: Any, bob: Any
) -> None:
    suite.issue(alice, 50, b"", sender=issuer)
    suite.issue(bob, 50, b"", sender=issuer)
    rid = pass_record_date(chain, suite, issuer)
    start = chain.pending_timestamp
    voting.createBallot(ballot_params(suite, rid, start, start + DAY), sender=issuer)
    voting.vote(1, FOR, sender=alice)
    voting.vote(1, AGAINST, sender=bob)
    chain.mine(timestamp=start + 2 * DAY)
    o = voting.outcome(1)
    assert o.tie and not o.passed


def test_threshold_decides(env: Env, voting: Any, alice: Any, bob: Any, carol: Any) -> None:
    two_thirds = env.ballot(threshold_bps=6667, options=("For", "Against"))
    voting.vote(two_thirds, FOR, sender=alice)  # 600
    voting.vote(two_thirds, AGAINST, sender=bob)  # 300
    voting.vote(two_thirds, AGAINST, sender=carol)  # 100 -> For has 60% < 66.67%
    majority = env.ballot(threshold_bps=5001, options=("For", "Against"))
    voting.vote(majority, FOR, sender=alice)
    voting.vote(majority, AGAINST, sender=bob)
    env.close()
    assert not voting.outcome(two_thirds).passed
    assert voting.outcome(two_thirds).winningOption == FOR
    assert voting.outcome(majority).passed


def test_no_votes_no_outcome(env: Env, voting: Any) -> None:
    bid = env.ballot()
    env.close()
    o = voting.outcome(bid)
    assert o.ended and not o.passed and o.turnout == 0 and not o.tie


# --------------------------------------------------------------------------------------------
# proxies
# --------------------------------------------------------------------------------------------


def test_proxy_votes_for_holder(env: Env, voting: Any, alice: Any, dave: Any) -> None:
    bid = env.ballot()
    receipt = voting.appointProxy(bid, dave, sender=alice)
    assert [(e.holder, e.proxy) for e in receipt.decode_logs(voting.ProxyAppointed)] == [
        (alice.address, dave.address)
    ]
    assert voting.proxyOf(bid, alice) == dave.address
    receipt = voting.voteFor(bid, alice, AGAINST, sender=dave)
    [cast] = receipt.decode_logs(voting.VoteCast)
    [behalf] = receipt.decode_logs(voting.VoteCastOnBehalf)
    assert (cast.voter, cast.option, cast.weight) == (alice.address, AGAINST, 600)
    assert (behalf.voter, behalf.caller) == (alice.address, dave.address)
    with ape.reverts(voting.AlreadyVoted):
        voting.vote(bid, FOR, sender=alice)
    assert voting.tallies(bid) == [0, 600, 0]


def test_holder_vote_first_blocks_proxy(env: Env, voting: Any, alice: Any, dave: Any) -> None:
    bid = env.ballot()
    voting.appointProxy(bid, dave, sender=alice)
    voting.vote(bid, FOR, sender=alice)
    with ape.reverts(voting.AlreadyVoted):
        voting.voteFor(bid, alice, AGAINST, sender=dave)
    with ape.reverts(voting.AlreadyVoted):
        voting.appointProxy(bid, dave, sender=alice)


def test_proxy_is_per_ballot_and_revocable(
    env: Env, voting: Any, alice: Any, bob: Any, dave: Any
) -> None:
    first = env.ballot()
    second = env.ballot()
    voting.appointProxy(first, dave, sender=alice)
    with ape.reverts(voting.NotAuthorized, id=second, voter=alice.address, caller=dave.address):
        voting.voteFor(second, alice, FOR, sender=dave)
    voting.appointProxy(first, "0x" + "00" * 20, sender=alice)
    with ape.reverts(voting.NotAuthorized):
        voting.voteFor(first, alice, FOR, sender=dave)
    with ape.reverts(voting.NotAuthorized):
        voting.voteFor(first, bob, FOR, sender=dave)
    with ape.reverts(voting.NotAuthorized):
        voting.voteFor(first, alice, FOR, sender=alice)


def test_proxy_cannot_be_appointed_after_close(
    env: Env, voting: Any, alice: Any, dave: Any
) -> None:
    bid = env.ballot(days=1)
    env.close(2)
    with ape.reverts(voting.VotingClosed):
        voting.appointProxy(bid, dave, sender=alice)


# --------------------------------------------------------------------------------------------
# wallet recovery
# --------------------------------------------------------------------------------------------


def test_successor_casts_the_lost_wallets_vote_once(
    env: Env, voting: Any, controller: Any, alice: Any, dave: Any
) -> None:
    bid = env.ballot()
    env.token.recoverWallet(alice, dave, b"court order", sender=controller)
    # the lost key is useless
    with ape.reverts(voting.WalletSuperseded, wallet=alice.address, successor=dave.address):
        voting.vote(bid, FOR, sender=alice)
    with ape.reverts(voting.WalletSuperseded):
        voting.appointProxy(bid, alice, sender=alice)
    # dave votes alice's record-date weight, once
    receipt = voting.voteFor(bid, alice, AGAINST, sender=dave)
    assert receipt.decode_logs(voting.VoteCast)[0].weight == 600
    with ape.reverts(voting.AlreadyVoted):
        voting.voteFor(bid, alice, FOR, sender=dave)
    # dave held nothing himself at the record date
    with ape.reverts(voting.NoVotingWeight):
        voting.vote(bid, FOR, sender=dave)
    assert voting.tallies(bid) == [0, 600, 0]


def test_proxy_of_a_lost_wallet_is_void(
    env: Env, voting: Any, controller: Any, alice: Any, bob: Any, dave: Any
) -> None:
    bid = env.ballot()
    voting.appointProxy(bid, bob, sender=alice)
    env.token.recoverWallet(alice, dave, b"lost", sender=controller)
    with ape.reverts(voting.NotAuthorized):
        voting.voteFor(bid, alice, FOR, sender=bob)
    voting.voteFor(bid, alice, FOR, sender=dave)


def test_already_voted_lost_wallet_stays_counted_once(
    env: Env, voting: Any, controller: Any, alice: Any, dave: Any
) -> None:
    bid = env.ballot()
    voting.vote(bid, FOR, sender=alice)
    env.token.recoverWallet(alice, dave, b"lost after voting", sender=controller)
    with ape.reverts(voting.AlreadyVoted):
        voting.voteFor(bid, alice, AGAINST, sender=dave)
    assert voting.tallies(bid) == [600, 0, 0]
