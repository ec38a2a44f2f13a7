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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import ape
from eth_utils import keccak
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

from .conftest import FAR_FUTURE, INVESTORS, START_MONEY, START_SHARES, Env, record

LAPSED = 1_000_000  # a KYC expiry long past
DAY = 86_400
PRICE = 3  # payment units per share (0-decimal token)
EXAMPLE_DIVISOR = 3  # quick: 8 examples of 30 steps; deep: 166 of 60
MIN_STEPS = 30  # a delivery needs a subscription, the end, a close and a claim

ACTIVE, SUCCEEDED, FAILED, CANCELLED = 1, 2, 3, 4
PROPOSED, SETTLED, T_CANCELLED = 1, 2, 3

WHO = st.integers(0, INVESTORS - 1)
# Most picks of a trade or buy-back go to one that can still move (an open one); the rest to a
# finished one (if any), whose calls the chain must refuse.
LIVE = st.sampled_from([True, True, True, False])
FIRST_COME, PRO_RATA = 0, 1
BALANCE_OF = bytes.fromhex("70a08231")
TRADE = keccak(text="trade(uint256)")[:4]  # returns a TradeView: 12 static words
HELD_WORD = 10  # terms (7 words), status, sellerAffirmed, buyerAffirmed, then held


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
    pro_rata: bool = False
    settlement_end: int = 0  # pro-rata: tenders settle in [deadline, settlement_end)
    tendered: int = 0  # first come: redeemed so far; pro-rata: recorded tenders
    redeemed: int = 0
    paid: int = 0
    closed: bool = False
    tenders: dict[int, int] = field(default_factory=dict)  # pro-rata: investor -> shares

    @property
    def deposit(self) -> int:
        return self.max_shares * self.price  # the token has 0 decimals: unit 1


