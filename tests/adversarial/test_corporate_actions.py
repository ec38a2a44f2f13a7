"""Attacks on the corporate actions found by the contract review (issue 11, corporate side).

- a recovered (stolen) wallet casts, as a proxy, the votes of the holders who appointed it;
- a frozen holder collects its dividend or casts its vote (one policy for both kinds of freeze,
  token-level wallet freeze and registry investor freeze, and both corporate actions);
- a third party picks the moment a holder is paid, and so whether it is taxed (``claimFor``);
- a hostile payee burns the gas of (or blocks) an ERC-20 dividend push;
- a push for a record date before a recovery pays the lost wallet instead of its successor.

Cap table at the record date (see tests/contracts/corporate_fixtures.py): alice 600, bob 300,
carol 100; dave and treasury verified, holding nothing.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest

from ..contracts.corporate_fixtures import (
    DAY,
    ZERO_ADDRESS,
    ballot_params,
    erc20_params,
    eth_params,
    pass_record_date,
)

ETHER = 10**18
FOR, AGAINST = 0, 1
TRANSFER_FAILED = 4  # SkipReason.TransferFailed
FROZEN = 2  # SkipReason.Frozen
ACCEPT, REVERT, BURN_GAS = 0, 3, 4  # ReentrantClaimer.Mode


class World:
    """One record date passed; distributions and ballots on it."""

    def __init__(self, chain: Any, token: Any, distributor: Any, voting: Any, issuer: Any) -> None:
        self.chain = chain
        self.token = token
        self.distributor = distributor
        self.voting = voting
        self.issuer = issuer
        self.rid = pass_record_date(chain, token, issuer)

    def eth(self, amount: int = ETHER, **kwargs: Any) -> int:
        expiry = self.chain.pending_timestamp + 30 * DAY
        self.distributor.createDistribution(
            eth_params(self.token, self.rid, amount, expiry, **kwargs),
            value=amount,
            sender=self.issuer,
        )
        return int(self.distributor.distributionCount())

    def erc20(self, asset: Any, amount: int) -> int:
        asset.approve(self.distributor, amount, sender=self.issuer)
        expiry = self.chain.pending_timestamp + 30 * DAY
        self.distributor.createDistribution(
            erc20_params(self.token, self.rid, asset, amount, expiry), sender=self.issuer
        )
        return int(self.distributor.distributionCount())

    def ballot(self) -> int:
        start = self.chain.pending_timestamp
        self.voting.createBallot(
            ballot_params(self.token, self.rid, start, start + 7 * DAY), sender=self.issuer
        )
        return int(self.voting.ballotCount())


@pytest.fixture
def world(chain: Any, holders: Any, distributor: Any, voting: Any, issuer: Any) -> World:
    return World(chain, holders, distributor, voting, issuer)


def paid_eth(receipt: Any) -> int:
    """The transaction fee of ``receipt`` (to add back to the sender's balance change)."""
    return int(receipt.gas_used * receipt.gas_price)


# --------------------------------------------------------------------------------------------
# a recovered wallet as a proxy
# --------------------------------------------------------------------------------------------


def test_a_recovered_wallet_cannot_cast_votes_as_a_proxy(
    world: World, voting: Any, controller: Any, alice: Any, carol: Any, dave: Any
) -> None:
    """Carol appointed alice's wallet as her proxy; alice's key is stolen and the controller
    recovers alice's wallet to dave. The thief, holding alice's old key, must not cast carol's
    vote (nor alice's own)."""
    bid = world.ballot()
    voting.appointProxy(bid, alice, sender=carol)
    world.token.recoverWallet(alice, dave, b"stolen key, ticket 9", sender=controller)
    with ape.reverts(voting.WalletSuperseded, wallet=alice.address, successor=dave.address):
        voting.voteFor(bid, carol, AGAINST, sender=alice)
    with ape.reverts(voting.WalletSuperseded, wallet=alice.address, successor=dave.address):
        voting.vote(bid, AGAINST, sender=alice)
    assert not voting.hasVoted(bid, carol)
    # carol's own vote and alice's (cast by her successor) still count, once each
    voting.vote(bid, FOR, sender=carol)
    voting.voteFor(bid, alice, FOR, sender=dave)
    assert voting.tallies(bid) == [700, 0, 0]


# --------------------------------------------------------------------------------------------
# one freeze policy: token freeze and registry freeze, dividends and votes
# --------------------------------------------------------------------------------------------


def _freeze(kind: str, wallet: Any, frozen: bool, token: Any, verify: Any, officer: Any) -> None:
    if kind == "token":
        token.setWalletFrozen(wallet, frozen, sender=officer)
    else:
        verify(wallet, frozen=frozen)


@pytest.mark.parametrize("kind", ["token", "registry"])
def test_a_frozen_holder_collects_no_dividend_until_unfrozen(
    world: World,
    distributor: Any,
    verify: Any,
    compliance_officer: Any,
    alice: Any,
    bob: Any,
    kind: str,
) -> None:
    """Policy: the share is kept, but neither a claim nor a push pays it while the payee is
    frozen (on the token or in the registry); the push records the skip; unfrozen, it is paid."""
    did = world.eth()
    _freeze(kind, alice, True, world.token, verify, compliance_officer)
    with ape.reverts(distributor.InvestorFrozen, id=did, payee=alice.address):
        distributor.claim(did, sender=alice)
    with ape.reverts(distributor.InvestorFrozen, id=did, payee=alice.address):
        distributor.claimFor(did, alice, sender=alice)
    receipt = distributor.push(did, [alice, bob], sender=world.issuer)
    assert [(e.holder, e.reason) for e in receipt.decode_logs(distributor.PushSkipped)] == [
        (alice.address, FROZEN)
    ]
    assert not distributor.isPaid(did, alice)
    assert distributor.isPaid(did, bob)
    assert distributor.entitlementOf(did, alice) == ETHER * 6 // 10  # kept
    _freeze(kind, alice, False, world.token, verify, compliance_officer)
    before = alice.balance
    receipt = distributor.claim(did, sender=alice)
    assert alice.balance - before + paid_eth(receipt) == ETHER * 6 // 10


@pytest.mark.parametrize("kind", ["token", "registry"])
def test_a_frozen_holder_casts_no_vote_until_unfrozen(
    world: World,
    voting: Any,
    verify: Any,
    compliance_officer: Any,
    alice: Any,
    bob: Any,
    dave: Any,
    kind: str,
) -> None:
    """Same policy for ballots: a frozen holder's vote is kept but cannot be cast, neither by
    the holder nor by its proxy, and a frozen wallet cannot act as anyone's proxy."""
    bid = world.ballot()
    voting.appointProxy(bid, dave, sender=alice)
    _freeze(kind, alice, True, world.token, verify, compliance_officer)
    with ape.reverts(voting.InvestorFrozen, id=bid, wallet=alice.address):
        voting.vote(bid, FOR, sender=alice)
    with ape.reverts(voting.InvestorFrozen, id=bid, wallet=alice.address):
        voting.voteFor(bid, alice, FOR, sender=dave)
    # a frozen proxy casts nothing for a holder in good standing
    voting.appointProxy(bid, alice, sender=bob)
    with ape.reverts(voting.InvestorFrozen, id=bid, wallet=alice.address):
        voting.voteFor(bid, bob, FOR, sender=alice)
    assert voting.tallies(bid) == [0, 0, 0]
    _freeze(kind, alice, False, world.token, verify, compliance_officer)
    voting.voteFor(bid, alice, AGAINST, sender=dave)
    voting.voteFor(bid, bob, AGAINST, sender=alice)
    assert voting.tallies(bid) == [0, 900, 0]


@pytest.mark.parametrize("kind", ["token", "registry"])
def test_the_freeze_that_counts_after_a_recovery_is_the_successors(
    world: World,
    distributor: Any,
    voting: Any,
    verify: Any,
    controller: Any,
    compliance_officer: Any,
    alice: Any,
    dave: Any,
    kind: str,
) -> None:
    """The lost wallet is frozen on the token by the recovery: that must not block its share or
    vote, which belong to the successor; a freeze of the successor does."""
    did = world.eth()
    bid = world.ballot()
    world.token.recoverWallet(alice, dave, b"lost", sender=controller)
    _freeze(kind, dave, True, world.token, verify, compliance_officer)
    with ape.reverts(distributor.InvestorFrozen, id=did, payee=dave.address):
        distributor.claimFor(did, alice, sender=dave)
    with ape.reverts(voting.InvestorFrozen, id=bid, wallet=dave.address):
        voting.voteFor(bid, alice, FOR, sender=dave)
    _freeze(kind, dave, False, world.token, verify, compliance_officer)
    distributor.claimFor(did, alice, sender=dave)
    voting.voteFor(bid, alice, FOR, sender=dave)
    assert distributor.isPaid(did, alice)
    assert voting.tallies(bid) == [600, 0, 0]


# --------------------------------------------------------------------------------------------
# who chooses when a holder is paid (and taxed)
# --------------------------------------------------------------------------------------------


def test_a_third_party_cannot_choose_when_a_holder_is_taxed(
    world: World,
    distributor: Any,
    verify: Any,
    tax_wallet: Any,
    alice: Any,
    mallory: Any,
    bob: Any,
) -> None:
    """Alice's withholding flag is set for a while (a tax form being renewed). A third party
    (an outsider, or another holder) tries to lock the withholding in by paying alice's share
    now; only alice may choose when she is paid, and once the flag is cleared she gets it all."""
    did = world.eth(withholding_bps=3000, tax_wallet=tax_wallet)
    verify(alice, withholding=True)
    for caller in (mallory, bob):
        with ape.reverts(distributor.NotPayee, id=did, holder=alice.address, caller=caller.address):
            distributor.claimFor(did, alice, sender=caller)
    assert not distributor.isPaid(did, alice)
    verify(alice, withholding=False)
    before = alice.balance
    receipt = distributor.claimFor(did, alice, sender=alice)
    [event] = receipt.decode_logs(distributor.Claimed)
    assert (event.amount, event.withheld) == (ETHER * 6 // 10, 0)
    assert alice.balance - before + paid_eth(receipt) == ETHER * 6 // 10
    assert distributor.distribution(did).withheld == 0


# --------------------------------------------------------------------------------------------
# a hostile payee in an ERC-20 push
# --------------------------------------------------------------------------------------------


@pytest.fixture
def hostile(world: World, project: Any, verify: Any, issuer: Any, deployer: Any) -> Any:
    """A contract holder of 1,000 (supply 2,000) at a fresh record date."""
    claimer = project.ReentrantClaimer.deploy(sender=deployer)
    verify(claimer)
    world.token.issue(claimer, 1000, b"", sender=issuer)
    world.rid = pass_record_date(world.chain, world.token, issuer)
    return claimer


@pytest.mark.parametrize("mode", [BURN_GAS, REVERT], ids=["gas-burning-hook", "reverting-hook"])
def test_a_hostile_erc20_payee_cannot_burn_or_block_a_push_batch(
    world: World,
    distributor: Any,
    callback_token: Any,
    hostile: Any,
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    mode: int,
) -> None:
    """The asset calls a receive hook on contract payees. One hostile payee burns all the gas
    it is given or reverts: the push must still pay everyone else, spend at most the per-payee
    allowance on it, and record the hostile one as skipped if its payment failed (left to claim)."""
    did = world.erc20(callback_token, 2_000_000)
    batch = [hostile, alice, bob, carol]
    # the same batch with a well-behaved contract payee, as the yardstick
    snapshot = world.chain.snapshot()
    hostile.configure(distributor, did, ACCEPT, sender=deployer)
    honest_gas = distributor.push(did, batch, sender=world.issuer, gas=1_500_000).gas_used
    world.chain.restore(snapshot)

    hostile.configure(distributor, did, mode, sender=deployer)
    receipt = distributor.push(did, batch, sender=world.issuer, gas=1_500_000)
    assert [callback_token.balanceOf(w) for w in (alice, bob, carol)] == [600_000, 300_000, 100_000]
    # the hostile payee cost the batch at most its gas allowance
    assert receipt.gas_used <= honest_gas + int(distributor.PUSH_ERC20_GAS())
    skipped = [(e.holder, e.reason) for e in receipt.decode_logs(distributor.PushSkipped)]
    if distributor.isPaid(did, hostile):
        assert skipped == []
        assert callback_token.balanceOf(hostile) == 1_000_000
    else:
        assert skipped == [(hostile.address, TRANSFER_FAILED)]
        hostile.configure(distributor, did, ACCEPT, sender=deployer)
        hostile.claim(distributor, did, sender=deployer)
        assert callback_token.balanceOf(hostile) == 1_000_000
    assert callback_token.balanceOf(distributor) == 0


def test_a_push_short_of_gas_reverts_instead_of_skipping_an_honest_payee(
    world: World, distributor: Any, stablecoin: Any, alice: Any, bob: Any, carol: Any
) -> None:
    """A push must never skip a payee because the caller (or a gas estimate) gave the batch too
    little gas: it reverts whole, and nobody is marked skipped."""
    did = world.erc20(stablecoin, 1_000_000)
    with ape.reverts(distributor.PushOutOfGas):
        distributor.push(did, [alice, bob, carol], sender=world.issuer, gas=200_000)
    assert not any(distributor.isPaid(did, w) for w in (alice, bob, carol))
    distributor.push(did, [alice, bob, carol], sender=world.issuer)
    assert [stablecoin.balanceOf(w) for w in (alice, bob, carol)] == [600_000, 300_000, 100_000]


# --------------------------------------------------------------------------------------------
# recovery and push
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("asset", ["eth", "erc20"])
def test_a_push_after_a_recovery_pays_the_successor_never_the_lost_wallet(
    world: World,
    distributor: Any,
    stablecoin: Any,
    controller: Any,
    alice: Any,
    bob: Any,
    dave: Any,
    asset: str,
) -> None:
    """The record date is before the recovery: alice held 600 then. After the controller
    recovers alice's wallet to dave, the issuer's push for alice pays dave, never alice."""
    did = world.eth() if asset == "eth" else world.erc20(stablecoin, ETHER)
    world.token.recoverWallet(alice, dave, b"court order 77", sender=controller)

    def balance(w: Any) -> int:
        return int(w.balance) if asset == "eth" else int(stablecoin.balanceOf(w))

    alice_before, dave_before = balance(alice), balance(dave)
    receipt = distributor.push(did, [alice, bob], sender=world.issuer)
    events = [(e.holder, e.payee, e.amount) for e in receipt.decode_logs(distributor.Claimed)]
    assert events == [
        (alice.address, dave.address, ETHER * 6 // 10),
        (bob.address, bob.address, ETHER * 3 // 10),
    ]
    assert balance(dave) - dave_before == ETHER * 6 // 10
    assert balance(alice) == alice_before
    assert distributor.isPaid(did, alice)
    with ape.reverts(distributor.AlreadyPaid):
        distributor.claimFor(did, alice, sender=dave)
    assert ZERO_ADDRESS not in {e[1] for e in events}
