"""A Hypothesis state machine over dividends and ballots on the real token, registry,
DividendDistributor and ShareholderVoting (Anvil).

Random steps over a pool of seven wallets (five holders, two spare wallets that become recovery
targets): issuance, transfers, record dates (some with a transfer inside the record-date block),
time jumps, ETH and stablecoin distributions (amounts from 1 wei to MAX_DEPOSIT, 2**128 - 1;
withholding, excluded wallets, short and long expiries), claims by the holder, by its payee or by
others for it (only the payee may), issuer pushes (with duplicates and non-holders), reclaims, tax
withdrawals, registry freezes, token-level wallet freezes and withholding flags, controller
wallet recoveries, ballots (2..4 options, excluded wallets, quorum and threshold), votes, proxy
appointments and proxy votes (by proxies later recovered or frozen), and votes cast by a
recovered wallet's successor. The freeze policy is the same for both actions: while the wallet
standing for a position (its successor) is frozen, on the token or in the registry, its share
cannot be collected nor its vote cast.

Every transaction is mined at a timestamp the model chooses (``evm_setNextBlockTimestamp`` to the
model's ``now``; time moves only by explicit steps), with a fixed gas limit so that a refused
transaction is mined and its custom error compared with the model's prediction.

Checked after every step:
- solvency: the distributor's ETH and stablecoin balances equal, per asset, the sum over its
  distributions of (deposit - released - reclaimed) + (withheld - withheldWithdrawn);
- per distribution: what holders were observed to receive + withheld + unclaimed + reclaimed
  equals the deposit, and the on-chain books equal the model;
- no holder's gross payment exceeds its pro-rata share ``deposit * balanceAt / eligible``
  (rounded down), and the sum of gross payments never exceeds the deposit;
- every ballot's per-option tally equals the sum of the record-date balances of the wallets
  that voted for that option, and the outcome view agrees with the model.

The example count and the steps per example come from the Hypothesis profile
(``SECTOKEN_PROFILE``: quick or deep, see tests/conftest.py), examples scaled by EXAMPLE_SCALE
because a step costs about 10 ms here (raw JSON-RPC; quick: 100 examples in well under a
minute); every example runs between ``chain.snapshot()`` and ``chain.restore()`` over a suite
deployed once per module.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from eth_utils import to_checksum_address
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

from sectoken.chain.client import ChainClient, Read, Receipt
from sectoken.chain.contracts import container
from sectoken.model.records import InvestorRecord

FAR_FUTURE = 4_102_444_800
US = 840
GAS = 3_000_000
DAY = 86_400
ZERO = "0x" + "00" * 20
BPS = 10_000
EXAMPLE_SCALE = 4  # examples = 4x the profile's max_examples (quick: 100, deep: 2,000)
HOLDERS = 5  # alice, bob, carol, dave, treasury
SPARES = 2

# Wallet indexes, weighted towards the three initial holders (so that most claims and votes
# have something to pay or count) while every wallet stays reachable.
WHO = st.sampled_from([0, 0, 0, 1, 1, 2, 3, 4, 5, 6])

ETH_AMOUNTS = (1, 2, 999, 10**18, 3 * 10**18 + 1)
COIN_AMOUNTS = (1, 7, 10**6 + 3, 2**120 + 12_345, 2**128 - 1)


def investor(*, frozen: bool = False, withholding: bool = False) -> int:
    return InvestorRecord(
        kyc_expiry=FAR_FUTURE, country=US, accredited=True, frozen=frozen, withholding=withholding
    ).pack()


# ------------------------------------------------------------------ raw JSON-RPC


class Rpc:
    """The package's chain client (JSON-RPC straight through web3's provider: Ape would trace
    and print every reverted transaction, and this machine makes many on purpose), plus the
    machine's habit: every transaction mined at a pinned time, a refused one named by the custom
    error its call trace returns. Calldata comes from Ape's ABI encoder."""

    def __init__(self, client: ChainClient) -> None:
        self.client = client

    def request(self, method: str, params: list[Any]) -> Any:
        return self.client.request(method, params)

    def send(
        self, sender: str, to: str, data: bytes, value: int, timestamp: int
    ) -> tuple[Receipt, str | None]:
        """Mine one transaction at ``timestamp``: (receipt, None) or (receipt, error name)."""
        self.request("evm_setNextBlockTimestamp", [timestamp])
        receipt = self.client.transact(sender, to, bytes(data), value=value, gas=GAS, timeout=10)
        assert receipt.gas_used < GAS, "out of gas: no verdict"
        if receipt.ok:
            return receipt, None
        output = self.client.revert_data_of(receipt.transaction_hash)
        decoded = self.client.decode_revert(output)
        return receipt, decoded.name if decoded is not None else f"unknown revert 0x{output.hex()}"


# ------------------------------------------------------------------ fixtures


