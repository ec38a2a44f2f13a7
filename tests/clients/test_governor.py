"""OpenZeppelin Governor (contracts/test/ClientGovernor.sol: settings, simple counting, token
votes, quorum fraction, timelock control) with an OpenZeppelin TimelockController, driven by the
token's delegated votes (ERC-5805, clock per ERC-6372).

The timelock holds the token's PAUSER_ROLE and COMPLIANCE_ROLE; a proposal to pause the token
and approve a settlement contract as an operator goes from creation to execution through every
state (Pending, Active, Succeeded, Queued, Executed). A holder who never delegated has no votes:
his vote is counted with weight 0, and a proposal only he supports fails.

The governor counts the security token's own votes and acts on the same token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import keccak

ZERO = "0x0000000000000000000000000000000000000000"
PENDING, ACTIVE, CANCELED, DEFEATED, SUCCEEDED, QUEUED, EXPIRED, EXECUTED = range(8)
AGAINST, FOR, ABSTAIN = range(3)
VOTING_DELAY = 2  # clock units (blocks or seconds, whichever the token's clock counts)
VOTING_PERIOD = 50
QUORUM_PERCENT = 10
TIMELOCK_DELAY = 3_600  # seconds
HOLDINGS = {"alice": 600, "bob": 300, "carol": 100}
DESCRIPTION = "Pause the token while the custodian migrates; approve the settlement contract"
SETTLEMENT = "0x5e771E3E47000000000000000000000000000001"  # a settlement contract (any address)


@pytest.fixture
def votes_token(suite: Any, issuer: Any, alice: Any, bob: Any, carol: Any) -> Any:
    """The security token (ERC-5805 votes) holding ``HOLDINGS``; nobody has delegated yet."""
    wallets = {"alice": alice, "bob": bob, "carol": carol}
    for name, amount in HOLDINGS.items():
        suite.issue(wallets[name], amount, b"", sender=issuer)
    return suite


@pytest.fixture
def governance(
    project: Any, votes_token: Any, suite: Any, deployer: Any, alice: Any, bob: Any
) -> tuple[Any, Any]:
    """(governor, timelock): the timelock self-administered, the governor its only proposer and
    canceller, anyone may execute; the timelock holds PAUSER_ROLE on the token. alice and bob
    delegate to themselves; carol never delegates."""
    timelock = project.ClientTimelock.deploy(TIMELOCK_DELAY, [], [ZERO], deployer, sender=deployer)
    governor = project.ClientGovernor.deploy(
        votes_token, timelock, VOTING_DELAY, VOTING_PERIOD, QUORUM_PERCENT, sender=deployer
    )
    timelock.grantRole(timelock.PROPOSER_ROLE(), governor, sender=deployer)
    timelock.grantRole(timelock.CANCELLER_ROLE(), governor, sender=deployer)
    timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), deployer, sender=deployer)
    suite.grantRole(suite.PAUSER_ROLE(), timelock, sender=deployer)
    suite.grantRole(suite.COMPLIANCE_ROLE(), timelock, sender=deployer)
    for holder in (alice, bob):
        _delegate(votes_token, holder, holder)
    return governor, timelock


def _advancer(chain: Any, votes_token: Any) -> Callable[[int], None]:
    """Moves the token's clock on by ``units`` (blocks, or seconds for a timestamp clock)."""
    mode = str(votes_token.CLOCK_MODE())
    if "timestamp" in mode:

        def by_time(units: int) -> None:
            chain.pending_timestamp += units
            chain.mine()

        return by_time
    assert "blocknumber" in mode, mode
    return lambda units: chain.mine(units)


def _proposal(suite: Any) -> tuple[list[Any], list[int], list[bytes]]:
    """Pause the token and approve the settlement contract as an operator, in one proposal."""
    calls = [suite.pause.encode_input(), suite.setApprovedOperator.encode_input(SETTLEMENT, True)]
    return [suite.address, suite.address], [0, 0], [bytes(c) for c in calls]


