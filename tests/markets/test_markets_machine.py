"""A Hypothesis state machine over the money flows on the real token and registry: primary
offerings (subscriptions, closes, cancels, pulled and pushed deliveries, refunds), delivery
versus payment trades (proposals, acceptances, settlements, cancels, expiries) and first-come
buy-backs (tenders), with KYC lapsing and being renewed and time moving in between.

The model predicts every call's outcome (success or refusal) from the rules alone: the offering's
status, window, limits and hard cap, the trade's status, affirmations and expiry, and the token's
compliance (only KYC varies here: a wallet receives shares only while verified, a seller sends
only while verified; a redemption needs neither). A call that succeeds where the model refuses
would be a compliance rule skipped; one that fails where the model accepts, a rule invented.

Checked after every step:
- every balance of the payment asset and of the token (investors, issuer, treasury, the three
  contracts) equals the model's, so no settlement is half done (a trade moved both legs or none);
  the settlement contract holds exactly the payments of proposed trades their buyers affirmed;
- conservation of the payment asset: the supply never changes, and per offering every unit
  subscribed is at the treasury, refunded or still held by the offering contract (on-chain
  books equal the model; the contract's balance is the sum of what its offerings hold); the
  buy-back contract holds exactly the unspent deposits;
- shares issued by an offering <= sold <= hard cap; the token's supply = issued - redeemed.

Each example runs between ``chain.snapshot()`` and ``chain.restore()`` over a suite deployed once
per module; every transaction is mined at the model's clock (one second per call).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import ape
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sectoken.chain.contracts import container
from sectoken.model.records import InvestorRecord

FAR_FUTURE = 4_102_444_800
LAPSED = 1_000_000  # a KYC expiry long past
US = 840
DAY = 86_400
PRICE = 3  # payment units per share (0-decimal token)
START_MONEY = 10_000
INVESTORS = 4  # alice, bob, carol, dave
START_SHARES = 100  # issued to each investor before the first example (trades, tenders)
EXAMPLE_DIVISOR = 3  # quick: 8 examples of 30 steps; deep: 166 of 60
MIN_STEPS = 30  # a delivery needs a subscription, the end, a close and a claim

ACTIVE, SUCCEEDED, FAILED, CANCELLED = 1, 2, 3, 4
PROPOSED, SETTLED, T_CANCELLED = 1, 2, 3

WHO = st.integers(0, INVESTORS - 1)
BALANCE_OF = bytes.fromhex("70a08231")


def record(expiry: int) -> int:
    return InvestorRecord(kyc_expiry=expiry, country=US, accredited=True).pack()


@dataclass
class Env:
    chain: Any
    token: Any
    registry: Any
    coin: Any
    offerings: Any
    settlement: Any
    buybacks: Any
    issuer: Any
    officer: Any
    treasury: Any
    investors: list[Any]


@pytest.fixture(scope="module")
def env(project: Any, chain: Any, accounts: Any) -> Env:
    admin, issuer, officer, treasury = accounts[0], accounts[1], accounts[2], accounts[8]
    investors = [accounts[i] for i in (4, 5, 6, 7)]
    registry = project.InvestorRegistry.deploy(admin, sender=admin)
    registry.grantRole(registry.COMPLIANCE_ROLE(), officer, sender=admin)
    token = container(project, "SecurityToken").deploy(
        "Acme",
        "ACME",
        0,
        registry,
        admin,
        project.SecurityTokenAdmin.deploy(sender=admin),
        sender=admin,
    )
    token.grantRole(token.ISSUER_ROLE(), issuer, sender=admin)
    token.grantRole(token.COMPLIANCE_ROLE(), officer, sender=admin)
    offerings = project.PrimaryOffering.deploy(sender=admin)
    settlement = project.TradeSettlement.deploy(sender=admin)
    buybacks = project.BuybackOffers.deploy(sender=admin)
    token.grantRole(token.ISSUER_ROLE(), offerings, sender=admin)
    if any(getattr(m, "name", "") == "setApprovedOperator" for m in token.contract_type.abi):
        token.setApprovedOperator(settlement, True, sender=officer)
        token.setApprovedOperator(buybacks, True, sender=officer)
    coin = project.MockStablecoin.deploy(sender=admin)
    for wallet in (*investors, issuer):
        coin.mint(wallet, START_MONEY, sender=admin)
        coin.approve(offerings, 2**255, sender=wallet)
        coin.approve(settlement, 2**255, sender=wallet)
        coin.approve(buybacks, 2**255, sender=wallet)
    for wallet in investors:
        token.approve(settlement, 2**255, sender=wallet)
        token.approve(buybacks, 2**255, sender=wallet)
    registry.setInvestors(investors, [record(FAR_FUTURE)] * INVESTORS, sender=officer)
    for wallet in investors:
        token.issue(wallet, START_SHARES, b"", sender=issuer)
    return Env(
        chain,
        token,
        registry,
        coin,
        offerings,
        settlement,
        buybacks,
        issuer,
        officer,
        treasury,
        investors,
    )


@dataclass
class Offer:
    start: int
    end: int
    hard_cap: int
    soft_cap: int
    min_shares: int
    max_shares: int
    window: int
    status: int = ACTIVE
    sold: int = 0
    issued: int = 0
    to_treasury: int = 0
    refunded: int = 0
    deadline: int = 0
    subs: dict[int, int] = field(default_factory=dict)  # investor -> shares


@dataclass
class Trade:
    seller: int
    buyer: int
    shares: int
    amount: int
    expiry: int
    affirmed: set[int]
    status: int = PROPOSED


@dataclass
class Buyback:
    max_shares: int
    price: int
    deadline: int
    redeemed: int = 0
    closed: bool = False


class MarketsMachine(RuleBasedStateMachine):
    env: ClassVar[Env]
    calls: ClassVar[dict[str, int]] = {}

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = self.env.chain.snapshot()
        self.now = int(self.env.chain.pending_timestamp) + 10
        self.verified = [True] * INVESTORS
        self.coin = {i: START_MONEY for i in range(INVESTORS)}
        self.coin_issuer = START_MONEY
        self.shares = dict.fromkeys(range(INVESTORS), START_SHARES)
        self.offers: list[Offer] = []
        self.trades: list[Trade] = []
        self.buybacks: list[Buyback] = []
        self.redeemed = 0

    def teardown(self) -> None:
        self.env.chain.restore(self.snapshot)

    # ------------------------------------------------------------------ plumbing

    def tick(self) -> None:
        self.now += 1
        self.env.chain.pending_timestamp = self.now

    def send(self, name: str, expected: bool, call: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one transaction at the model's clock; its success must be the model's prediction."""
        self.tick()
        try:
            receipt = call(*args, **kwargs)
        except ape.exceptions.ContractLogicError as exc:
            assert not expected, f"{name}: the model expected success, the chain refused: {exc}"
            self.calls[name + " refused"] = self.calls.get(name + " refused", 0) + 1
            return None
        assert expected, f"{name}: the model expected a refusal, the chain accepted"
        self.calls[name] = self.calls.get(name, 0) + 1
        return receipt

    def wallet(self, i: int) -> Any:
        return self.env.investors[i]

    def balance(self, asset: Any, holder: Any) -> int:
        """``asset.balanceOf(holder)`` by a bare eth_call (the invariants make dozens a step)."""
        address = holder if isinstance(holder, str) else holder.address
        data = BALANCE_OF + bytes(12) + bytes.fromhex(address[2:])
        web3 = self.env.chain.provider.web3
        return int.from_bytes(web3.eth.call({"to": asset.address, "data": data}), "big")

    # ------------------------------------------------------------------ offerings

    @initialize(
        hard_cap=st.integers(60, 400),
        soft_pct=st.sampled_from([0, 0, 30, 90]),
        min_shares=st.sampled_from([0, 0, 5]),
        max_pct=st.sampled_from([0, 50, 100]),
        duration=st.integers(DAY, 5 * DAY),
        seeds=st.lists(st.integers(0, 40), min_size=INVESTORS, max_size=INVESTORS),
    )
    def first_offering(
        self,
        hard_cap: int,
        soft_pct: int,
        min_shares: int,
        max_pct: int,
        duration: int,
        seeds: list[int],
    ) -> None:
        """Open the first offering and let every investor subscribe (0: not), so that closes,
        deliveries and refunds have something to work on from the first step."""
        self.open_offering(hard_cap, soft_pct, min_shares, max_pct, duration)
        for who, shares in enumerate(seeds):
            if shares:
                self.subscribe(who, 0, shares)

    @precondition(lambda self: len(self.offers) < 3)
    @rule(
        hard_cap=st.integers(60, 400),
        soft_pct=st.sampled_from([0, 30, 90]),
        min_shares=st.sampled_from([0, 5]),
        max_pct=st.sampled_from([0, 50]),
        duration=st.integers(DAY, 5 * DAY),
    )
    def open_offering(
        self, hard_cap: int, soft_pct: int, min_shares: int, max_pct: int, duration: int
    ) -> None:
        max_shares = hard_cap * max_pct // 100 if max_pct else hard_cap
        min_shares = min(min_shares, max_shares)
        start = self.now + 1
        o = Offer(
            start,
            start + duration,
            hard_cap,
            hard_cap * soft_pct // 100,
            min_shares,
            max_shares,
            10 * DAY,
        )
        e = self.env
        params = (
            e.token,
            e.coin,
            e.treasury,
            PRICE,
            o.min_shares,
            max_shares,
            hard_cap,
            o.soft_cap,
            start,
            o.end,
            o.window,
        )
        self.send("open offering", True, e.offerings.createOffering, params, sender=e.issuer)
        self.offers.append(o)

    @precondition(lambda self: self.offers)
    @rule(
        who=WHO,
        k=st.integers(0, 2),
        shares=st.one_of(st.integers(1, 60), st.sampled_from([150, 500])),
    )
    def subscribe(self, who: int, k: int, shares: int) -> None:
        oid = k % len(self.offers)
        o = self.offers[oid]
        at = self.now + 1
        total = o.subs.get(who, 0) + shares
        ok = (
            o.status == ACTIVE
            and o.start <= at < o.end
            and shares <= o.hard_cap - o.sold
            and o.min_shares <= total <= o.max_shares
            and self.verified[who]
            and self.coin[who] >= shares * PRICE
        )
        if self.send(
            "subscribe", ok, self.env.offerings.subscribe, oid + 1, shares, sender=self.wallet(who)
        ):
            o.subs[who] = total
            o.sold += shares
            self.coin[who] -= shares * PRICE

    @precondition(lambda self: self.offers)
    @rule(k=st.integers(0, 2))
    def close_offering(self, k: int) -> None:
        oid = k % len(self.offers)
        o = self.offers[oid]
        at = self.now + 1
        ok = o.status == ACTIVE and (at >= o.end or o.sold == o.hard_cap)
        if self.send("close", ok, self.env.offerings.close, oid + 1, sender=self.env.issuer):
            if o.sold >= o.soft_cap and o.sold > 0:
                o.status, o.deadline = SUCCEEDED, at + o.window
            else:
                o.status = FAILED

    @precondition(lambda self: any(o.status == ACTIVE and o.sold for o in self.offers))
    @rule(k=st.integers(0, 2))
    def run_to_the_end_and_close(self, k: int) -> None:
        """Jump to the end of an active offering that took money and close it."""
        active = [i for i, o in enumerate(self.offers) if o.status == ACTIVE and o.sold]
        oid = active[k % len(active)]
        self.now = max(self.now, self.offers[oid].end)
        self.close_offering(oid)

    @precondition(lambda self: self.trades)
    @rule(k=st.integers(0, 20))
    def accept_and_settle(self, k: int) -> None:
        """The buyer affirms (if it has not) and settles in one call."""
        tid, t = self._trade(k)
        ok = (
            t.status == PROPOSED
            and self.now + 1 < t.expiry
            and t.buyer not in t.affirmed
            and self.shares[t.seller] >= t.shares
            and self.verified[t.seller]
            and self.verified[t.buyer]
            and self.coin[t.buyer] >= t.amount  # taken and held, then paid out
        )
        if self.send(
            "accept and settle",
            ok,
            self.env.settlement.acceptAndSettle,
            tid + 1,
            sender=self.wallet(t.buyer),
        ):
            t.affirmed.add(t.buyer)
            t.status = SETTLED
            self.shares[t.seller] -= t.shares
            self.shares[t.buyer] += t.shares
            self.coin[t.buyer] -= t.amount
            self.coin[t.seller] += t.amount

    @precondition(lambda self: any(o.sold for o in self.offers))
    @rule(k=st.integers(0, 2))
    def cancel_offering(self, k: int) -> None:
        """Cancel an offering that took money (mostly an active one: closed ones are refused)."""
        sold = [i for i, o in enumerate(self.offers) if o.sold]
        oid = sold[k % len(sold)]
        o = self.offers[oid]
        if self.send(
            "cancel offering",
            o.status == ACTIVE,
            self.env.offerings.cancel,
            oid + 1,
            sender=self.env.issuer,
        ):
            o.status = CANCELLED

    def _deliver(self, o: Offer, who: int) -> None:
        shares = o.subs.pop(who)
        o.issued += shares
        o.to_treasury += shares * PRICE
        self.shares[who] += shares

    @precondition(lambda self: self.offers)
    @rule(who=WHO, k=st.integers(0, 2))
    def claim_shares(self, who: int, k: int) -> None:
        oid = k % len(self.offers)
        o = self.offers[oid]
        at = self.now + 1
        ok = (
            o.status == SUCCEEDED
            and at < o.deadline
            and o.subs.get(who, 0) > 0
            and self.verified[who]
        )
        if self.send(
            "claim shares", ok, self.env.offerings.claimShares, oid + 1, sender=self.wallet(who)
        ):
            self._deliver(o, who)

    @precondition(lambda self: self.offers)
    @rule(k=st.integers(0, 2), batch=st.lists(WHO, min_size=1, max_size=4))
    def push_delivery(self, k: int, batch: list[int]) -> None:
        oid = k % len(self.offers)
        o = self.offers[oid]
        ok = o.status == SUCCEEDED and self.now + 1 < o.deadline
        wallets = [self.wallet(i) for i in batch]
        if self.send(
            "push delivery",
            ok,
            self.env.offerings.deliver,
            oid + 1,
            wallets,
            sender=self.env.issuer,
        ):
            for who in batch:
                if o.subs.get(who, 0) > 0 and self.verified[who]:
                    self._deliver(o, who)

    @precondition(lambda self: self.offers)
    @rule(who=WHO, k=st.integers(0, 2))
    def refund(self, who: int, k: int) -> None:
        oid = k % len(self.offers)
        o = self.offers[oid]
        at = self.now + 1
        refundable = o.status in (FAILED, CANCELLED) or (o.status == SUCCEEDED and at >= o.deadline)
        ok = refundable and o.subs.get(who, 0) > 0
        if self.send("refund", ok, self.env.offerings.refund, oid + 1, sender=self.wallet(who)):
            shares = o.subs.pop(who)
            o.refunded += shares * PRICE
            self.coin[who] += shares * PRICE

    # ------------------------------------------------------------------ trades

    @rule(
        seller=WHO,
        other=st.integers(0, INVESTORS - 1),
        shares=st.sampled_from([1, 5, 20, 100]),
        amount=st.sampled_from([1, 50, 999, 20_000]),
        ttl=st.integers(60, 3 * DAY),
        by_buyer=st.booleans(),
    )
    def propose_trade(
        self, seller: int, other: int, shares: int, amount: int, ttl: int, by_buyer: bool
    ) -> None:
        e = self.env
        buyer = (seller + other) % INVESTORS  # other == 0: the seller itself (refused)
        expiry = self.now + 1 + ttl
        terms = (e.token, self.wallet(seller), self.wallet(buyer), e.coin, shares, amount, expiry)
        proposer = buyer if by_buyer else seller
        # a proposing buyer pays now: the payment is held until settlement or cancellation
        ok = seller != buyer and (not by_buyer or self.coin[buyer] >= amount)
        if self.send(
            "propose trade", ok, e.settlement.propose, terms, sender=self.wallet(proposer)
        ):
            self.trades.append(Trade(seller, buyer, shares, amount, expiry, {proposer}))
            if by_buyer:
                self.coin[buyer] -= amount

    def _trade(self, k: int) -> tuple[int, Trade]:
        tid = k % len(self.trades)
        return tid, self.trades[tid]

    @precondition(lambda self: self.trades)
    @rule(k=st.integers(0, 20), side=st.booleans())
    def accept_trade(self, k: int, side: bool) -> None:
        tid, t = self._trade(k)
        party = t.buyer if side else t.seller
        ok = t.status == PROPOSED and self.now + 1 < t.expiry and party not in t.affirmed
        ok = ok and (party != t.buyer or self.coin[t.buyer] >= t.amount)  # the buyer pays now
        if self.send(
            "accept trade", ok, self.env.settlement.accept, tid + 1, sender=self.wallet(party)
        ):
            t.affirmed.add(party)
            if party == t.buyer:
                self.coin[t.buyer] -= t.amount

    @precondition(lambda self: self.trades)
    @rule(k=st.integers(0, 20), side=st.booleans())
    def settle_trade(self, k: int, side: bool) -> None:
        tid, t = self._trade(k)
        party = t.buyer if side else t.seller
        ok = (
            t.status == PROPOSED
            and self.now + 1 < t.expiry
            and t.affirmed == {t.seller, t.buyer}
            and self.shares[t.seller] >= t.shares
            and self.verified[t.seller]
            and self.verified[t.buyer]
        )
        if self.send(
            "settle trade", ok, self.env.settlement.settle, tid + 1, sender=self.wallet(party)
        ):
            t.status = SETTLED  # the payment was held since the buyer affirmed
            self.shares[t.seller] -= t.shares
            self.shares[t.buyer] += t.shares
            self.coin[t.seller] += t.amount

    @precondition(lambda self: self.trades)
    @rule(k=st.integers(0, 20), side=st.booleans())
    def cancel_trade(self, k: int, side: bool) -> None:
        tid, t = self._trade(k)
        party = t.buyer if side else t.seller
        if self.send(
            "cancel trade",
            t.status == PROPOSED,
            self.env.settlement.cancel,
            tid + 1,
            sender=self.wallet(party),
        ):
            t.status = T_CANCELLED
            if t.buyer in t.affirmed:  # the held payment goes back to the buyer
                self.coin[t.buyer] += t.amount

    # ------------------------------------------------------------------ buy-backs

    @precondition(lambda self: len(self.buybacks) < 2)
    @rule(max_shares=st.integers(1, 200), price=st.integers(1, 20), ttl=st.integers(60, 3 * DAY))
    def open_buyback(self, max_shares: int, price: int, ttl: int) -> None:
        e = self.env
        deadline = self.now + 1 + ttl
        params = (e.token, e.coin, price, max_shares, deadline, 0, 0)
        ok = self.coin_issuer >= max_shares * price
        if self.send("open buy-back", ok, e.buybacks.createBuyback, params, sender=e.issuer):
            self.coin_issuer -= max_shares * price
            self.buybacks.append(Buyback(max_shares, price, deadline))

    @precondition(lambda self: self.buybacks)
    @rule(who=WHO, k=st.integers(0, 1), shares=st.sampled_from([1, 4, 30, 150]))
    def tender(self, who: int, k: int, shares: int) -> None:
        bid = k % len(self.buybacks)
        b = self.buybacks[bid]
        ok = (
            not b.closed
            and self.now + 1 < b.deadline
            and shares <= b.max_shares - b.redeemed
            and self.shares[who] >= shares
        )
        if self.send(
            "tender", ok, self.env.buybacks.tender, bid + 1, shares, sender=self.wallet(who)
        ):
            b.redeemed += shares
            self.redeemed += shares
            self.shares[who] -= shares
            self.coin[who] += shares * b.price

    @precondition(lambda self: self.buybacks)
    @rule(k=st.integers(0, 1))
    def close_buyback(self, k: int) -> None:
        bid = k % len(self.buybacks)
        b = self.buybacks[bid]
        if self.send(
            "close buy-back", not b.closed, self.env.buybacks.close, bid + 1, sender=self.env.issuer
        ):
            b.closed = True
            self.coin_issuer += (b.max_shares - b.redeemed) * b.price

    # ------------------------------------------------------------------ compliance and time

    @rule(who=WHO, valid=st.booleans())
    def set_kyc(self, who: int, valid: bool) -> None:
        e = self.env
        self.send(
            "set KYC",
            True,
            e.registry.setInvestor,
            self.wallet(who),
            record(FAR_FUTURE if valid else LAPSED),
            sender=e.officer,
        )
        self.verified[who] = valid

    @rule(seconds=st.sampled_from([30, 3_600, DAY, 4 * DAY, 11 * DAY]))
    def wait(self, seconds: int) -> None:
        self.now += seconds

    # ------------------------------------------------------------------ invariants

    @invariant()
    def balances_match_the_model(self) -> None:
        # every payment unit is with an investor, the issuer, the treasury or a market contract
        e = self.env
        where = [*e.investors, e.issuer, e.treasury, e.offerings, e.buybacks, e.settlement]
        assert sum(self.balance(e.coin, w) for w in where) == START_MONEY * (INVESTORS + 1)
        e = self.env
        for i in range(INVESTORS):
            w = self.wallet(i)
            assert self.balance(e.coin, w) == self.coin[i], f"investor {i} payment balance"
            assert self.balance(e.token, w) == self.shares[i], f"investor {i} shares"
        assert self.balance(e.coin, e.issuer) == self.coin_issuer

    @invariant()
    def payment_asset_is_conserved(self) -> None:
        e = self.env
        held = 0
        for oid, o in enumerate(self.offers):
            raised = o.sold * PRICE
            still = sum(o.subs.values()) * PRICE
            assert raised == o.to_treasury + o.refunded + still
            view = e.offerings.offering(oid + 1)
            assert (view.status, view.sold, view.issued) == (o.status, o.sold, o.issued)
            assert (view.toTreasury, view.refunded, view.held) == (o.to_treasury, o.refunded, still)
            assert o.issued <= o.sold <= o.hard_cap
            held += still
        assert self.balance(e.coin, e.offerings) == held
        assert self.balance(e.coin, e.treasury) == sum(o.to_treasury for o in self.offers)
        deposits = sum((b.max_shares - b.redeemed) * b.price for b in self.buybacks if not b.closed)
        assert self.balance(e.coin, e.buybacks) == deposits
        held_for_trades = sum(
            t.amount for t in self.trades if t.status == PROPOSED and t.buyer in t.affirmed
        )
        assert self.balance(e.coin, e.settlement) == held_for_trades
        for tid, t in enumerate(self.trades):
            if t.status == PROPOSED:  # the view names what is held for each open trade
                held = t.amount if t.buyer in t.affirmed else 0
                assert e.settlement.trade(tid + 1).held == held

    @invariant()
    def shares_issued_match(self) -> None:
        issued = sum(o.issued for o in self.offers)
        supply = START_SHARES * INVESTORS + issued - self.redeemed
        assert self.env.token.totalSupply() == supply
        assert sum(self.shares.values()) == supply


def test_markets_state_machine(env: Env) -> None:
    MarketsMachine.env = env
    MarketsMachine.calls = {}
    started = time.monotonic()
    try:
        profile = settings()  # the active profile (SECTOKEN_PROFILE); a step here costs ~0.3 s
        examples = max(5, profile.max_examples // EXAMPLE_DIVISOR)
        steps = max(profile.stateful_step_count, MIN_STEPS)
        run_state_machine_as_test(
            MarketsMachine,
            settings=settings(profile, max_examples=examples, stateful_step_count=steps),
        )
    finally:
        calls = ", ".join(f"{k} {v}" for k, v in sorted(MarketsMachine.calls.items()))
        print(f"markets machine: {time.monotonic() - started:.0f} s; calls: {calls}")