@dataclass
class Env:
    chain: Any
    token: Any
    registry: Any
    distributor: Any
    voting: Any
    coin: Any
    deployer: Any
    issuer: Any
    officer: Any
    controller: Any
    tax_wallet: Any
    wallets: list[Any]  # HOLDERS holders then SPARES spares
    base_block: int
    rpc: Rpc


@pytest.fixture(scope="module")
def env(
    project: Any,
    chain: Any,
    accounts: Any,
    deployer: Any,
    issuer: Any,
    compliance_officer: Any,
    controller: Any,
) -> Env:
    registry = project.InvestorRegistry.deploy(deployer, sender=deployer)
    registry.grantRole(registry.COMPLIANCE_ROLE(), compliance_officer, sender=deployer)
    module = project.SecurityTokenAdmin.deploy(sender=deployer)
    token = container(project, "SecurityToken").deploy(
        "Acme Shares", "ACME", 0, registry, deployer, module, sender=deployer
    )
    token.grantRole(token.ISSUER_ROLE(), issuer, sender=deployer)
    token.grantRole(token.CONTROLLER_ROLE(), controller, sender=deployer)
    token.grantRole(token.COMPLIANCE_ROLE(), compliance_officer, sender=deployer)
    distributor = project.DividendDistributor.deploy(registry, deployer, sender=deployer)
    voting = project.ShareholderVoting.deploy(registry, deployer, sender=deployer)
    distributor.setTokenServed(token, True, sender=deployer)
    voting.setTokenServed(token, True, sender=deployer)
    coin = project.MockStablecoin.deploy(sender=deployer)
    coin.approve(distributor, 2**256 - 1, sender=issuer)
    holders = [accounts[i] for i in range(4, 4 + HOLDERS)]
    spares = [accounts.generate_test_account() for _ in range(SPARES)]
    for spare in spares:
        if spare.balance < 10**18:
            deployer.transfer(spare, 10 * 10**18)
    wallets = holders + spares
    registry.setInvestors(wallets, [investor()] * len(wallets), sender=compliance_officer)
    for wallet, amount in zip(holders, (600, 300, 100, 0, 0), strict=True):
        if amount:
            token.issue(wallet, amount, b"", sender=issuer)
    return Env(
        chain=chain,
        token=token,
        registry=registry,
        distributor=distributor,
        voting=voting,
        coin=coin,
        deployer=deployer,
        issuer=issuer,
        officer=compliance_officer,
        controller=controller,
        tax_wallet=accounts[9],
        wallets=wallets,
        base_block=chain.blocks.head.number,
        rpc=Rpc(ChainClient(chain.provider.web3)),
    )


# ------------------------------------------------------------------ the model


@dataclass
class Dist:
    id: int
    rid: int
    asset: str  # "eth" or "coin"
    deposit: int
    eligible: int
    expiry: int
    bps: int
    excluded: set[str]
    gross: dict[str, int] = field(default_factory=dict)  # holder -> gross paid
    observed: int = 0  # what payees were seen to receive
    withheld: int = 0
    withdrawn: int = 0
    reclaimed: int = 0
    is_reclaimed: bool = False

    @property
    def released(self) -> int:
        return sum(self.gross.values())


@dataclass
class Ballot:
    id: int
    rid: int
    start: int
    end: int
    options: int
    quorum_bps: int
    threshold_bps: int
    excluded: set[str]
    eligible: int
    voted: set[str] = field(default_factory=set)
    tallies: list[int] = field(default_factory=list)
    proxies: dict[str, str] = field(default_factory=dict)  # holder -> proxy


@dataclass
class Stats:
    examples: int = 0
    steps: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def summary(self, seconds: float) -> str:
        top = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return (
            f"corporate machine: {self.examples} examples, {self.steps} steps in {seconds:.1f}s\n"
            f"  outcomes: {top}"
        )


# ------------------------------------------------------------------ the machine


