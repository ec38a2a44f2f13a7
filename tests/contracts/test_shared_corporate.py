"""One DividendDistributor and one ShareholderVoting shared by two tokens of one issuer.

Token A (the ``token`` fixture, issuer ``issuer``): alice 600, bob 300, carol 100.
Token B (same registry, its own issuer ``dave``): alice 50, bob 150.
Both contracts serve both tokens; what is checked: claims and votes are weighted by the token a
distribution or ballot names, ids are one sequence across tokens, the paid / voted flags of one
token's actions do not touch the other's, an issuer of one token has no right over the other's
actions, only the admin admits tokens, and ERC-165.
"""

from __future__ import annotations

from functools import reduce
from typing import Any

import ape
import pytest
from eth_utils import function_abi_to_4byte_selector

from sectoken.chain.contracts import container

from .corporate_fixtures import *  # noqa: F403
from .corporate_fixtures import DAY, ballot_params, eth_params, pass_record_date

ETHER = 10**18
IERC165_ID = bytes.fromhex("01ffc9a7")
IACCESS_CONTROL_ID = bytes.fromhex("7965db0b")


class Pair:
    """Tokens A and B on one registry, both served by ``distributor`` and ``voting``."""

    def __init__(self, chain: Any, a: Any, b: Any, issuer_a: Any, issuer_b: Any) -> None:
        self.chain, self.a, self.b = chain, a, b
        self.issuer_a, self.issuer_b = issuer_a, issuer_b
        self.rid_a = pass_record_date(chain, a, issuer_a)
        self.rid_b = pass_record_date(chain, b, issuer_b)

    def expiry(self) -> int:
        return int(self.chain.pending_timestamp) + 30 * DAY


@pytest.fixture
def token_b(
    project: Any,
    registry: Any,
    deployer: Any,
    dave: Any,
    distributor: Any,
    voting: Any,
    holders: Any,
) -> Any:
    tok = container(project, "SecurityToken").deploy(
        "Beta Shares", "BETA", 0, registry, deployer, holders.adminModule(), sender=deployer
    )
    tok.grantRole(tok.ISSUER_ROLE(), dave, sender=deployer)
    distributor.setTokenServed(tok, True, sender=deployer)
    voting.setTokenServed(tok, True, sender=deployer)
    return tok


@pytest.fixture
def pair(
    chain: Any, holders: Any, token_b: Any, issuer: Any, dave: Any, alice: Any, bob: Any
) -> Pair:
    token_b.issue(alice, 50, b"", sender=dave)
    token_b.issue(bob, 150, b"", sender=dave)
    return Pair(chain, holders, token_b, issuer, dave)


def interface_id(contract_type: Any) -> bytes:
    """ERC-165 id: the XOR of the selectors of the interface's functions (from its ABI)."""
    selectors = [
        function_abi_to_4byte_selector(entry.model_dump(by_alias=True, mode="json"))
        for entry in contract_type.abi
        if entry.type == "function"
    ]
    value = reduce(lambda x, y: x ^ y, (int.from_bytes(s, "big") for s in selectors))
    return value.to_bytes(4, "big")


def eth_received(account: Any, action: Any) -> int:
    before = account.balance
    receipt = action()
    return account.balance - before + receipt.gas_used * receipt.gas_price


# --------------------------------------------------------------------------------------------
# dividends
# --------------------------------------------------------------------------------------------


def test_distributions_of_two_tokens_pay_by_their_own_record_dates(
    pair: Pair, distributor: Any, alice: Any, bob: Any, carol: Any
) -> None:
    receipt_a = distributor.createDistribution(
        eth_params(pair.a, pair.rid_a, ETHER, pair.expiry()), value=ETHER, sender=pair.issuer_a
    )
    receipt_b = distributor.createDistribution(
        eth_params(pair.b, pair.rid_b, 2 * ETHER, pair.expiry()),
        value=2 * ETHER,
        sender=pair.issuer_b,
    )
    [created_a] = receipt_a.decode_logs(distributor.DistributionCreated)
    [created_b] = receipt_b.decode_logs(distributor.DistributionCreated)
    assert (created_a.id, created_a.token) == (1, pair.a.address)
    assert (created_b.id, created_b.token) == (2, pair.b.address)
    assert distributor.distributionCount() == 2
    assert distributor.distribution(1).token == pair.a.address
    assert distributor.distribution(2).token == pair.b.address
    assert distributor.distribution(2).eligibleSupply == 200

    assert distributor.entitlementOf(1, alice) == ETHER * 600 // 1000
    assert distributor.entitlementOf(2, alice) == 2 * ETHER * 50 // 200
    assert distributor.entitlementOf(2, carol) == 0

    got = eth_received(alice, lambda: distributor.claim(2, sender=alice))
    assert got == 2 * ETHER * 50 // 200
    # Claiming token B's distribution leaves token A's unpaid, and the other way round.
    assert distributor.isPaid(2, alice) and not distributor.isPaid(1, alice)
    receipt = distributor.claim(1, sender=alice)
    [claimed] = receipt.decode_logs(distributor.Claimed)
    assert (claimed.id, claimed.token, claimed.holder, claimed.payee) == (
        1,
        pair.a.address,
        alice.address,
        alice.address,
    )
    assert claimed.amount == ETHER * 600 // 1000
    with ape.reverts(distributor.NothingDue):
        distributor.claim(2, sender=carol)
    assert eth_received(bob, lambda: distributor.claim(2, sender=bob)) == 2 * ETHER * 150 // 200
    assert distributor.distribution(2).released == 2 * ETHER