def test_a_proposal_runs_from_creation_to_execution(
    chain: Any,
    suite: Any,
    votes_token: Any,
    governance: tuple[Any, Any],
    alice: Any,
    bob: Any,
    carol: Any,
) -> None:
    governor, timelock = governance
    advance = _advancer(chain, votes_token)
    assert governor.token() == votes_token.address
    assert votes_token.getVotes(alice) == 600 and votes_token.getVotes(bob) == 300
    assert votes_token.getVotes(carol) == 0 and votes_token.balanceOf(carol) == 100
    assert votes_token.delegates(carol) == ZERO

    targets, values, calldatas = _proposal(suite)
    receipt = governor.propose(targets, values, calldatas, DESCRIPTION, sender=alice)
    (created,) = receipt.decode_logs(governor.ProposalCreated)
    proposal = created.proposalId
    assert proposal == governor.hashProposal(targets, values, calldatas, keccak(text=DESCRIPTION))
    assert governor.state(proposal) == PENDING
    snapshot = governor.proposalSnapshot(proposal)
    block = receipt.block_number
    proposed_at = block if _is_blocks(votes_token) else chain.blocks[block].timestamp
    assert snapshot == proposed_at + VOTING_DELAY

    advance(VOTING_DELAY + 1)
    assert governor.state(proposal) == ACTIVE
    assert governor.getVotes(carol, snapshot) == 0
    assert governor.quorum(snapshot) == 100  # 10 % of the 1,000 supply

    votes = []
    for voter, support in ((alice, FOR), (bob, AGAINST), (carol, FOR)):
        receipt = governor.castVote(proposal, support, sender=voter)
        (cast,) = receipt.decode_logs(governor.VoteCast)
        votes.append((cast.voter, cast.support, cast.weight))
    assert votes == [
        (alice.address, FOR, 600),
        (bob.address, AGAINST, 300),
        (carol.address, FOR, 0),
    ]
    assert governor.hasVoted(proposal, carol)
    against, for_, abstain = governor.proposalVotes(proposal)
    assert (against, for_, abstain) == (300, 600, 0)  # carol's 100 do not count

    advance(VOTING_PERIOD)
    assert governor.state(proposal) == SUCCEEDED
    description_hash = keccak(text=DESCRIPTION)
    receipt = governor.queue(targets, values, calldatas, description_hash, sender=bob)
    assert len(list(receipt.decode_logs(governor.ProposalQueued))) == 1
    assert governor.state(proposal) == QUEUED
    assert len(list(receipt.decode_logs(timelock.CallScheduled))) == 2

    assert not suite.paused() and not suite.isApprovedOperator(SETTLEMENT)
    chain.pending_timestamp += TIMELOCK_DELAY + 1
    receipt = governor.execute(targets, values, calldatas, description_hash, sender=carol)
    assert len(list(receipt.decode_logs(governor.ProposalExecuted))) == 1
    assert len(list(receipt.decode_logs(timelock.CallExecuted))) == 2
    (approved,) = receipt.decode_logs(suite.ApprovedOperatorSet)
    assert approved.officer == timelock.address and approved.approved
    assert governor.state(proposal) == EXECUTED
    assert suite.paused() and suite.isApprovedOperator(SETTLEMENT)


def test_votes_of_a_holder_who_never_delegated_do_not_count(
    chain: Any, suite: Any, votes_token: Any, governance: tuple[Any, Any], carol: Any
) -> None:
    """carol holds 100 (above the 100 quorum if they counted) but never delegated: defeated."""
    governor, _timelock = governance
    advance = _advancer(chain, votes_token)
    targets, values, calldatas = _proposal(suite)
    receipt = governor.propose(targets, values, calldatas, DESCRIPTION, sender=carol)
    (created,) = receipt.decode_logs(governor.ProposalCreated)
    proposal = created.proposalId
    advance(VOTING_DELAY + 1)
    governor.castVote(proposal, FOR, sender=carol)
    assert governor.proposalVotes(proposal) == (0, 0, 0)
    advance(VOTING_PERIOD)
    assert governor.state(proposal) == DEFEATED
    assert not suite.paused()


def test_delegating_later_does_not_reach_back_before_the_snapshot(
    chain: Any, suite: Any, votes_token: Any, governance: tuple[Any, Any], carol: Any
) -> None:
    """Votes are read at the proposal's snapshot: carol delegating after it still weighs 0 there,
    and her votes count for a proposal made after she delegated."""
    governor, _timelock = governance
    advance = _advancer(chain, votes_token)
    targets, values, calldatas = _proposal(suite)
    governor.propose(targets, values, calldatas, DESCRIPTION, sender=carol)
    first = governor.hashProposal(targets, values, calldatas, keccak(text=DESCRIPTION))
    advance(VOTING_DELAY + 1)
    _delegate(votes_token, carol, carol)
    advance(1)
    assert votes_token.getVotes(carol) == 100
    governor.castVote(first, FOR, sender=carol)
    assert governor.proposalVotes(first) == (0, 0, 0)

    later = DESCRIPTION + " (again)"
    governor.propose(targets, values, calldatas, later, sender=carol)
    second = governor.hashProposal(targets, values, calldatas, keccak(text=later))
    advance(VOTING_DELAY + 1)
    governor.castVote(second, FOR, sender=carol)
    assert governor.proposalVotes(second) == (0, 100, 0)


def _delegate(votes_token: Any, holder: Any, delegatee: Any) -> Any:
    # Ape's contract instances have a ``delegate`` attribute of their own (proxy support).
    return votes_token.invoke_transaction("delegate", delegatee, sender=holder)


def _is_blocks(votes_token: Any) -> bool:
    return "blocknumber" in str(votes_token.CLOCK_MODE())