class CorporateMachine(RuleBasedStateMachine):
    env: ClassVar[Env]
    stats: ClassVar[Stats]

    def __init__(self) -> None:
        super().__init__()
        env = self.env
        self.snapshot = env.chain.snapshot()
        for spare in env.wallets[HOLDERS:]:  # generated accounts: let Anvil sign for them
            env.rpc.request("anvil_impersonateAccount", [str(spare.address)])
        self.stats.examples += 1
        head = env.chain.blocks.head
        assert head.number == env.base_block, "examples must start from the module's base block"
        self.now = head.timestamp
        self.addr = [str(w.address) for w in env.wallets]
        self.dist_address = str(env.distributor.address)
        self.balances = dict.fromkeys(self.addr, 0)
        for a, amount in zip(self.addr, (600, 300, 100), strict=False):
            self.balances[a] = amount
        self.successor: dict[str, str] = {}
        self.frozen = dict.fromkeys(self.addr, False)  # registry (investor) freeze
        self.wallet_frozen = dict.fromkeys(self.addr, False)  # token-level full freeze
        self.withholding = dict.fromkeys(self.addr, False)
        self.records: dict[int, dict[str, int]] = {}
        self.record_supply: dict[int, int] = {}
        self.dists: list[Dist] = []
        self.ballots: list[Ballot] = []
        self.step = "init"

    def teardown(self) -> None:
        self.env.chain.restore(self.snapshot)

    # --- helpers

    def begin(self, op: str) -> None:
        self.stats.steps += 1
        self.step = op

    def pin(self) -> None:
        self.env.rpc.request("evm_setNextBlockTimestamp", [self.now])

    def send(
        self, contract: Any, fn: str, *args: Any, sender: Any, value: int = 0
    ) -> tuple[Any, str | None]:
        """Mine ``contract.fn(*args)`` from ``sender`` at ``now``: (receipt, error name or None)."""
        data = getattr(contract, fn).encode_input(*args)
        receipt, error = self.env.rpc.send(
            str(sender.address), str(contract.address), data, value, self.now
        )
        self.stats.outcomes[f"{self.step}: {error or 'ok'}"] += 1
        return receipt, error

    def view(self, contract: Any, fn: str, *args: Any) -> Any:
        """``contract.fn(*args)`` read and decoded by the package's client (packaged ABI)."""
        return self.env.rpc.client.read(
            str(contract.address), contract.contract_type.name, fn, *args
        )

    def expect(self, got: str | None, want: str | None, what: str) -> None:
        assert got == want, (
            f"MODEL MISMATCH in {what}: expected {want or 'success'}, got {got or 'success'}"
        )

    def lost(self, a: str) -> bool:
        return a in self.successor

    def successor_of(self, a: str) -> str:
        while a in self.successor:
            a = self.successor[a]
        return a

    def supply(self) -> int:
        return sum(self.balances.values())

    def account(self, a: str) -> Any:
        return self.env.wallets[self.addr.index(a)]

    def eth_balance(self, a: str) -> int:
        return int(self.env.rpc.request("eth_getBalance", [a, "latest"]), 16)

    def coin_balance(self, a: str) -> int:
        return self.coin_balances([a])[0]

    def coin_balances(self, wallets: Sequence[str]) -> list[int]:
        """The test stablecoin is no contract of the suite: Ape encodes, the client calls."""
        coin = self.env.coin
        out = []
        for ok, data in self.env.rpc.client.try_calls(
            [(str(coin.address), bytes(coin.balanceOf.encode_input(a))) for a in wallets]
        ):
            assert ok, f"balanceOf reverted: 0x{data.hex()}"
            out.append(int.from_bytes(data, "big"))
        return out

    def asset_balance(self, d: Dist, a: str) -> int:
        return self.eth_balance(a) if d.asset == "eth" else self.coin_balance(a)

    def can_move(self, a: str) -> bool:
        return not self.lost(a) and not self.frozen[a] and not self.wallet_frozen[a]

    def is_frozen(self, a: str) -> bool:
        """Frozen for the corporate actions: on the token or in the registry."""
        return self.frozen[a] or self.wallet_frozen[a]

    # --- what the contracts should do

    def predict_claim(
        self, d: Dist, holder: str, caller: str | None = None
    ) -> tuple[str | None, str, int, int]:
        """(error or None, payee, gross, withheld) of a claim of ``holder`` now, sent by
        ``caller`` (None: the issuer's push, which any payee accepts)."""
        if self.now >= d.expiry:
            return "DistributionExpired", "", 0, 0
        if holder in d.excluded:
            return "ExcludedHolder", "", 0, 0
        if holder in d.gross:
            return "AlreadyPaid", "", 0, 0
        payee = self.successor_of(holder)
        if caller is not None and caller != payee:
            return ("WalletSuperseded" if caller == holder else "NotPayee"), "", 0, 0
        gross = d.deposit * self.records[d.rid].get(holder, 0) // d.eligible
        if gross == 0:
            return "NothingDue", "", 0, 0
        if self.is_frozen(payee):
            return "InvestorFrozen", payee, gross, 0
        withheld = gross * d.bps // BPS if self.withholding[payee] else 0
        return None, payee, gross, withheld

    def book(self, d: Dist, holder: str, gross: int, withheld: int) -> None:
        d.gross[holder] = gross
        d.withheld += withheld

    # --- setup

    @initialize(
        in_block=st.booleans(),
        eth=st.sampled_from(ETH_AMOUNTS),
        coin=st.sampled_from(COIN_AMOUNTS),
        bps=st.sampled_from([0, 2500]),
        options=st.integers(2, 4),
    )
    def start(self, in_block: bool, eth: int, coin: int, bps: int, options: int) -> None:
        """A record date, one ETH and one stablecoin distribution and a ballot on it."""
        self.begin("init")
        self.record_date(3600, in_block, 0, 3)
        self.step = "init"
        rid = max(self.records)
        self._create_distribution(rid, "eth", eth, bps, (), 30 * DAY)
        self._create_distribution(rid, "coin", coin, bps, (4,), 5 * DAY)
        self._create_ballot(rid, options, (), 7 * DAY, 2500, 0)

    # --- token steps

    @rule(to=st.integers(0, HOLDERS - 1), amount=st.sampled_from([1, 5, 250, 10**6]))
    def issue(self, to: int, amount: int) -> None:
        self.begin("issue")
        a = self.addr[to]
        if not self.can_move(a):
            return
        _, err = self.send(self.env.token, "issue", a, amount, b"", sender=self.env.issuer)
        self.expect(err, None, "issue")
        self.balances[a] += amount

    @rule(
        src=st.integers(0, HOLDERS + SPARES - 1),
        dst=st.integers(0, HOLDERS + SPARES - 1),
        pct=st.sampled_from([1, 33, 50, 100]),
    )
    def transfer(self, src: int, dst: int, pct: int) -> None:
        self.begin("transfer")
        self._transfer(self.addr[src], self.addr[dst], pct)

    def _transfer(self, a: str, b: str, pct: int) -> bool:
        if a == b or not self.can_move(a) or not self.can_move(b) or self.balances[a] == 0:
            return False
        amount = max(1, self.balances[a] * pct // 100)
        _, err = self.send(self.env.token, "transfer", b, amount, sender=self.account(a))
        self.expect(err, None, "transfer")
        self.balances[a] -= amount
        self.balances[b] += amount
        return True

    @rule(
        delay=st.sampled_from([1, 30, 3600]),
        in_block=st.booleans(),
        src=st.integers(0, HOLDERS - 1),
        dst=st.integers(0, HOLDERS + SPARES - 1),
    )
    def record_date(self, delay: int, in_block: bool, src: int, dst: int) -> None:
        """Schedule a record date and reach it; optionally move tokens in the record-date block."""
        self.begin("record date")
        ts = self.now + delay
        _, err = self.send(self.env.token, "scheduleRecordDate", ts, sender=self.env.issuer)
        self.expect(err, None, "scheduleRecordDate")
        rid = int(self.view(self.env.token, "latestRecordDateId"))
        self.records[rid] = dict(self.balances)  # balances before the first block at ts
        self.record_supply[rid] = self.supply()
        self.now = ts
        if not (in_block and self._transfer(self.addr[src], self.addr[dst], 50)):
            self.env.rpc.request("evm_mine", [ts])

    @rule(seconds=st.sampled_from([1, 59, 3600, DAY, 40 * DAY]))
    def advance(self, seconds: int) -> None:
        self.begin("advance")
        self.now += seconds
        self.env.rpc.request("evm_mine", [self.now])

    @rule(who=st.integers(0, HOLDERS + SPARES - 1), frozen=st.booleans(), withholding=st.booleans())
    def set_registry_flags(self, who: int, frozen: bool, withholding: bool) -> None:
        self.begin("registry flags")
        a = self.addr[who]
        record = investor(frozen=frozen, withholding=withholding)
        if record == investor(frozen=self.frozen[a], withholding=self.withholding[a]):
            return
        _, err = self.send(self.env.registry, "setInvestor", a, record, sender=self.env.officer)
        self.expect(err, None, "setInvestor")
        self.frozen[a], self.withholding[a] = frozen, withholding

    @rule(who=WHO)
    def toggle_wallet_frozen(self, who: int) -> None:
        """Token-level full freeze on or off (never lifted from a recovered wallet here)."""
        self.begin("wallet freeze")
        a = self.addr[who]
        frozen = not self.wallet_frozen[a]
        if self.lost(a):
            return
        _, err = self.send(self.env.token, "setWalletFrozen", a, frozen, sender=self.env.officer)
        self.expect(err, None, "setWalletFrozen")
        self.wallet_frozen[a] = frozen

    @rule(lost=st.integers(0, HOLDERS + SPARES - 1), spare=st.integers(0, SPARES - 1))
    def recover(self, lost: int, spare: int) -> None:
        self.begin("recover")
        a, b = self.addr[lost], self.addr[HOLDERS + spare]
        if a == b or self.lost(a) or self.lost(b) or self.frozen[b] or self.wallet_frozen[b]:
            return
        _, err = self.send(
            self.env.token, "recoverWallet", a, b, b"ticket", sender=self.env.controller
        )
        self.expect(err, None, "recoverWallet")
        self.balances[b] += self.balances[a]
        self.balances[a] = 0
        self.successor[a] = b
        self.wallet_frozen[a] = True  # the recovery freezes the lost wallet on the token

    # --- dividends

    @precondition(lambda self: bool(self.records))
    @rule(
        data=st.data(),
        asset=st.sampled_from(["eth", "coin"]),
        bps=st.sampled_from([0, 0, 1500, 10_000]),
        excluded=st.sampled_from([(), (), (4,), (3, 4), (0, 1, 2, 3, 4)]),
        lifetime=st.sampled_from([1, 3600, 5 * DAY, 60 * DAY, 60 * DAY]),
    )
    def create_distribution(
        self, data: Any, asset: str, bps: int, excluded: tuple[int, ...], lifetime: int
    ) -> None:
        self.begin("create distribution")
        rid = data.draw(st.sampled_from(sorted(self.records)))
        amount = data.draw(st.sampled_from(ETH_AMOUNTS if asset == "eth" else COIN_AMOUNTS))
        self._create_distribution(rid, asset, amount, bps, excluded, lifetime)

    def _create_distribution(
        self, rid: int, asset: str, amount: int, bps: int, excluded: tuple[int, ...], lifetime: int
    ) -> None:
        ex = [self.addr[i] for i in excluded]
        eligible = self.record_supply[rid] - sum(self.records[rid][a] for a in ex)
        expiry = self.now + lifetime
        tax = str(self.env.tax_wallet.address) if bps else ZERO
        dist = self.env.distributor
        if asset == "eth":
            params = (self.env.token.address, rid, ZERO, amount, expiry, bps, tax, ex)
            _, err = self.send(
                dist, "createDistribution", params, sender=self.env.issuer, value=amount
            )
        else:
            _, err = self.send(
                self.env.coin, "mint", self.env.issuer, amount, sender=self.env.deployer
            )
            self.expect(err, None, "mint")
            params = (
                self.env.token.address,
                rid,
                str(self.env.coin.address),
                amount,
                expiry,
                bps,
                tax,
                ex,
            )
            _, err = self.send(dist, "createDistribution", params, sender=self.env.issuer)
        if eligible == 0:
            self.expect(err, "NothingEligible", "createDistribution")
            return
        self.expect(err, None, "createDistribution")
        did = int(self.view(dist, "distributionCount"))
        assert did == len(self.dists) + 1
        self.dists.append(Dist(did, rid, asset, amount, eligible, expiry, bps, set(ex)))

    @precondition(lambda self: bool(self.dists))
    @rule(data=st.data(), who=WHO, by=st.sampled_from(["payee", "payee", "outsider", "wallet"]))
    def claim_for(self, data: Any, who: int, by: str) -> None:
        """``claimFor`` a holder, sent by its payee (the only caller allowed), by an outsider
        (the deployer) or by any wallet of the pool."""
        self.begin("claimFor")
        d = data.draw(st.sampled_from(self.dists))
        holder = self.addr[who]
        if by == "payee":
            caller = self.account(self.successor_of(holder))
        elif by == "outsider":
            caller = self.env.deployer
        else:
            caller = self.env.wallets[data.draw(st.integers(0, HOLDERS + SPARES - 1))]
        self._claim(d, holder, caller=caller)

    @precondition(lambda self: bool(self.dists))
    @rule(data=st.data(), who=WHO)
    def claim(self, data: Any, who: int) -> None:
        """A holder (or whoever has its key, after a recovery) claims for itself."""
        self.begin("claim")
        self._claim(data.draw(st.sampled_from(self.dists)), self.addr[who], caller=None)

    def _claim(self, d: Dist, holder: str, *, caller: Any) -> None:
        """``claim`` by ``holder`` (caller None) or ``claimFor(holder)`` sent by ``caller``."""
        sender = self.account(holder) if caller is None else caller
        want, payee, gross, withheld = self.predict_claim(d, holder, str(sender.address))
        watch = payee or holder
        before = self.asset_balance(d, watch)
        if caller is None:
            receipt, err = self.send(self.env.distributor, "claim", d.id, sender=sender)
        else:
            receipt, err = self.send(self.env.distributor, "claimFor", d.id, holder, sender=sender)
        self.expect(err, want, f"claim of {holder} on distribution {d.id}")
        if err:
            return
        got = self.asset_balance(d, payee) - before
        if d.asset == "eth":  # the payee sent it: add its fee back
            got += receipt.fee
        assert got == gross - withheld, f"{payee} received {got}, expected {gross - withheld}"
        [log] = receipt.logs_of("DividendDistributor", self.dist_address, "Claimed")
        assert to_checksum_address(log["payee"]) == payee
        assert (log["amount"], log["withheld"]) == (gross - withheld, withheld)
        self.book(d, holder, gross, withheld)
        d.observed += got

    @precondition(lambda self: any(d.gross for d in self.dists))
    @rule(data=st.data(), to=WHO, by_self=st.booleans())
    def claim_transfer_claim(self, data: Any, to: int, by_self: bool) -> None:
        """A paid holder moves its tokens, then it and the receiver both try to claim again."""
        self.begin("claim-transfer-claim")
        d = data.draw(st.sampled_from([d for d in self.dists if d.gross]))
        holder = data.draw(st.sampled_from(sorted(d.gross)))
        receiver = self.addr[to]
        self._transfer(holder, receiver, 100)
        self._claim(d, holder, caller=None if by_self else self.account(holder))
        self._claim(d, receiver, caller=self.account(receiver) if by_self else None)

    @precondition(lambda self: bool(self.dists))
    @rule(data=st.data(), picks=st.lists(st.integers(0, HOLDERS + SPARES - 1), max_size=6))
    def push(self, data: Any, picks: list[int]) -> None:
        self.begin("push")
        d = data.draw(st.sampled_from(self.dists))
        holders = [self.addr[i] for i in picks]
        if self.now >= d.expiry:
            _, err = self.send(self.env.distributor, "push", d.id, holders, sender=self.env.issuer)
            self.expect(err, "DistributionExpired", "push after expiry")
            return
        plan: list[tuple[str, str, int, int] | tuple[str, int]] = []
        deltas: Counter[str] = Counter()
        skip_code = {"AlreadyPaid": 1, "ExcludedHolder": 1, "InvestorFrozen": 2, "NothingDue": 3}
        # push pays each holder's successor, never a recovered wallet
        for h in holders:
            want, payee, gross, withheld = self.predict_claim(d, h)
            if want is None:
                plan.append((h, payee, gross, withheld))
                self.book(d, h, gross, withheld)
                deltas[payee] += gross - withheld
            else:
                plan.append((h, skip_code[want]))
        before = {a: self.asset_balance(d, a) for a in deltas}
        receipt, err = self.send(
            self.env.distributor, "push", d.id, holders, sender=self.env.issuer
        )
        self.expect(err, None, "push")
        claimed = [
            (
                to_checksum_address(x["holder"]),
                to_checksum_address(x["payee"]),
                x["amount"] + x["withheld"],
                x["withheld"],
            )
            for x in receipt.logs_of("DividendDistributor", self.dist_address, "Claimed")
        ]
        skipped = [
            (to_checksum_address(x["holder"]), x["reason"])
            for x in receipt.logs_of("DividendDistributor", self.dist_address, "PushSkipped")
        ]
        assert claimed == [p for p in plan if len(p) == 4], (claimed, plan)
        assert skipped == [p for p in plan if len(p) == 2], (skipped, plan)
        for a, delta in deltas.items():
            got = self.asset_balance(d, a) - before[a]
            assert got == delta, f"push paid {a} {got}, expected {delta}"
            d.observed += got

    @precondition(lambda self: bool(self.dists))
    @rule(data=st.data())
    def reclaim(self, data: Any) -> None:
        self.begin("reclaim")
        d = data.draw(st.sampled_from(self.dists))
        if self.now < d.expiry:
            want: str | None = "DistributionNotExpired"
        elif d.is_reclaimed:
            want = "AlreadyReclaimed"
        else:
            want = None
        before = self.asset_balance(d, self.dist_address)
        _, err = self.send(self.env.distributor, "reclaim", d.id, sender=self.env.issuer)
        self.expect(err, want, "reclaim")
        if err:
            return
        d.reclaimed = d.deposit - d.released
        d.is_reclaimed = True
        assert before - self.asset_balance(d, self.dist_address) == d.reclaimed

    @precondition(lambda self: bool(self.dists))
    @rule(data=st.data())
    def withdraw_withheld(self, data: Any) -> None:
        self.begin("withdraw withheld")
        d = data.draw(st.sampled_from(self.dists))
        amount = d.withheld - d.withdrawn
        tax = str(self.env.tax_wallet.address)
        before = self.asset_balance(d, tax)
        _, err = self.send(self.env.distributor, "withdrawWithheld", d.id, sender=self.env.deployer)
        self.expect(err, None if amount else "NothingWithheld", "withdrawWithheld")
        if err:
            return
        assert self.asset_balance(d, tax) - before == amount
        d.withdrawn += amount

    # --- ballots

    @precondition(lambda self: bool(self.records))
    @rule(
        data=st.data(),
        options=st.integers(2, 4),
        excluded=st.sampled_from([(), (), (4,), (0, 1, 2, 3, 4)]),
        duration=st.sampled_from([60, DAY, 30 * DAY, 30 * DAY]),
        quorum=st.sampled_from([0, 2500, 5000, 10_000]),
        threshold=st.sampled_from([0, 5001, 6667]),
    )
    def create_ballot(
        self,
        data: Any,
        options: int,
        excluded: tuple[int, ...],
        duration: int,
        quorum: int,
        threshold: int,
    ) -> None:
        self.begin("create ballot")
        rid = data.draw(st.sampled_from(sorted(self.records)))
        self._create_ballot(rid, options, excluded, duration, quorum, threshold)

    def _create_ballot(
        self,
        rid: int,
        options: int,
        excluded: tuple[int, ...],
        duration: int,
        quorum: int,
        threshold: int,
    ) -> None:
        ex = [self.addr[i] for i in excluded]
        eligible = self.record_supply[rid] - sum(self.records[rid][a] for a in ex)
        start, end = self.now, self.now + duration
        labels = [f"o{i}" for i in range(options)]
        params = (
            self.env.token.address, "t", "u", b"\x01" * 32, labels, rid, start, end, quorum,
            threshold, ex,
        )  # fmt: skip
        _, err = self.send(self.env.voting, "createBallot", params, sender=self.env.issuer)
        if eligible == 0:
            self.expect(err, "NothingEligible", "createBallot")
            return
        self.expect(err, None, "createBallot")
        bid = int(self.view(self.env.voting, "ballotCount"))
        assert bid == len(self.ballots) + 1
        self.ballots.append(
            Ballot(
                bid,
                rid,
                start,
                end,
                options,
                quorum,
                threshold,
                set(ex),
                eligible,
                set(),
                [0] * options,
            )
        )

    def predict_vote(self, b: Ballot, voter: str, option: int) -> tuple[str | None, int]:
        """Verdict and weight of ``voter``'s vote cast now by whoever may cast it."""
        if self.now >= b.end:
            return "VotingClosed", 0
        if option >= b.options:
            return "InvalidOption", 0
        if voter in b.excluded:
            return "ExcludedVoter", 0
        if voter in b.voted:
            return "AlreadyVoted", 0
        weight = self.records[b.rid].get(voter, 0)
        if weight == 0:
            return "NoVotingWeight", 0
        if self.is_frozen(self.successor_of(voter)):
            return "InvestorFrozen", 0
        return None, weight

    @precondition(lambda self: bool(self.ballots))
    @rule(
        data=st.data(),
        votes=st.lists(st.tuples(WHO, st.sampled_from([0, 0, 1, 1, 2, 4])), min_size=1, max_size=4),
    )
    def vote(self, data: Any, votes: list[tuple[int, int]]) -> None:
        """A round of votes on one ballot (a wallet may appear twice)."""
        self.begin("vote")
        b = data.draw(st.sampled_from(self.ballots))
        for who, option in votes:
            voter = self.addr[who]
            if self.lost(voter):
                want, weight = "WalletSuperseded", 0
            else:
                want, weight = self.predict_vote(b, voter, option)
            _, err = self.send(self.env.voting, "vote", b.id, option, sender=self.account(voter))
            self.expect(err, want, f"vote of {voter} on ballot {b.id}")
            if not err:
                b.voted.add(voter)
                b.tallies[option] += weight

    @precondition(lambda self: any(b.voted - b.excluded for b in self.ballots))
    @rule(data=st.data(), to=WHO, option=st.integers(0, 1))
    def vote_transfer_vote(self, data: Any, to: int, option: int) -> None:
        """A voter moves its tokens, then it and the receiver both try to vote (again)."""
        self.begin("vote-transfer-vote")
        b = data.draw(st.sampled_from([b for b in self.ballots if b.voted - b.excluded]))
        voter = data.draw(st.sampled_from(sorted(b.voted - b.excluded)))
        receiver = self.addr[to]
        self._transfer(voter, receiver, 100)
        for who in (voter, receiver):
            if self.lost(who):
                continue
            want, weight = self.predict_vote(b, who, option)
            _, err = self.send(self.env.voting, "vote", b.id, option, sender=self.account(who))
            self.expect(err, want, f"vote of {who} on ballot {b.id} after a transfer")
            if not err:
                b.voted.add(who)
                b.tallies[option] += weight

    @precondition(lambda self: bool(self.ballots) and bool(self.successor))
    @rule(data=st.data(), option=st.integers(0, 3))
    def vote_as_successor(self, data: Any, option: int) -> None:
        self.begin("vote as successor")
        b = data.draw(st.sampled_from(self.ballots))
        lost = data.draw(st.sampled_from(sorted(self.successor)))
        want, weight = self.predict_vote(b, lost, option)
        heir = self.account(self.successor_of(lost))
        _, err = self.send(self.env.voting, "voteFor", b.id, lost, option, sender=heir)
        self.expect(err, want, "voteFor by successor")
        if not err:
            b.voted.add(lost)
            b.tallies[option] += weight

    @precondition(lambda self: bool(self.ballots))
    @rule(
        data=st.data(),
        holder=WHO,
        proxy=WHO,
        then_vote=st.booleans(),
        option=st.sampled_from([0, 1, 2, 4]),
        any_proxy=st.booleans(),
    )
    def appoint_proxy(
        self, data: Any, holder: int, proxy: int, then_vote: bool, option: int, any_proxy: bool
    ) -> None:
        """A holder appoints a proxy (any wallet, or one not recovered and not the holder); the
        proxy may vote at once (or later: proxy_vote)."""
        self.begin("appoint proxy")
        b = data.draw(st.sampled_from(self.ballots))
        h, p = self.addr[holder], self.addr[proxy]
        live = [a for a in self.addr if a != h and not self.lost(a)]
        if not any_proxy and live:
            p = live[proxy % len(live)]
        if self.now >= b.end:
            want: str | None = "VotingClosed"
        elif self.lost(h):
            want = "WalletSuperseded"
        elif h in b.excluded:
            want = "ExcludedVoter"
        elif h in b.voted:
            want = "AlreadyVoted"
        else:
            want = None
        _, err = self.send(self.env.voting, "appointProxy", b.id, p, sender=self.account(h))
        self.expect(err, want, f"appointProxy of {h} on ballot {b.id}")
        if not err:
            b.proxies[h] = p
            if then_vote:
                self.step = "proxy vote"
                self._proxy_vote(b, h, option)

    @precondition(lambda self: any(b.proxies for b in self.ballots))
    @rule(data=st.data(), option=st.sampled_from([0, 1, 2, 4]))
    def proxy_vote(self, data: Any, option: int) -> None:
        """An appointed proxy (perhaps recovered or frozen since) casts the holder's vote."""
        self.begin("proxy vote")
        b = data.draw(st.sampled_from([b for b in self.ballots if b.proxies]))
        self._proxy_vote(b, data.draw(st.sampled_from(sorted(b.proxies))), option)

    def _proxy_vote(self, b: Ballot, h: str, option: int) -> None:
        p = b.proxies[h]
        weight = 0
        if self.lost(h):  # only the successor may cast a recovered wallet's vote
            want: str | None = None if p == self.successor_of(h) else "NotAuthorized"
        elif p == h:
            want = "NotAuthorized"
        elif self.lost(p):
            want = "WalletSuperseded"
        elif self.is_frozen(p):
            want = "InvestorFrozen"
        else:
            want = None
        if want is None:
            want, weight = self.predict_vote(b, h, option)
        _, err = self.send(self.env.voting, "voteFor", b.id, h, option, sender=self.account(p))
        self.expect(err, want, f"voteFor {h} by proxy {p} on ballot {b.id}")
        if not err:
            b.voted.add(h)
            b.tallies[option] += weight

    # --- invariants

    @invariant()
    def dividends_balance(self) -> None:
        client = self.env.rpc.client
        infos = client.read_many(
            [
                Read(self.dist_address, "DividendDistributor", "distribution", (d.id,))
                for d in self.dists
            ],
            named=True,
        )
        eth = client.request("eth_getBalance", [self.dist_address, "latest"])
        [coin] = self.coin_balances([self.dist_address])
        owed = {"eth": 0, "coin": 0}
        for d, named in zip(self.dists, infos, strict=True):
            info = named["info"]
            deposit, released, withheld = info["deposit"], info["released"], info["withheld"]
            withdrawn, reclaimed = info["withheldWithdrawn"], info["reclaimed"]
            assert deposit == d.deposit
            assert (released, withheld, withdrawn, reclaimed) == (
                d.released,
                d.withheld,
                d.withdrawn,
                d.reclaimed,
            ), f"after {self.step}: books of distribution {d.id} differ from the model"
            unclaimed = deposit - released - reclaimed
            # paid (seen arriving) + withheld + unclaimed + reclaimed == deposit
            assert d.observed + withheld + unclaimed + reclaimed == d.deposit
            # nobody above its pro-rata share; never more than the deposit in total
            for holder, gross in d.gross.items():
                assert gross <= d.deposit * self.records[d.rid][holder] // d.eligible
            assert d.released <= d.deposit
            owed[d.asset] += unclaimed + (withheld - withdrawn)
        assert int(eth, 16) == owed["eth"], f"after {self.step}: ETH books"
        assert coin == owed["coin"], f"after {self.step}: coin books"

    @invariant()
    def tallies_match_record_balances(self) -> None:
        address = str(self.env.voting.address)
        reads = []
        for b in self.ballots:
            reads.append(Read(address, "ShareholderVoting", "tallies", (b.id,)))
            reads.append(Read(address, "ShareholderVoting", "outcome", (b.id,)))
        answers = self.env.rpc.client.read_many(reads, named=True)
        for i, b in enumerate(self.ballots):
            tallies = answers[2 * i]["result"]
            assert list(tallies) == b.tallies, f"after {self.step}: tallies of ballot {b.id}"
            o = answers[2 * i + 1]["o"]
            turnout = sum(b.tallies)
            assert o["turnout"] == turnout
            assert o["quorumReached"] == (turnout * BPS >= b.quorum_bps * b.eligible)


def test_corporate_state_machine(env: Env) -> None:
    CorporateMachine.env = env
    CorporateMachine.stats = Stats()
    started = time.monotonic()
    try:
        profile = settings()  # the active profile (SECTOKEN_PROFILE), scaled: steps here are cheap
        run_state_machine_as_test(
            CorporateMachine,
            settings=settings(profile, max_examples=profile.max_examples * EXAMPLE_SCALE),
        )
    finally:
        print(CorporateMachine.stats.summary(time.monotonic() - started))