def test_issuer_of_one_token_cannot_act_on_the_other(
    pair: Pair, distributor: Any, alice: Any
) -> None:
    with ape.reverts(distributor.NotIssuer, token=pair.b.address, account=pair.issuer_a.address):
        distributor.createDistribution(
            eth_params(pair.b, pair.rid_b, ETHER, pair.expiry()), value=ETHER, sender=pair.issuer_a
        )
    with ape.reverts(distributor.NotIssuer, token=pair.a.address, account=pair.issuer_b.address):
        distributor.createDistribution(
            eth_params(pair.a, pair.rid_a, ETHER, pair.expiry()), value=ETHER, sender=pair.issuer_b
        )
    distributor.createDistribution(
        eth_params(pair.a, pair.rid_a, ETHER, pair.expiry()), value=ETHER, sender=pair.issuer_a
    )
    distributor.createDistribution(
        eth_params(pair.b, pair.rid_b, ETHER, pair.expiry()), value=ETHER, sender=pair.issuer_b
    )
    with ape.reverts(distributor.NotIssuer, token=pair.b.address, account=pair.issuer_a.address):
        distributor.push(2, [alice], sender=pair.issuer_a)
    with ape.reverts(distributor.NotIssuer, token=pair.a.address, account=pair.issuer_b.address):
        distributor.push(1, [alice], sender=pair.issuer_b)
    pair.chain.mine(timestamp=pair.chain.pending_timestamp + 31 * DAY)
    with ape.reverts(distributor.NotIssuer, token=pair.b.address, account=pair.issuer_a.address):
        distributor.reclaim(2, sender=pair.issuer_a)
    with ape.reverts(distributor.NotIssuer, token=pair.a.address, account=pair.issuer_b.address):
        distributor.reclaim(1, sender=pair.issuer_b)
    receipt = distributor.reclaim(2, sender=pair.issuer_b)
    [event] = receipt.decode_logs(distributor.Reclaimed)
    assert (event.id, event.token, event.amount) == (2, pair.b.address, ETHER)


def test_only_admitted_tokens_on_the_same_registry(
    project: Any,
    chain: Any,
    holders: Any,
    distributor: Any,
    voting: Any,
    deployer: Any,
    issuer: Any,
    alice: Any,
) -> None:
    other_registry = project.InvestorRegistry.deploy(deployer, sender=deployer)
    foreign = container(project, "SecurityToken").deploy(
        "X", "X", 0, other_registry, deployer, holders.adminModule(), sender=deployer
    )
    for contract in (distributor, voting):
        assert contract.registry() == holders.registry()
        with ape.reverts(contract.RegistryMismatch):
            contract.setTokenServed(foreign, True, sender=deployer)
        with ape.reverts(contract.AccessControlUnauthorizedAccount):
            contract.setTokenServed(holders, False, sender=issuer)
        assert contract.isTokenServed(holders) and not contract.isTokenServed(foreign)

    rid = pass_record_date(chain, holders, issuer)
    distributor.createDistribution(
        eth_params(holders, rid, ETHER, chain.pending_timestamp + DAY), value=ETHER, sender=issuer
    )
    receipt = distributor.setTokenServed(holders, False, sender=deployer)
    [event] = receipt.decode_logs(distributor.TokenServed)
    assert (event.token, event.served) == (holders.address, False)
    assert not distributor.setTokenServed(holders, False, sender=deployer).decode_logs(
        distributor.TokenServed
    )
    with ape.reverts(distributor.TokenNotServed, token=holders.address):
        distributor.createDistribution(
            eth_params(holders, rid, ETHER, chain.pending_timestamp + DAY),
            value=ETHER,
            sender=issuer,
        )
    # A distribution created while the token was served runs to its end.
    distributor.claim(1, sender=alice)
    assert distributor.isPaid(1, alice)

    voting.setTokenServed(holders, False, sender=deployer)
    start = chain.pending_timestamp
    with ape.reverts(voting.TokenNotServed, token=holders.address):
        voting.createBallot(ballot_params(holders, rid, start, start + DAY), sender=issuer)


