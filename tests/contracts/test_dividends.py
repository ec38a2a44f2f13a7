"""DividendDistributor: creation, pro-rata claims, pay-once, exclusions, push, withholding, expiry,
rounding, fee-on-transfer assets, reentrancy, wallet recovery and the KYC / freeze policy.

Cap table at the record date (see corporate_fixtures): alice 600, bob 300, carol 100.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest
from eth_utils import keccak

from .conftest import FAR_FUTURE, record
from .corporate_fixtures import *  # noqa: F403
from .corporate_fixtures import (
    DAY,
    ZERO_ADDRESS,
    erc20_params,
    eth_params,
    pass_record_date,
    schedule_record_date,
)

ETHER = 10**18
REENTRANT_CALL = keccak(text="ReentrancyGuardReentrantCall()")[:4]
CLAIM_GAS_TARGET = 80_000


class Env:
    """One record date passed, helpers to create distributions on it."""

    def __init__(self, chain: Any, token: Any, distributor: Any, issuer: Any) -> None:
        self.chain = chain
        self.token = token
        self.distributor = distributor
        self.issuer = issuer
        self.rid = pass_record_date(chain, token, issuer)

    def expiry(self, days: int = 30) -> int:
        return self.chain.pending_timestamp + days * DAY

    def eth(self, amount: int = ETHER, **kwargs: Any) -> int:
        self.distributor.createDistribution(
            eth_params(self.token, self.rid, amount, self.expiry(), **kwargs),
            value=amount,
            sender=self.issuer,
        )
        return self.distributor.distributionCount()

    def erc20(self, asset: Any, amount: int, **kwargs: Any) -> int:
        asset.approve(self.distributor, amount, sender=self.issuer)
        self.distributor.createDistribution(
            erc20_params(self.token, self.rid, asset, amount, self.expiry(), **kwargs),
            sender=self.issuer,
        )
        return self.distributor.distributionCount()

    def expire(self, days: int = 31) -> None:
        self.chain.mine(timestamp=self.chain.pending_timestamp + days * DAY)


@pytest.fixture
def env(chain: Any, holders: Any, distributor: Any, issuer: Any) -> Env:
    return Env(chain, holders, distributor, issuer)


def eth_received(account: Any, action: Any) -> int:
    """ETH gained by ``account`` over ``action()`` (a transaction not sent by ``account``)."""
    before = account.balance
    action()
    return account.balance - before


def claimed_eth(distributor: Any, did: int, holder: Any, payee: Any) -> int:
    """ETH ``payee`` gained by claiming ``holder``'s share itself (``claimFor``; only the payee
    may), the transaction fee added back."""
    before = payee.balance
    receipt = distributor.claimFor(did, holder, sender=payee)
    return payee.balance - before + receipt.gas_used * receipt.gas_price


# --------------------------------------------------------------------------------------------
# creation
# --------------------------------------------------------------------------------------------


def test_create_emits_event_and_stores_terms(env: Env, distributor: Any, treasury: Any) -> None:
    receipt = distributor.createDistribution(
        eth_params(env.token, env.rid, ETHER, env.expiry(), excluded=[treasury]),
        value=ETHER,
        sender=env.issuer,
    )
    [event] = receipt.decode_logs(distributor.DistributionCreated)
    assert (event.id, event.recordDateId, event.asset, event.deposit, event.eligibleSupply) == (
        1,
        env.rid,
        ZERO_ADDRESS,
        ETHER,
        1000,
    )
    assert event.excluded == [treasury.address]
    info = distributor.distribution(1)
    assert (info.deposit, info.eligibleSupply, info.recordDateId, info.released) == (
        ETHER,
        1000,
        env.rid,
        0,
    )
    assert distributor.distributionCount() == 1
    assert distributor.isExcluded(1, treasury)
    assert distributor.isPaid(1, treasury)


def test_create_requires_issuer_role(env: Env, distributor: Any, alice: Any) -> None:
    with ape.reverts(distributor.NotIssuer, account=alice.address):
        distributor.createDistribution(
            eth_params(env.token, env.rid, ETHER, env.expiry()), value=ETHER, sender=alice
        )


def test_create_requires_record_date_passed(
    chain: Any, holders: Any, distributor: Any, issuer: Any
) -> None:
    rid, _ = schedule_record_date(chain, holders, issuer, delay=3600)
    expiry = chain.pending_timestamp + 30 * DAY
    with ape.reverts(distributor.RecordDateNotPassed, recordDateId=rid):
        distributor.createDistribution(
            eth_params(holders, rid, ETHER, expiry), value=ETHER, sender=issuer
        )
    with ape.reverts(distributor.RecordDateNotPassed, recordDateId=rid + 5):
        distributor.createDistribution(
            eth_params(holders, rid + 5, ETHER, expiry), value=ETHER, sender=issuer
        )


def test_create_rejects_bad_terms(
    env: Env, distributor: Any, stablecoin: Any, tax_wallet: Any
) -> None:
    past = env.chain.pending_timestamp - 1
    with ape.reverts(distributor.ExpiryNotInFuture):
        distributor.createDistribution(
            eth_params(env.token, env.rid, ETHER, past), value=ETHER, sender=env.issuer
        )
    with ape.reverts(distributor.InvalidWithholding):
        distributor.createDistribution(
            eth_params(
                env.token,
                env.rid,
                ETHER,
                env.expiry(),
                withholding_bps=10_001,
                tax_wallet=tax_wallet,
            ),
            value=ETHER,
            sender=env.issuer,
        )
    with ape.reverts(distributor.InvalidWithholding):
        distributor.createDistribution(
            eth_params(env.token, env.rid, ETHER, env.expiry(), withholding_bps=3000),
            value=ETHER,
            sender=env.issuer,
        )
    with ape.reverts(distributor.ValueMismatch):
        distributor.createDistribution(
            eth_params(env.token, env.rid, ETHER, env.expiry()), value=ETHER - 1, sender=env.issuer
        )
    with ape.reverts(distributor.ZeroDeposit):
        distributor.createDistribution(
            eth_params(env.token, env.rid, 0, env.expiry()), value=0, sender=env.issuer
        )
    stablecoin.approve(distributor, 10, sender=env.issuer)
    with ape.reverts(distributor.ValueMismatch):
        distributor.createDistribution(
            erc20_params(env.token, env.rid, stablecoin, 10, env.expiry()),
            value=1,
            sender=env.issuer,
        )


def test_excluded_wallets_leave_the_denominator(
    env: Env, distributor: Any, issuer: Any, treasury: Any, alice: Any, deployer: Any
) -> None:
    # A fresh record date with the treasury holding 1,000 (supply 2,000).
    env.token.issue(treasury, 1000, b"", sender=issuer)
    env.rid = pass_record_date(env.chain, env.token, issuer)
    did = env.eth(2 * ETHER, excluded=[treasury])
    assert distributor.distribution(did).eligibleSupply == 1000
    assert distributor.entitlementOf(did, alice) == 2 * ETHER * 600 // 1000
    assert distributor.entitlementOf(did, treasury) == 0
    with ape.reverts(distributor.ExcludedHolder, id=did, holder=treasury.address):
        distributor.claim(did, sender=treasury)
    assert claimed_eth(distributor, did, alice, alice) == 6 * ETHER // 5


def test_all_excluded_is_an_error(
    env: Env, distributor: Any, alice: Any, bob: Any, carol: Any
) -> None:
    with ape.reverts(distributor.NothingEligible):
        distributor.createDistribution(
            eth_params(env.token, env.rid, ETHER, env.expiry(), excluded=[alice, bob, carol]),
            value=ETHER,
            sender=env.issuer,
        )


def test_excluded_list_is_bounded_and_unique(
    env: Env, distributor: Any, alice: Any, accounts: Any
) -> None:
    with ape.reverts(distributor.DuplicateExcluded, account=alice.address):
        distributor.createDistribution(
            eth_params(env.token, env.rid, ETHER, env.expiry(), excluded=[alice, alice]),
            value=ETHER,
            sender=env.issuer,
        )
    many = [f"0x{i:040x}" for i in range(1, 18)]
    with ape.reverts(distributor.TooManyExcluded, count=17, max=16):
        distributor.createDistribution(
            eth_params(env.token, env.rid, ETHER, env.expiry(), excluded=many),
            value=ETHER,
            sender=env.issuer,
        )


def test_creation_cost_does_not_grow_with_holders(
    chain: Any, suite: Any, distributor: Any, issuer: Any, verify: Any, accounts: Any
) -> None:
    """Gas of createDistribution with 3 holders and with 30 holders is the same."""
    gas = []
    wallets = [accounts.generate_test_account() for _ in range(27)]
    # A first distribution (holders irrelevant) so that both measured ones find the counter set.
    verify(accounts[7])
    suite.issue(accounts[7], 10, b"", sender=issuer)
    rid = pass_record_date(chain, suite, issuer)
    distributor.createDistribution(
        eth_params(suite, rid, 1, chain.pending_timestamp + DAY), value=1, sender=issuer
    )
    for batch in ([accounts[4], accounts[5], accounts[6]], wallets):
        for w in batch:
            verify(w)
            suite.issue(w, 10, b"", sender=issuer)
        rid = pass_record_date(chain, suite, issuer)
        receipt = distributor.createDistribution(
            eth_params(suite, rid, ETHER, chain.pending_timestamp + DAY), value=ETHER, sender=issuer
        )
        gas.append(receipt.gas_used)
    assert abs(gas[1] - gas[0]) <= gas[0] * 0.02, gas


# --------------------------------------------------------------------------------------------
# claims
# --------------------------------------------------------------------------------------------


def test_claim_pays_pro_rata_in_eth(
    env: Env, distributor: Any, alice: Any, bob: Any, carol: Any, deployer: Any
) -> None:
    did = env.eth(ETHER)
    for wallet, shares in ((alice, 600), (bob, 300), (carol, 100)):
        got = claimed_eth(distributor, did, wallet, wallet)
        assert got == ETHER * shares // 1000
    info = distributor.distribution(did)
    assert info.released == ETHER


def test_claim_emits_claimed_and_marks_paid(env: Env, distributor: Any, alice: Any) -> None:
    did = env.eth(ETHER)
    assert not distributor.isPaid(did, alice)
    receipt = distributor.claim(did, sender=alice)
    [event] = receipt.decode_logs(distributor.Claimed)
    assert (event.id, event.holder, event.payee, event.amount, event.withheld) == (
        did,
        alice.address,
        alice.address,
        ETHER * 6 // 10,
        0,
    )
    assert distributor.isPaid(did, alice)
    assert receipt.return_value == ETHER * 6 // 10 or receipt.return_value is None


def test_claim_pays_in_erc20(
    env: Env, distributor: Any, stablecoin: Any, alice: Any, bob: Any
) -> None:
    did = env.erc20(stablecoin, 1_000_000)
    distributor.claim(did, sender=alice)
    distributor.claim(did, sender=bob)
    assert stablecoin.balanceOf(alice) == 600_000
    assert stablecoin.balanceOf(bob) == 300_000
    assert stablecoin.balanceOf(distributor) == 100_000


def test_claim_transfer_claim_pays_once(
    env: Env, distributor: Any, alice: Any, dave: Any, deployer: Any
) -> None:
    """claim, move the tokens to another wallet, claim again from it: one share in total."""
    did = env.eth(ETHER)
    distributor.claim(did, sender=alice)
    env.token.transfer(dave, 600, sender=alice)
    with ape.reverts(distributor.AlreadyPaid, id=did, holder=alice.address):
        distributor.claim(did, sender=alice)
    with ape.reverts(distributor.NothingDue, id=did, holder=dave.address):
        distributor.claim(did, sender=dave)
    # and back again: still nothing more for alice
    env.token.transfer(alice, 600, sender=dave)
    with ape.reverts(distributor.AlreadyPaid):
        distributor.claimFor(did, alice, sender=deployer)
    assert distributor.distribution(did).released == ETHER * 6 // 10


def test_transfers_after_record_date_do_not_change_shares(
    env: Env, distributor: Any, alice: Any, bob: Any, deployer: Any
) -> None:
    env.token.transfer(bob, 500, sender=alice)  # after the record date, before the distribution
    did = env.eth(ETHER)
    assert claimed_eth(distributor, did, bob, bob) == ETHER * 3 // 10
    assert claimed_eth(distributor, did, alice, alice) == ETHER * 6 // 10


def test_tokens_received_in_the_record_date_block_carry_nothing(
    chain: Any, holders: Any, distributor: Any, issuer: Any, alice: Any, dave: Any
) -> None:
    rid, ts = schedule_record_date(chain, holders, issuer, delay=120)
    chain.pending_timestamp = ts  # the next block is the first one at the record date
    holders.transfer(dave, 600, sender=alice)
    assert chain.blocks.head.timestamp == ts
    expiry = chain.pending_timestamp + DAY
    distributor.createDistribution(
        eth_params(holders, rid, ETHER, expiry), value=ETHER, sender=issuer
    )
    assert distributor.entitlementOf(1, dave) == 0
    assert distributor.entitlementOf(1, alice) == ETHER * 6 // 10
    with ape.reverts(distributor.NothingDue):
        distributor.claim(1, sender=dave)


def test_claim_unknown_distribution(env: Env, distributor: Any, alice: Any) -> None:
    with ape.reverts(distributor.UnknownDistribution, id=7):
        distributor.claim(7, sender=alice)


def test_claim_gas_under_target(env: Env, distributor: Any, alice: Any, bob: Any) -> None:
    first = env.eth(ETHER)
    second = env.eth(ETHER)
    first_claim = distributor.claim(first, sender=alice).gas_used
    repeat_claim = distributor.claim(second, sender=alice).gas_used
    # A wallet's first claim writes its paid-flag word (a fresh slot); later ones flip a bit.
    assert repeat_claim < CLAIM_GAS_TARGET, repeat_claim
    assert first_claim < CLAIM_GAS_TARGET + 8_000, first_claim


# --------------------------------------------------------------------------------------------
# push
# --------------------------------------------------------------------------------------------


def test_push_pays_those_who_never_claimed(
    env: Env, distributor: Any, alice: Any, bob: Any, carol: Any, dave: Any
) -> None:
    did = env.eth(ETHER)
    distributor.claim(did, sender=alice)
    before = (bob.balance, carol.balance)
    receipt = distributor.push(did, [alice, bob, carol, dave, bob], sender=env.issuer)
    assert (bob.balance - before[0], carol.balance - before[1]) == (ETHER * 3 // 10, ETHER // 10)
    paid = [(e.holder, e.amount) for e in receipt.decode_logs(distributor.Claimed)]
    assert paid == [(bob.address, ETHER * 3 // 10), (carol.address, ETHER // 10)]
    skipped = [(e.holder, e.reason) for e in receipt.decode_logs(distributor.PushSkipped)]
    assert skipped == [(alice.address, 1), (dave.address, 3), (bob.address, 1)]
    assert distributor.distribution(did).released == ETHER


def test_push_requires_issuer(env: Env, distributor: Any, alice: Any, bob: Any) -> None:
    did = env.eth(ETHER)
    with ape.reverts(distributor.NotIssuer):
        distributor.push(did, [bob], sender=alice)


@pytest.mark.parametrize("mode", [3, 4], ids=["reverting-receiver", "gas-burning-receiver"])
def test_push_survives_a_hostile_receiver(
    env: Env,
    project: Any,
    distributor: Any,
    verify: Any,
    issuer: Any,
    deployer: Any,
    bob: Any,
    mode: int,
) -> None:
    claimer = project.ReentrantClaimer.deploy(sender=deployer)
    verify(claimer)
    env.token.issue(claimer, 1000, b"", sender=issuer)  # supply 2,000 at the next record date
    env.rid = pass_record_date(env.chain, env.token, issuer)
    did = env.eth(ETHER)
    claimer.configure(distributor, did, mode, sender=deployer)
    before = bob.balance
    receipt = distributor.push(did, [claimer, bob], sender=issuer)
    assert bob.balance - before == ETHER * 300 // 2000
    [skip] = receipt.decode_logs(distributor.PushSkipped)
    assert (skip.holder, skip.reason) == (claimer.address, 4)
    assert not distributor.isPaid(did, claimer)
    assert distributor.distribution(did).released == ETHER * 300 // 2000
    # once it accepts payment, it can still claim its share
    claimer.configure(distributor, did, 0, sender=deployer)
    claimer.claim(distributor, did, sender=deployer)
    assert claimer.balance == ETHER // 2


def test_push_gas_per_holder_is_flat(
    env: Env, distributor: Any, alice: Any, bob: Any, carol: Any
) -> None:
    one = env.eth(ETHER)
    two = env.eth(ETHER)
    g1 = distributor.push(one, [alice], sender=env.issuer).gas_used
    g3 = distributor.push(two, [alice, bob, carol], sender=env.issuer).gas_used
    assert g3 < 3.2 * g1


# --------------------------------------------------------------------------------------------
# withholding
# --------------------------------------------------------------------------------------------


def test_withholding_applies_to_flagged_investors(
    env: Env,
    distributor: Any,
    verify: Any,
    alice: Any,
    bob: Any,
    tax_wallet: Any,
    deployer: Any,
) -> None:
    verify(alice, withholding=True)
    did = env.eth(ETHER, withholding_bps=3000, tax_wallet=tax_wallet)
    receipt = distributor.claim(did, sender=alice)
    [event] = receipt.decode_logs(distributor.Claimed)
    gross = ETHER * 6 // 10
    assert (event.amount, event.withheld) == (gross - gross * 3 // 10, gross * 3 // 10)
    got_bob = claimed_eth(distributor, did, bob, bob)
    assert got_bob == ETHER * 3 // 10  # not flagged: nothing withheld
    info = distributor.distribution(did)
    assert info.withheld == gross * 3 // 10
    assert info.released == gross + ETHER * 3 // 10

    before = tax_wallet.balance
    receipt = distributor.withdrawWithheld(did, sender=deployer)
    assert tax_wallet.balance - before == gross * 3 // 10
    [w] = receipt.decode_logs(distributor.WithheldWithdrawn)
    assert (w.id, w.taxWallet, w.amount) == (did, tax_wallet.address, gross * 3 // 10)
    with ape.reverts(distributor.NothingWithheld, id=did):
        distributor.withdrawWithheld(did, sender=deployer)


def test_withholding_in_erc20_and_after_expiry(
    env: Env,
    distributor: Any,
    stablecoin: Any,
    verify: Any,
    alice: Any,
    tax_wallet: Any,
    deployer: Any,
) -> None:
    verify(alice, withholding=True)
    did = env.erc20(stablecoin, 1_000_000, withholding_bps=1500, tax_wallet=tax_wallet)
    distributor.claim(did, sender=alice)
    assert stablecoin.balanceOf(alice) == 600_000 - 90_000
    env.expire()
    distributor.reclaim(did, sender=env.issuer)
    distributor.withdrawWithheld(did, sender=deployer)
    assert stablecoin.balanceOf(tax_wallet) == 90_000
    assert stablecoin.balanceOf(distributor) == 0


# --------------------------------------------------------------------------------------------
# expiry and reclaim
# --------------------------------------------------------------------------------------------


def test_reclaim_after_expiry_and_claims_then_revert(
    env: Env, distributor: Any, alice: Any, bob: Any, issuer: Any
) -> None:
    did = env.eth(ETHER)
    distributor.claim(did, sender=alice)
    with ape.reverts(distributor.DistributionNotExpired):
        distributor.reclaim(did, sender=issuer)
    env.expire()
    with ape.reverts(distributor.DistributionExpired, id=did):
        distributor.claim(did, sender=bob)
    with ape.reverts(distributor.DistributionExpired, id=did):
        distributor.push(did, [bob], sender=issuer)
    with ape.reverts(distributor.NotIssuer):
        distributor.reclaim(did, sender=bob)
    before = issuer.balance
    receipt = distributor.reclaim(did, sender=issuer)
    fee = receipt.gas_used * receipt.gas_price
    assert issuer.balance - before + fee == ETHER * 4 // 10
    [event] = receipt.decode_logs(distributor.Reclaimed)
    assert (event.id, event.to, event.amount) == (did, issuer.address, ETHER * 4 // 10)
    info = distributor.distribution(did)
    assert info.isReclaimed and info.reclaimed == ETHER * 4 // 10
    with ape.reverts(distributor.AlreadyReclaimed, id=did):
        distributor.reclaim(did, sender=issuer)
    assert distributor.balance == 0


# --------------------------------------------------------------------------------------------
# rounding
# --------------------------------------------------------------------------------------------


def test_one_wei_over_three_equal_holders(
    chain: Any, suite: Any, distributor: Any, issuer: Any, alice: Any, bob: Any, carol: Any
) -> None:
    for w in (alice, bob, carol):
        suite.issue(w, 1, b"", sender=issuer)
    rid = pass_record_date(chain, suite, issuer)
    distributor.createDistribution(
        eth_params(suite, rid, 1, chain.pending_timestamp + DAY), value=1, sender=issuer
    )
    for w in (alice, bob, carol):
        assert distributor.entitlementOf(1, w) == 0
        with ape.reverts(distributor.NothingDue):
            distributor.claim(1, sender=w)
    receipt = distributor.push(1, [alice, bob, carol], sender=issuer)
    assert [e.reason for e in receipt.decode_logs(distributor.PushSkipped)] == [3, 3, 3]
    chain.mine(timestamp=chain.pending_timestamp + 2 * DAY)
    receipt = distributor.reclaim(1, sender=issuer)
    assert receipt.decode_logs(distributor.Reclaimed)[0].amount == 1


@pytest.mark.parametrize("amount", [2**120 - 1, 2**120 + 7, 2**128 - 1])
def test_huge_amount_rounds_down_with_bounded_dust(
    env: Env,
    distributor: Any,
    stablecoin: Any,
    deployer: Any,
    issuer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    amount: int,
) -> None:
    stablecoin.mint(issuer, amount, sender=deployer)
    did = env.erc20(stablecoin, amount)
    distributor.push(did, [alice, bob, carol], sender=issuer)
    paid = [stablecoin.balanceOf(w) for w in (alice, bob, carol)]
    assert paid == [amount * s // 1000 for s in (600, 300, 100)]
    dust = amount - sum(paid)
    assert 0 <= dust <= 3
    assert stablecoin.balanceOf(distributor) == dust


def test_deposit_beyond_128_bits_is_refused(
    env: Env, distributor: Any, stablecoin: Any, deployer: Any, issuer: Any
) -> None:
    assert distributor.MAX_DEPOSIT() == 2**128 - 1
    stablecoin.mint(issuer, 2**129, sender=deployer)
    stablecoin.approve(distributor, 2**128, sender=issuer)
    with ape.reverts(distributor.DepositTooLarge):
        distributor.createDistribution(
            erc20_params(env.token, env.rid, stablecoin, 2**128, env.expiry()), sender=issuer
        )


# --------------------------------------------------------------------------------------------
# fee-on-transfer assets
# --------------------------------------------------------------------------------------------


def test_fee_on_transfer_credits_what_arrived(
    env: Env, distributor: Any, fee_token: Any, alice: Any, bob: Any, carol: Any, issuer: Any
) -> None:
    did = env.erc20(fee_token, 1_000_000)  # 1% burned on the way in
    info = distributor.distribution(did)
    assert info.deposit == 990_000 == fee_token.balanceOf(distributor)
    for w in (alice, bob, carol):
        distributor.claim(did, sender=w)
    # shares of what arrived; the token burns 1% again on the way out
    assert [fee_token.balanceOf(w) for w in (alice, bob, carol)] == [
        x - x // 100 for x in (594_000, 297_000, 99_000)
    ]
    assert distributor.distribution(did).released == 990_000
    assert fee_token.balanceOf(distributor) == 0


# --------------------------------------------------------------------------------------------
# reentrancy
# --------------------------------------------------------------------------------------------


@pytest.fixture
def attacker(env: Env, project: Any, verify: Any, issuer: Any, deployer: Any) -> Any:
    """A contract holder of 1,000 (supply 2,000) on a fresh record date."""
    claimer = project.ReentrantClaimer.deploy(sender=deployer)
    verify(claimer)
    env.token.issue(claimer, 1000, b"", sender=issuer)
    env.rid = pass_record_date(env.chain, env.token, issuer)
    return claimer


@pytest.mark.parametrize("mode", [1, 2], ids=["claim", "claimFor"])
def test_reentrant_eth_receiver_gets_exactly_its_share(
    env: Env, distributor: Any, attacker: Any, deployer: Any, mode: int
) -> None:
    did = env.eth(2 * ETHER)
    attacker.configure(distributor, did, mode, sender=deployer)
    attacker.claim(distributor, did, sender=deployer)
    assert attacker.balance == ETHER
    assert attacker.reentryAttempts() == 1
    assert attacker.reentrySuccesses() == 0
    assert bytes(attacker.lastReentryError()) == REENTRANT_CALL
    assert distributor.distribution(did).released == ETHER


def test_reentrant_eth_receiver_cannot_drain_another_distribution(
    env: Env, distributor: Any, attacker: Any, deployer: Any
) -> None:
    first = env.eth(2 * ETHER)
    second = env.eth(2 * ETHER)
    attacker.configure(distributor, second, 1, sender=deployer)
    attacker.claim(distributor, first, sender=deployer)
    assert attacker.balance == ETHER
    assert attacker.reentrySuccesses() == 0
    assert not distributor.isPaid(second, attacker)


def test_reentrant_erc20_callback_gets_exactly_its_share(
    env: Env, distributor: Any, attacker: Any, callback_token: Any, deployer: Any, alice: Any
) -> None:
    did = env.erc20(callback_token, 2_000_000)
    attacker.configure(distributor, did, 1, sender=deployer)
    attacker.claim(distributor, did, sender=deployer)
    assert callback_token.balanceOf(attacker) == 1_000_000
    assert attacker.reentryAttempts() == 1
    assert attacker.reentrySuccesses() == 0
    assert bytes(attacker.lastReentryError()) == REENTRANT_CALL
    distributor.claim(did, sender=alice)
    assert callback_token.balanceOf(alice) == 600_000
    assert callback_token.balanceOf(distributor) == 400_000


# --------------------------------------------------------------------------------------------
# wallet recovery
# --------------------------------------------------------------------------------------------


def test_recovered_wallet_share_goes_to_successor(
    env: Env, distributor: Any, controller: Any, alice: Any, bob: Any, dave: Any
) -> None:
    did = env.eth(ETHER)
    env.token.recoverWallet(alice, dave, b"court order 42", sender=controller)
    assert env.token.successorOf(alice) == dave.address
    # whoever holds alice's lost key can no longer claim, not even to send the share to dave
    with ape.reverts(distributor.WalletSuperseded, wallet=alice.address, successor=dave.address):
        distributor.claim(did, sender=alice)
    with ape.reverts(distributor.WalletSuperseded, wallet=alice.address, successor=dave.address):
        distributor.claimFor(did, alice, sender=alice)
    with ape.reverts(distributor.NotPayee, id=did, holder=alice.address, caller=bob.address):
        distributor.claimFor(did, alice, sender=bob)
    before = dave.balance
    receipt = distributor.claimFor(did, alice, sender=dave)
    [event] = receipt.decode_logs(distributor.Claimed)
    assert (event.holder, event.payee) == (alice.address, dave.address)
    assert dave.balance - before + receipt.gas_used * receipt.gas_price == ETHER * 6 // 10
    # and only once; dave held nothing himself at the record date
    with ape.reverts(distributor.AlreadyPaid):
        distributor.claimFor(did, alice, sender=dave)
    with ape.reverts(distributor.NothingDue):
        distributor.claim(did, sender=dave)


def test_successor_collects_with_claim_for(
    env: Env, distributor: Any, controller: Any, alice: Any, dave: Any, deployer: Any
) -> None:
    did = env.eth(ETHER)
    env.token.recoverWallet(alice, dave, b"ticket 7", sender=controller)
    assert claimed_eth(distributor, did, alice, dave) == ETHER * 6 // 10


def test_recovery_before_the_record_date_moves_the_entitlement(
    chain: Any,
    holders: Any,
    distributor: Any,
    controller: Any,
    issuer: Any,
    alice: Any,
    dave: Any,
    deployer: Any,
) -> None:
    holders.recoverWallet(alice, dave, b"before", sender=controller)
    rid = pass_record_date(chain, holders, issuer)
    distributor.createDistribution(
        eth_params(holders, rid, ETHER, chain.pending_timestamp + DAY), value=ETHER, sender=issuer
    )
    assert distributor.entitlementOf(1, alice) == 0
    assert claimed_eth(distributor, 1, dave, dave) == ETHER * 6 // 10


# --------------------------------------------------------------------------------------------
# KYC and freeze policy
# --------------------------------------------------------------------------------------------


def test_lapsed_kyc_may_still_claim(
    env: Env,
    distributor: Any,
    verify: Any,
    registry: Any,
    compliance_officer: Any,
    alice: Any,
    bob: Any,
    deployer: Any,
) -> None:
    did = env.eth(ETHER)
    verify(alice, kyc_expiry=env.chain.pending_timestamp + 10)
    env.chain.mine(timestamp=env.chain.pending_timestamp + 100)
    assert not registry.isVerified(alice)
    assert claimed_eth(distributor, did, alice, alice) == ETHER * 6 // 10
    registry.removeInvestor(bob, sender=compliance_officer)
    assert claimed_eth(distributor, did, bob, bob) == ETHER * 3 // 10


def test_frozen_investor_cannot_claim_until_unfrozen(
    env: Env, distributor: Any, registry: Any, compliance_officer: Any, alice: Any, deployer: Any
) -> None:
    did = env.eth(ETHER)
    registry.setFrozen(alice, True, sender=compliance_officer)
    with ape.reverts(distributor.InvestorFrozen, id=did, payee=alice.address):
        distributor.claim(did, sender=alice)
    receipt = distributor.push(did, [alice], sender=env.issuer)
    assert [(e.holder, e.reason) for e in receipt.decode_logs(distributor.PushSkipped)] == [
        (alice.address, 2)
    ]
    registry.setFrozen(alice, False, sender=compliance_officer)
    assert claimed_eth(distributor, did, alice, alice) == ETHER * 6 // 10


def test_frozen_share_is_reclaimed_at_expiry(
    env: Env,
    distributor: Any,
    registry: Any,
    compliance_officer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    issuer: Any,
) -> None:
    did = env.eth(ETHER)
    registry.setFrozen(alice, True, sender=compliance_officer)
    distributor.push(did, [alice, bob, carol], sender=issuer)
    env.expire()
    receipt = distributor.reclaim(did, sender=issuer)
    assert receipt.decode_logs(distributor.Reclaimed)[0].amount == ETHER * 6 // 10
    registry.setFrozen(alice, False, sender=compliance_officer)
    with ape.reverts(distributor.DistributionExpired):
        distributor.claim(did, sender=alice)


def test_record_written_with_packed_layout(registry: Any, alice: Any, verify: Any) -> None:
    """Guards the helper the withholding tests rely on: flag 8 sets record bit 147."""
    verify(alice, withholding=True)
    word = registry.recordOf(alice)
    assert word == record(withholding=True)
    assert (word >> 144) & 8
    assert word & ((1 << 64) - 1) == FAR_FUTURE