class MarketsMachine(RuleBasedStateMachine):
    env: ClassVar[Env]
    calls: ClassVar[dict[str, int]] = {}  # per call: accepted / "<call> refused" by the chain
    reached: ClassVar[dict[str, int]] = {}  # per outcome, counted where a chain view confirms it

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

    def confirm(self, outcome: str, on_chain: bool) -> None:
        """Count ``outcome`` once the chain's own view shows it (the model predicted it too)."""
        assert on_chain, f"{outcome}: the chain's view disagrees with the model"
        self.reached[outcome] = self.reached.get(outcome, 0) + 1

    def wallet(self, i: int) -> Any:
        return self.env.investors[i]

    def balance(self, asset: Any, holder: Any) -> int:
        """``asset.balanceOf(holder)`` by a bare eth_call (the invariants make dozens a step)."""
        address = holder if isinstance(holder, str) else holder.address
        data = BALANCE_OF + bytes(12) + bytes.fromhex(address[2:])
        web3 = self.env.chain.provider.web3
        return int.from_bytes(web3.eth.call({"to": asset.address, "data": data}), "big")

    def trade_held(self, tid: int) -> int:
        """``settlement.trade(tid).held`` by a bare eth_call (one per open trade and step)."""
        data = TRADE + tid.to_bytes(32, "big")
        web3 = self.env.chain.provider.web3
        out = web3.eth.call({"to": self.env.settlement.address, "data": data})
        return int.from_bytes(out[32 * HELD_WORD : 32 * (HELD_WORD + 1)], "big")

    # ------------------------------------------------------------------ offerings

    @initialize(
        hard_cap=st.integers(60, 400),
        soft_pct=st.sampled_from([0, 0, 30, 90]),
        min_shares=st.sampled_from([0, 0, 5]),
        max_pct=st.sampled_from([0, 50, 100]),
        duration=st.integers(DAY, 5 * DAY),
        seeds=st.lists(st.integers(0, 40), min_size=INVESTORS, max_size=INVESTORS),
        then=st.sampled_from(["keep", "close", "cancel"]),
    )
    def first_offering(
        self,
        hard_cap: int,
        soft_pct: int,
        min_shares: int,
        max_pct: int,
        duration: int,
        seeds: list[int],
        then: str,
    ) -> None:
        """Open the first offering and let every investor subscribe (0: not), so that closes,
        deliveries and refunds have something to work on from the first step; ``then``: keep
        it active, close it at its end (succeeded or failed on its soft cap) or cancel it, so
        that deliveries and refunds can follow from the first step."""
        self.open_offering(hard_cap, soft_pct, min_shares, max_pct, duration)
        for who, shares in enumerate(seeds):
            if shares:
                self.subscribe(who, 0, shares)
        if then == "close":
            self.close_offering(0, jump=True)
        elif then == "cancel" and self.offers[0].sold:
            self.cancel_offering(0)

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
    @rule(k=st.integers(0, 2), jump=st.booleans())
    def close_offering(self, k: int, jump: bool) -> None:
        """Close an offering: refused while active before its end unless sold out, and once
        closed. ``jump``: first move the clock to the end of an active offering (it succeeds or
        fails on its soft cap)."""
        active = [i for i, o in enumerate(self.offers) if o.status == ACTIVE] if jump else []
        oid = active[k % len(active)] if active else k % len(self.offers)
        o = self.offers[oid]
        if jump:
            self.now = max(self.now, o.end - 1)
        at = self.now + 1
        ok = o.status == ACTIVE and (at >= o.end or o.sold == o.hard_cap)
        if self.send("close", ok, self.env.offerings.close, oid + 1, sender=self.env.issuer):
            if o.sold >= o.soft_cap and o.sold > 0:
                o.status, o.deadline = SUCCEEDED, at + o.window
            else:
                o.status = FAILED
            outcome = "offering succeeded" if o.status == SUCCEEDED else "offering failed"
            self.confirm(outcome, self.env.offerings.offering(oid + 1).status == o.status)

    @precondition(lambda self: self.trades)
    @rule(k=st.integers(0, 20), live=LIVE)
    def accept_and_settle(self, k: int, live: bool) -> None:
        """The buyer affirms (if it has not) and settles in one call."""
        tid, t = self._trade(k, live, ready=lambda t: t.buyer not in t.affirmed)
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
            self.confirm("trade settled", self.env.settlement.trade(tid + 1).status == SETTLED)

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
            self.confirm(
                "offering cancelled", self.env.offerings.offering(oid + 1).status == o.status
            )

    def _deliver(self, o: Offer, who: int) -> None:
        shares = o.subs.pop(who)
        o.issued += shares
        o.to_treasury += shares * PRICE
        self.shares[who] += shares

    def _delivered(self, oid: int) -> None:
        """Count a delivery once the offering's view shows every share the model issued."""
        issued = self.env.offerings.offering(oid + 1).issued
        self.confirm("offering delivered", issued == self.offers[oid].issued)

    def _subscription(
        self, k: int, who: int, live: bool, statuses: tuple[int, ...]
    ) -> tuple[int, int]:
        """Offering ``k`` and investor ``who`` (modulo the counts): with ``live``, an offering in
        one of ``statuses`` still holding subscriptions and one of its subscribers (if any)."""
        held = [i for i, o in enumerate(self.offers) if o.subs and o.status in statuses]
        held = held if live else []
        if not held:
            return k % len(self.offers), who
        oid = held[k % len(held)]
        subscribers = sorted(self.offers[oid].subs)
        return oid, subscribers[who % len(subscribers)]

    @precondition(lambda self: self.offers)
    @rule(who=WHO, k=st.integers(0, 2), live=LIVE)
    def claim_shares(self, who: int, k: int, live: bool) -> None:
        oid, who = self._subscription(k, who, live, (SUCCEEDED,))
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
            self._delivered(oid)

    @precondition(lambda self: self.offers)
    @rule(k=st.integers(0, 2), live=LIVE, batch=st.lists(WHO, min_size=1, max_size=4))
    def push_delivery(self, k: int, live: bool, batch: list[int]) -> None:
        oid, _ = self._subscription(k, 0, live, (SUCCEEDED,))
        o = self.offers[oid]
        if live:  # the drawn wallets and then every subscriber
            batch = [*batch, *sorted(o.subs)]
        ok = o.status == SUCCEEDED and self.now + 1 < o.deadline
        wallets = [self.wallet(i) for i in batch]
        issued_before = o.issued
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
            if o.issued > issued_before:
                self._delivered(oid)

    @precondition(lambda self: self.offers)
    @rule(who=WHO, k=st.integers(0, 2), live=LIVE)
    def refund(self, who: int, k: int, live: bool) -> None:
        oid, who = self._subscription(k, who, live, (FAILED, CANCELLED, SUCCEEDED))
        o = self.offers[oid]
        at = self.now + 1
        refundable = o.status in (FAILED, CANCELLED) or (o.status == SUCCEEDED and at >= o.deadline)
        ok = refundable and o.subs.get(who, 0) > 0
        if self.send("refund", ok, self.env.offerings.refund, oid + 1, sender=self.wallet(who)):
            shares = o.subs.pop(who)
            o.refunded += shares * PRICE
            self.coin[who] += shares * PRICE
            self.confirm(
                "offering refunded", self.env.offerings.offering(oid + 1).refunded == o.refunded
            )

    # ------------------------------------------------------------------ trades

    @precondition(lambda self: sum(t.status == PROPOSED for t in self.trades) < 6)
    @rule(
        seller=WHO,
        other=st.integers(0, INVESTORS - 1),
        shares=st.sampled_from([1, 5, 20, 100]),
        amount=st.sampled_from([1, 50, 999, 20_000]),
        ttl=st.integers(60, 12 * DAY),
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

    @initialize(
        trades=st.lists(
            st.tuples(
                WHO,
                st.integers(1, INVESTORS - 1),
                st.sampled_from([1, 5, 20]),
                st.sampled_from([1, 50, 999]),
                st.booleans(),
            ),
            min_size=2,
            max_size=3,
        ),
        ttl=st.integers(2 * DAY, 12 * DAY),
    )
    def first_trades(self, trades: list[tuple[int, int, int, int, bool]], ttl: int) -> None:
        """Propose a few trades between distinct investors that they can afford, so that
        acceptances, settlements, cancels and expiries have live trades from the first step."""
        for seller, other, shares, amount, by_buyer in trades:
            self.propose_trade(seller, other, shares, amount, ttl, by_buyer)

    def _trade(
        self,
        k: int,
        live: bool,
        expired_ok: bool = False,
        ready: Callable[[Trade], bool] | None = None,
    ) -> tuple[int, Trade]:
        """Trade ``k`` modulo the count, among the open trades (``live``: proposed and, unless
        ``expired_ok``, not expired; those ``ready`` for the call first) or the others (if there
        are any of the kind)."""

        def is_live(t: Trade) -> bool:
            return t.status == PROPOSED and (expired_ok or self.now + 1 < t.expiry)

        ids = [i for i, t in enumerate(self.trades) if is_live(t) == live]
        if live and ready is not None:
            ids = [i for i in ids if ready(self.trades[i])] or ids
        ids = ids or list(range(len(self.trades)))
        tid = ids[k % len(ids)]
        return tid, self.trades[tid]

    @staticmethod
    def _party(t: Trade, side: int) -> int:
        """0: the party that has not affirmed (the buyer if both have), 1: buyer, 2: seller."""
        if side == 0:
            return t.seller if t.buyer in t.affirmed and t.seller not in t.affirmed else t.buyer
        return t.buyer if side == 1 else t.seller

    @precondition(lambda self: self.trades)
    @rule(k=st.integers(0, 20), live=LIVE, side=st.sampled_from([0, 0, 1, 2]))
    def accept_trade(self, k: int, live: bool, side: int) -> None:
        tid, t = self._trade(k, live, ready=lambda t: len(t.affirmed) == 1)
        party = self._party(t, side)
        ok = t.status == PROPOSED and self.now + 1 < t.expiry and party not in t.affirmed
        ok = ok and (party != t.buyer or self.coin[t.buyer] >= t.amount)  # the buyer pays now
        if self.send(
            "accept trade", ok, self.env.settlement.accept, tid + 1, sender=self.wallet(party)
        ):
            t.affirmed.add(party)
            if party == t.buyer:
                self.coin[t.buyer] -= t.amount

    @precondition(lambda self: self.trades)
    @rule(k=st.integers(0, 20), live=LIVE, side=st.booleans())
    def settle_trade(self, k: int, live: bool, side: bool) -> None:
        tid, t = self._trade(k, live, ready=lambda t: len(t.affirmed) == 2)
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
            self.confirm("trade settled", self.env.settlement.trade(tid + 1).status == SETTLED)

    @precondition(lambda self: self.trades)
    @rule(k=st.integers(0, 20), live=LIVE, side=st.booleans())
    def cancel_trade(self, k: int, live: bool, side: bool) -> None:
        tid, t = self._trade(k, live)
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
            self.confirm(
                "trade cancelled", self.env.settlement.trade(tid + 1).status == T_CANCELLED
            )

    @precondition(lambda self: self.trades)
    @rule(k=st.integers(0, 20), live=LIVE, jump=st.booleans())
    def release_expired_trade(self, k: int, live: bool, jump: bool) -> None:
        """Someone who is no party (the treasury) cancels a trade, which it may only once the
        trade has expired; the held payment goes back to the buyer. ``jump``: first move the
        clock to the trade's expiry."""
        tid, t = self._trade(k, live, expired_ok=True)
        if jump:
            self.now = max(self.now, t.expiry - 1)
        ok = t.status == PROPOSED and self.now + 1 >= t.expiry
        e = self.env
        if self.send("release expired trade", ok, e.settlement.cancel, tid + 1, sender=e.treasury):
            t.status = T_CANCELLED
            if t.buyer in t.affirmed:
                self.coin[t.buyer] += t.amount
            self.confirm(
                "expired trade released", e.settlement.trade(tid + 1).status == T_CANCELLED
            )

    # ------------------------------------------------------------------ buy-backs

    @initialize(
        max_shares=st.integers(20, 150),
        price=st.integers(1, 20),
        ttl=st.integers(DAY, 3 * DAY),
        window=st.sampled_from([DAY, 2 * DAY]),
        who=WHO,
        shares=st.sampled_from([4, 30, 90]),
    )
    def first_buybacks(
        self, max_shares: int, price: int, ttl: int, window: int, who: int, shares: int
    ) -> None:
        """Open one buy-back of each kind (first come, pro-rata) and tender to the pro-rata one,
        so that a settlement after its deadline has a tender from the first step."""
        self.open_buyback(max_shares, price, ttl, False, window)
        self.open_buyback(max_shares, price, ttl, True, window)
        self.tender(who, 1, True, shares)

    @precondition(lambda self: len(self.buybacks) < 4)
    @rule(
        max_shares=st.integers(1, 200),
        price=st.integers(1, 20),
        ttl=st.integers(60, 3 * DAY),
        pro_rata=st.booleans(),
        window=st.sampled_from([DAY, 2 * DAY]),
    )
    def open_buyback(
        self, max_shares: int, price: int, ttl: int, pro_rata: bool, window: int
    ) -> None:
        e = self.env
        deadline = self.now + 1 + ttl
        kind = PRO_RATA if pro_rata else FIRST_COME
        params = (e.token, e.coin, price, max_shares, deadline, kind, window if pro_rata else 0)
        b = Buyback(max_shares, price, deadline, pro_rata, deadline + window if pro_rata else 0)
        ok = self.coin_issuer >= b.deposit
        if self.send("open buy-back", ok, e.buybacks.createBuyback, params, sender=e.issuer):
            self.coin_issuer -= b.deposit
            self.buybacks.append(b)

    def _buyback(self, k: int, live: bool, pro_rata: bool = False) -> tuple[int, Buyback]:
        """Buy-back ``k`` modulo the count, among the open ones (``live``) or the closed ones (if
        there are any of the kind); ``pro_rata``: among those, open ones holding tenders first."""
        ids = [i for i, b in enumerate(self.buybacks) if b.pro_rata or not pro_rata]
        kind = [i for i in ids if self.buybacks[i].closed != live]
        tendered = [i for i in kind if self.buybacks[i].tenders] if live and pro_rata else []
        ids = tendered or kind or ids
        bid = ids[k % len(ids)]
        return bid, self.buybacks[bid]

    @precondition(lambda self: self.buybacks)
    @rule(who=WHO, k=st.integers(0, 3), live=LIVE, shares=st.sampled_from([1, 4, 30, 150]))
    def tender(self, who: int, k: int, live: bool, shares: int) -> None:
        """First come: redeemed and paid now while room remains; pro-rata: recorded (the holder
        must hold and allow all it tendered), settled after the deadline."""
        bid, b = self._buyback(k, live)
        ok = not b.closed and self.now + 1 < b.deadline
        total = b.tenders.get(who, 0) + shares
        if b.pro_rata:
            ok = ok and self.shares[who] >= total
        else:
            ok = ok and shares <= b.max_shares - b.tendered and self.shares[who] >= shares
        if not self.send(
            "tender", ok, self.env.buybacks.tender, bid + 1, shares, sender=self.wallet(who)
        ):
            return
        b.tendered += shares
        view = self.env.buybacks.buyback(bid + 1)
        if b.pro_rata:
            b.tenders[who] = total
            self.confirm("tender recorded", view.tendered == b.tendered and view.redeemed == 0)
            return
        self._redeem(b, who, shares)
        self.confirm("tender paid", view.redeemed == b.redeemed and view.paid == b.paid)

    def _redeem(self, b: Buyback, who: int, shares: int) -> None:
        b.redeemed += shares
        b.paid += shares * b.price
        self.redeemed += shares
        self.shares[who] -= shares
        self.coin[who] += shares * b.price

    @precondition(lambda self: any(b.pro_rata for b in self.buybacks))
    @rule(who=WHO, k=st.integers(0, 3), live=LIVE, pushed=st.booleans(), jump=st.booleans())
    def settle_tender(self, who: int, k: int, live: bool, pushed: bool, jump: bool) -> None:
        """Settle a pro-rata tender (pulled by the holder or pushed by the issuer): accepted
        whole unless the offer is oversubscribed, then scaled down to fit (rounded down); the
        holder must still hold the accepted shares. ``jump``: first move the clock to the
        tender deadline."""
        bid, b = self._buyback(k, live, pro_rata=True)
        if live and b.tenders:
            who = sorted(b.tenders)[who % len(b.tenders)]
        if jump:
            self.now = max(self.now, b.deadline - 1)
        at = self.now + 1
        tendered = b.tenders.get(who, 0)
        accepted = tendered if b.tendered <= b.max_shares else tendered * b.max_shares // b.tendered
        ok = (
            not b.closed
            and b.deadline <= at < b.settlement_end
            and tendered > 0
            and self.shares[who] >= accepted
        )
        e = self.env
        sender = e.issuer if pushed else self.wallet(who)
        if self.send(
            "settle tender", ok, e.buybacks.settleTender, bid + 1, self.wallet(who), sender=sender
        ):
            del b.tenders[who]
            if accepted:
                self._redeem(b, who, accepted)
                self.confirm("pro-rata settled", e.buybacks.buyback(bid + 1).paid == b.paid)

    @precondition(lambda self: self.buybacks)
    @rule(k=st.integers(0, 3), live=LIVE)
    def close_buyback(self, k: int, live: bool) -> None:
        """Close a buy-back (the rest of the deposit back to the issuer): early, or after the
        deadline; a pro-rata one not during its settlement window."""
        bid, b = self._buyback(k, live)
        at = self.now + 1
        settling = b.pro_rata and b.deadline <= at < b.settlement_end
        e = self.env
        if self.send(
            "close buy-back",
            not b.closed and not settling,
            e.buybacks.close,
            bid + 1,
            sender=e.issuer,
        ):
            b.closed = True
            self.coin_issuer += b.deposit - b.paid
            returned = e.buybacks.buyback(bid + 1).returned
            self.confirm("buy-back closed", returned == b.deposit - b.paid)

    # ------------------------------------------------------------------ compliance and time

    @rule(who=WHO, valid=st.sampled_from([True, True, False]))
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
        deposits = sum(b.deposit - b.paid for b in self.buybacks if not b.closed)
        assert self.balance(e.coin, e.buybacks) == deposits
        for b in self.buybacks:
            assert b.paid == b.redeemed * b.price <= b.deposit
        held_for_trades = sum(
            t.amount for t in self.trades if t.status == PROPOSED and t.buyer in t.affirmed
        )
        assert self.balance(e.coin, e.settlement) == held_for_trades
        for tid, t in enumerate(self.trades):
            if t.status == PROPOSED:  # the view names what is held for each open trade
                held = t.amount if t.buyer in t.affirmed else 0
                assert self.trade_held(tid + 1) == held

    @invariant()
    def shares_issued_match(self) -> None:
        issued = sum(o.issued for o in self.offers)
        supply = START_SHARES * INVESTORS + issued - self.redeemed
        assert self.env.token.totalSupply() == supply
        assert sum(self.shares.values()) == supply


def run_markets_machine(env: Env, run: settings) -> dict[str, int]:
    """Run the machine under ``run`` and print what each call did and which outcomes the chain
    confirmed; return those outcome counts (successes, and ``"<call> refused"`` refusals)."""
    MarketsMachine.env = env
    MarketsMachine.calls = {}
    MarketsMachine.reached = {}
    started = time.monotonic()
    try:
        run_state_machine_as_test(MarketsMachine, settings=run)
    finally:
        calls = ", ".join(f"{k} {v}" for k, v in sorted(MarketsMachine.calls.items()))
        reached = ", ".join(f"{k} {v}" for k, v in sorted(MarketsMachine.reached.items()))
        print(f"markets machine: {time.monotonic() - started:.0f} s; calls: {calls}")
        print(f"markets machine outcomes confirmed on chain: {reached}")
    refused = {k: v for k, v in MarketsMachine.calls.items() if k.endswith(" refused")}
    return {**MarketsMachine.reached, **refused}


def test_markets_state_machine(env: Env) -> None:
    profile = settings()  # the active profile (SECTOKEN_PROFILE); a step here costs ~0.3 s
    examples = max(5, profile.max_examples // EXAMPLE_DIVISOR)
    steps = max(profile.stateful_step_count, MIN_STEPS)
    run_markets_machine(env, settings(profile, max_examples=examples, stateful_step_count=steps))