def test_erc165(project: Any, distributor: Any, voting: Any) -> None:
    own = {
        distributor: interface_id(project.IDividendDistributor.contract_type),
        voting: interface_id(project.IShareholderVoting.contract_type),
    }
    for contract, interface in own.items():
        assert contract.supportsInterface(interface)
        assert contract.supportsInterface(IACCESS_CONTROL_ID)
        assert contract.supportsInterface(IERC165_ID)
        assert not contract.supportsInterface(bytes.fromhex("ffffffff"))
    assert not distributor.supportsInterface(own[voting])
    assert not voting.supportsInterface(own[distributor])


# --------------------------------------------------------------------------------------------
# voting
# --------------------------------------------------------------------------------------------


def test_ballots_of_two_tokens_weigh_by_their_own_record_dates(
    pair: Pair, voting: Any, alice: Any, bob: Any, carol: Any
) -> None:
    start = pair.chain.pending_timestamp
    voting.createBallot(ballot_params(pair.a, pair.rid_a, start, start + DAY), sender=pair.issuer_a)
    receipt = voting.createBallot(
        ballot_params(pair.b, pair.rid_b, start, start + DAY), sender=pair.issuer_b
    )
    [created] = receipt.decode_logs(voting.BallotCreated)
    assert (created.id, created.token, created.eligibleSupply) == (2, pair.b.address, 200)
    assert voting.ballotCount() == 2
    assert voting.ballot(1).token == pair.a.address
    assert voting.ballot(2).token == pair.b.address

    receipt = voting.vote(2, 1, sender=alice)
    [cast] = receipt.decode_logs(voting.VoteCast)
    assert (cast.ballotId, cast.token, cast.voter, cast.weight) == (
        2,
        pair.b.address,
        alice.address,
        50,
    )
    assert voting.hasVoted(2, alice) and not voting.hasVoted(1, alice)
    voting.vote(1, 0, sender=alice)
    voting.vote(1, 1, sender=bob)
    voting.vote(2, 0, sender=bob)
    with ape.reverts(voting.NoVotingWeight):
        voting.vote(2, 0, sender=carol)
    assert voting.tallies(1) == [600, 300, 0]
    assert voting.tallies(2) == [150, 50, 0]
    assert voting.ballot(2).optionCount == 3


def test_issuer_of_one_token_cannot_open_a_ballot_of_the_other(pair: Pair, voting: Any) -> None:
    start = pair.chain.pending_timestamp
    with ape.reverts(voting.NotIssuer, token=pair.b.address, account=pair.issuer_a.address):
        voting.createBallot(
            ballot_params(pair.b, pair.rid_b, start, start + DAY), sender=pair.issuer_a
        )
    with ape.reverts(voting.NotIssuer, token=pair.a.address, account=pair.issuer_b.address):
        voting.createBallot(
            ballot_params(pair.a, pair.rid_a, start, start + DAY), sender=pair.issuer_b
        )


def test_proxy_is_per_ballot_and_so_per_token(
    pair: Pair, voting: Any, alice: Any, carol: Any
) -> None:
    start = pair.chain.pending_timestamp
    voting.createBallot(ballot_params(pair.a, pair.rid_a, start, start + DAY), sender=pair.issuer_a)
    voting.createBallot(ballot_params(pair.b, pair.rid_b, start, start + DAY), sender=pair.issuer_b)
    receipt = voting.appointProxy(2, carol, sender=alice)
    [event] = receipt.decode_logs(voting.ProxyAppointed)
    assert (event.ballotId, event.token, event.holder, event.proxy) == (
        2,
        pair.b.address,
        alice.address,
        carol.address,
    )
    with ape.reverts(voting.NotAuthorized):
        voting.voteFor(1, alice, 0, sender=carol)
    assert voting.voteFor(2, alice, 0, sender=carol).return_value == 50
    assert voting.tallies(2)[0] == 50
