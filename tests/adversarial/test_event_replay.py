"""Event completeness: after a long random run, everything an auditor needs is rebuilt from the
contracts' logs alone and compared with on-chain state.

A seeded random driver mixes registry edits (single, batch, remove, freeze), issuance,
transfers, allowances, redemptions, token freezes (full and partial), documents, controller
transfers and redemptions with operator data, wallet recoveries, record dates, rule and role
changes, pauses, ETH distributions (create, claim, push), ballots (create, vote, proxies) and
the passing of time. Failed attempts are part of the run (they must leave no trace).

Then only ``eth_getLogs`` is read, decoded against the ABIs, and replayed into:
the registry (InvestorAdded/Updated/Removed), balances, holders and supply (Transfer), holders
per country (Transfer replayed with the registry records of the moment), issuance
and redemption (Issued/Redeemed, each matched to its Transfer), documents with their last-modified
time (DocumentUpdated/Removed), every forced movement with its operator data
(ControllerTransfer/ControllerRedemption/WalletRecovered), token freezes (WalletFrozen,
FrozenAmountChanged), record dates, rules, pause, roles (RoleGranted/RoleRevoked), distributions
(DistributionCreated/Claimed/Reclaimed/WithheldWithdrawn) and ballots
(BallotCreated/VoteCast/ProxyAppointed). Each rebuilt value is compared with the views.

Freezes are rebuilt from WalletFrozen and FrozenAmountChanged alone: a forced movement that
dips into a frozen part and a recovery (which freezes the lost wallet and moves its frozen part)
emit them too. One state change has no event of its own and is replayed by the documented rule:
the holding-period clock starts at each issuance (the block time of the Issued event) and a
recovery gives the new wallet the later of the two clocks. THREAT_MODEL.md lists it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from eth_utils import keccak, to_checksum_address

from sectoken.abi import event
from sectoken.chain.client import ChainClient
from sectoken.model.records import country_of

from ..contracts.conftest import DE, FR, US, record
from ..contracts.corporate_fixtures import DAY, ballot_params, eth_params
from .abi_calls import Raw

ZERO = "0x" + "00" * 20
DOC_NAMES = [n.ljust(32, b"\0") for n in (b"prospectus", b"terms", b"notice", b"agm")]
PAUSER_ROLE = keccak(text="PAUSER_ROLE")


# ------------------------------------------------------------------ decoding logs


@dataclass(frozen=True)
class Event:
    contract: str  # the contract's role: token, registry, distributor, voting
    name: str
    args: dict[str, Any]
    block: int
    tx: bytes
    index: int


def _normalize(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return to_checksum_address(value)
    if abi_type == "address[]":
        return [to_checksum_address(v) for v in value]
    if isinstance(value, dict):  # a struct, decoded by field name: compared as a tuple here
        return tuple(value.values())
    return value


def read_events(w3: Any, contracts: dict[str, Any], from_block: int) -> list[Event]:
    """Every log of ``contracts`` (role -> Ape contract) from ``from_block``, decoded by the
    package's chain client against the packaged ABI, in chain order."""
    client = ChainClient(w3)
    out = []
    for role, contract in contracts.items():
        name = contract.contract_type.name
        for log in client.logs(name, contract.address, from_block=from_block):
            types = {p["name"]: p["type"] for p in event(name, log.event).inputs}
            args = {k: _normalize(types[k], v) for k, v in log.args.items()}
            tx = bytes.fromhex(log.transaction_hash[2:])
            out.append(Event(role, log.event, args, log.block_number, tx, log.log_index))
    return sorted(out, key=lambda e: (e.block, e.index))


# ------------------------------------------------------------------ the random run


@dataclass(frozen=True)
class Wallet:
    address: str


def _plain(value: Any) -> Any:
    """Wallets (test accounts or bare addresses) as address strings, inside lists and tuples."""
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value.address if hasattr(value, "address") else value


@dataclass
class Run:
    rng: random.Random
    raw: Raw
    chain: Any
    c: dict[str, Any]
    issuer: Any
    officer: Any
    controller: Any
    admin: Any
    tax_wallet: Any
    wallets: list[Any]
    ok: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    forced: list[tuple[Any, ...]] = field(default_factory=list)

    def pick(self) -> Any:
        return self.rng.choice(self.wallets)

    def send(
        self, kind: str, contract: str, fn: str, args: list[Any], sender: Any, value: int = 0
    ) -> bool:
        receipt = self.raw.send(self.c[contract], fn, [_plain(a) for a in args], sender, value)
        if receipt.status == 1:
            self.ok[kind] += 1
        return bool(receipt.status == 1)

    def amount(self, holder: Any) -> int:
        balance = int(self.c["token"].balanceOf(holder.address))
        return (
            self.rng.randint(1, max(1, balance))
            if self.rng.random() < 0.8
            else self.rng.randint(1, 1000)
        )

    def data(self) -> bytes:
        return self.rng.randbytes(self.rng.choice([0, 4, 33]))

    # each step is one of these, chosen by weight
    def registry_set(self) -> None:
        now = self.chain.pending_timestamp
        word = record(
            self.rng.choice([US, US, DE, FR]),
            kyc_expiry=self.rng.choice([4_102_444_800] * 4 + [now + self.rng.randint(60, 3 * DAY)]),
            lockup_until=self.rng.choice([0] * 5 + [now + self.rng.randint(60, DAY)]),
            accredited=self.rng.random() < 0.8,
            withholding=self.rng.random() < 0.2,
        )
        self.send("registry", "registry", "setInvestor", [self.pick(), word], self.officer)

    def heal(self) -> None:
        """Give a wallet a clean record and lift its token freeze (runs would otherwise decay)."""
        wallet = self.pick()
        word = record(withholding=self.rng.random() < 0.3)
        self.send("heal", "registry", "setInvestor", [wallet, word], self.officer)
        if self.c["token"].walletState(_plain(wallet)).frozen:
            self.send("heal", "token", "setWalletFrozen", [wallet, False], self.officer)

    def registry_batch(self) -> None:
        chosen = self.rng.sample(self.wallets, 3)
        words = [record(self.rng.choice([US, DE])) for _ in chosen]
        self.send("registry batch", "registry", "setInvestors", [chosen, words], self.officer)

    def registry_remove(self) -> None:
        self.send("registry remove", "registry", "removeInvestor", [self.pick()], self.officer)

    def registry_freeze(self) -> None:
        args = [self.pick(), self.rng.random() < 0.3]
        self.send("registry freeze", "registry", "setFrozen", args, self.officer)

    def issue(self) -> None:
        args = [self.pick(), self.rng.randint(1, 500), self.data()]
        self.send("issue", "token", "issue", args, self.issuer)

    def transfer(self) -> None:
        src, dst = self.pick(), self.pick()
        self.send("transfer", "token", "transfer", [dst, self.amount(src)], src)

    def transfer_from(self) -> None:
        src, dst, spender = self.pick(), self.pick(), self.pick()
        amount = self.amount(src)
        self.send("approve", "token", "approve", [spender, amount], src)
        self.send(
            "transferFrom",
            "token",
            "transferFromWithData",
            [src, dst, amount, self.data()],
            spender,
        )

    def redeem(self) -> None:
        holder = self.pick()
        self.send("redeem", "token", "redeem", [self.amount(holder), self.data()], holder)

    def token_freeze(self) -> None:
        args = [self.pick(), self.rng.random() < 0.3]
        self.send("wallet freeze", "token", "setWalletFrozen", args, self.officer)

    def partial_freeze(self) -> None:
        holder = self.pick()
        fn = self.rng.choice(["freezePartial", "unfreezePartial"])
        self.send(fn, "token", fn, [holder, self.rng.randint(1, 300)], self.officer)

    def document(self) -> None:
        name = self.rng.choice(DOC_NAMES)
        if self.rng.random() < 0.7:
            uri = f"ipfs://doc-{self.rng.randint(0, 10**6)}"
            self.send(
                "document", "token", "setDocument", [name, uri, self.rng.randbytes(32)], self.issuer
            )
        else:
            self.send("document removed", "token", "removeDocument", [name], self.issuer)

    def controller_transfer(self) -> None:
        src, dst = self.pick(), self.pick()
        args = [src, dst, self.amount(src), self.data(), self.data() or b"court order"]
        if self.send("controllerTransfer", "token", "controllerTransfer", args, self.controller):
            self.forced.append(("ControllerTransfer", src.address, dst.address, *args[2:]))

    def controller_redeem(self) -> None:
        holder = self.pick()
        args = [holder, self.amount(holder), self.data(), b"regulator " + self.data()]
        if self.send("controllerRedeem", "token", "controllerRedeem", args, self.controller):
            self.forced.append(("ControllerRedemption", holder.address, *args[1:]))

    def recover(self) -> None:
        lost, new = self.pick(), self.pick()
        amount = int(self.c["token"].balanceOf(lost.address))
        frozen = int(self.c["token"].walletState(lost.address).frozenAmount)
        args = [lost, new, b"lost keys " + self.data()]
        if self.send("recoverWallet", "token", "recoverWallet", args, self.controller):
            self.forced.append(
                ("WalletRecovered", lost.address, new.address, amount, frozen, args[2])
            )

    def record_date(self) -> None:
        at = self.chain.pending_timestamp + self.rng.randint(2, 120)
        if self.send("record date", "token", "scheduleRecordDate", [at], self.issuer):
            roll = self.rng.random()
            if roll < 0.7:
                self.chain.mine(timestamp=at + self.rng.randint(0, 5))
            elif roll < 0.85:  # a pending record date set by mistake is cancelled
                latest = self.c["token"].latestRecordDateId()
                self.send("cancel record date", "token", "cancelRecordDate", [latest], self.issuer)

    def rules(self) -> None:
        token = self.c["token"]
        if self.rng.random() < 0.5:
            args = [(self.rng.random() < 0.1, False, 0, self.rng.choice([0, 0, 30]), 0, 0, 0)]
            self.send("rules", "token", "setRules", args, self.officer)
        else:
            args = [
                self.rng.choice([US, DE, FR]),
                self.rng.random() < 0.2,
                self.rng.choice([0, 0, 3]),
            ]
            self.send("country rule", "token", "setCountryRule", args, self.officer)
        assert token.address

    def pause(self) -> None:
        """Pause, try a transfer (refused), and usually lift the pause again."""
        if not self.c["token"].paused():
            self.send("pause", "token", "pause", [], self.officer)
        self.transfer()
        if self.rng.random() < 0.8:
            self.send("unpause", "token", "unpause", [], self.officer)

    def role(self) -> None:
        wallet = self.pick()
        held = self.c["token"].hasRole(PAUSER_ROLE, _plain(wallet))
        fn = "revokeRole" if held else "grantRole"
        self.send("role", "token", fn, [PAUSER_ROLE, wallet], self.admin)

    def recent(self, count: int) -> int:
        """One of the three latest ids (older distributions and ballots have mostly closed)."""
        return count - self.rng.randint(0, min(2, count - 1))

    def current(self, *, besides: Any = None) -> Any:
        """A wallet that was not recovered (a recovered one can no longer vote or appoint),
        other than ``besides`` when given."""
        token = self.c["token"]
        live = [w for w in self.wallets if token.successorOf(_plain(w)) == _plain(w)]
        others = [w for w in live or self.wallets if w != besides]
        return self.rng.choice(others)

    def time(self) -> None:
        self.chain.mine(timestamp=self.chain.pending_timestamp + self.rng.randint(1, 2 * DAY))

    def passed_record_date(self) -> int | None:
        token = self.c["token"]
        latest = int(token.latestRecordDateId())
        for rid in range(latest, 0, -1):
            if token.recordDate(rid) < self.chain.blocks.head.timestamp:
                return rid
        return None

    def distribution(self) -> None:
        rid = self.passed_record_date()
        if rid is None:
            return
        expiry = self.chain.pending_timestamp + self.rng.randint(DAY, 6 * DAY)
        excluded = self.rng.sample(self.wallets, self.rng.choice([0, 0, 1]))
        amount = self.rng.randint(10**6, 10**18)
        tax: dict[str, Any] = {}
        if self.rng.random() < 0.5:
            tax = {"withholding_bps": 1500, "tax_wallet": self.tax_wallet}
        params = eth_params(self.c["token"], rid, amount, expiry, excluded=excluded, **tax)
        self.send(
            "distribution", "distributor", "createDistribution", [params], self.issuer, amount
        )

    def claim(self) -> None:
        count = int(self.c["distributor"].distributionCount())
        if count:
            did = self.recent(count)
            roll = self.rng.random()
            if roll < 0.5:
                self.send("claim", "distributor", "claim", [did], self.pick())
            elif roll < 0.7:
                holders = self.rng.sample(self.wallets, 3)
                self.send("push", "distributor", "push", [did, holders], self.issuer)
            elif roll < 0.85:  # a distribution with tax to pay over, if any
                owed = [
                    d
                    for d in range(1, count + 1)
                    if self.info(d).withheld > self.info(d).withheldWithdrawn
                ]
                did = self.rng.choice(owed) if owed else did
                self.send("withdrawWithheld", "distributor", "withdrawWithheld", [did], self.pick())
            else:  # an expired one, if any
                now = self.chain.blocks.head.timestamp
                done = [d for d in range(1, count + 1) if self.info(d).expiry <= now]
                did = self.rng.choice(done) if done else did
                self.send("reclaim", "distributor", "reclaim", [did], self.issuer)

    def info(self, did: int) -> Any:
        return self.c["distributor"].distribution(did)

    def ballot(self) -> None:
        rid = self.passed_record_date()
        if rid is None:
            return
        start = self.chain.pending_timestamp + self.rng.choice([0, 0, 600])
        params = ballot_params(
            self.c["token"],
            rid,
            start,
            start + self.rng.randint(DAY, 5 * DAY),
            options=["For", "Against"],
            quorum_bps=self.rng.choice([0, 2500]),
            excluded=self.rng.sample(self.wallets, self.rng.choice([0, 1])),
            doc_hash=self.rng.randbytes(32),
        )
        self.send("ballot", "voting", "createBallot", [params], self.issuer)

    def vote(self) -> None:
        count = int(self.c["voting"].ballotCount())
        if not count:
            return
        bid, voter = self.recent(count), self.current()
        roll = self.rng.random()
        if roll < 0.5:
            self.send("vote", "voting", "vote", [bid, self.rng.randint(0, 1)], voter)
        elif roll < 0.75:
            self.send("proxy", "voting", "appointProxy", [bid, self.pick()], voter)
        else:  # a holder that appointed a proxy, if any, and that proxy
            proxy_of = {w.address: self.c["voting"].proxyOf(bid, w.address) for w in self.wallets}
            appointed = [w for w in self.wallets if proxy_of[w.address] != ZERO]
            voter = self.rng.choice(appointed) if appointed else voter
            by_address = {w.address: w for w in self.wallets}
            proxy = by_address.get(proxy_of[voter.address], self.pick())
            self.send("voteFor", "voting", "voteFor", [bid, voter, self.rng.randint(0, 1)], proxy)

    def epilogue(self) -> None:
        """The rarest paths once more, on purpose: tax withheld and paid over, a proxy vote."""
        token = self.c["token"]
        if token.paused():
            self.send("unpause", "token", "unpause", [], self.officer)
        self.send("rules", "token", "setRules", [(False, False, 0, 0, 0, 0, 0)], self.officer)
        self.send("country rule", "token", "setCountryRule", [US, False, 0], self.officer)
        holder = self.current()
        proxy = self.current(besides=holder)  # the same wallet would clear its own tax flag
        for wallet, taxed in ((holder, True), (proxy, False)):
            self.send(
                "heal", "registry", "setInvestor", [wallet, record(withholding=taxed)], self.officer
            )
            if token.walletState(_plain(wallet)).frozen:
                self.send("heal", "token", "setWalletFrozen", [wallet, False], self.officer)
        assert self.send("issue", "token", "issue", [holder, 100, b""], self.issuer)
        latest = int(token.latestRecordDateId())
        if latest and token.recordDate(latest) >= self.chain.pending_timestamp:
            self.chain.mine(timestamp=int(token.recordDate(latest)) + 1)  # let it pass first
        at = self.chain.pending_timestamp + 10
        assert self.send("record date", "token", "scheduleRecordDate", [at], self.issuer)
        self.chain.mine(timestamp=at)
        rid = int(token.latestRecordDateId())
        expiry = self.chain.pending_timestamp + DAY
        params = eth_params(
            token, rid, 10**15, expiry, withholding_bps=2000, tax_wallet=self.tax_wallet
        )
        assert self.send(
            "distribution", "distributor", "createDistribution", [params], self.issuer, 10**15
        )
        did = int(self.c["distributor"].distributionCount())
        assert self.send("claim", "distributor", "claim", [did], holder)
        assert self.send("withdrawWithheld", "distributor", "withdrawWithheld", [did], proxy)
        start = self.chain.pending_timestamp
        ballot = ballot_params(token, rid, start, start + DAY, options=["For", "Against"])
        assert self.send("ballot", "voting", "createBallot", [ballot], self.issuer)
        bid = int(self.c["voting"].ballotCount())
        assert self.send("proxy", "voting", "appointProxy", [bid, proxy], holder)
        assert self.send("voteFor", "voting", "voteFor", [bid, holder, 0], proxy)

    def step(self) -> None:
        actions: list[tuple[Callable[[], None], int]] = [
            (self.registry_set, 4),
            (self.heal, 4),
            (self.registry_batch, 1),
            (self.registry_remove, 1),
            (self.registry_freeze, 1),
            (self.issue, 5),
            (self.transfer, 8),
            (self.transfer_from, 2),
            (self.redeem, 1),
            (self.token_freeze, 1),
            (self.partial_freeze, 2),
            (self.document, 3),
            (self.controller_transfer, 2),
            (self.controller_redeem, 2),
            (self.recover, 1),
            (self.record_date, 2),
            (self.rules, 2),
            (self.pause, 1),
            (self.role, 2),
            (self.time, 2),
            (self.distribution, 2),
            (self.claim, 4),
            (self.ballot, 2),
            (self.vote, 4),
        ]
        action = self.rng.choices([a for a, _ in actions], weights=[w for _, w in actions])[0]
        action()


# ------------------------------------------------------------------ replay and compare


def replay_and_compare(run: Run, events: list[Event], start_block: int) -> None:
    c, chain = run.c, run.chain
    token, registry, distributor, voting = c["token"], c["registry"], c["distributor"], c["voting"]
    addresses = [w.address for w in run.wallets]
    by_tx: dict[bytes, list[Event]] = defaultdict(list)
    for e in events:
        by_tx[e.tx].append(e)

    # registry
    records: dict[str, int] = {}
    for e in events:
        if e.contract != "registry":
            continue
        w = e.args.get("wallet")
        if e.name == "InvestorAdded":
            assert records.get(w, 0) == 0
            records[w] = e.args["record"]
        elif e.name == "InvestorUpdated":
            assert records.get(w) == e.args["oldRecord"], "InvestorUpdated.oldRecord out of step"
            records[w] = e.args["newRecord"]
        elif e.name == "InvestorRemoved":
            assert records.pop(w) == e.args["oldRecord"]
    for w in addresses:
        assert registry.recordOf(w) == records.get(w, 0), f"registry record of {w}"

    # balances, holders, supply; issuance and redemption matched to their Transfer
    balances: dict[str, int] = defaultdict(int)
    supply = 0
    for e in events:
        if e.contract == "token" and e.name == "Transfer":
            src, dst, value = e.args["from"], e.args["to"], e.args["value"]
            if src == ZERO:
                supply += value
            else:
                balances[src] -= value
                assert balances[src] >= 0
            if dst == ZERO:
                supply -= value
            else:
                balances[dst] += value
        if e.contract == "token" and e.name in ("Issued", "Redeemed"):
            party = "to" if e.name == "Issued" else "from"
            mint = e.name == "Issued"
            [t] = [x for x in by_tx[e.tx] if x.name == "Transfer" and x.contract == "token"]
            assert (t.args["from"] == ZERO) == mint and (t.args["to"] == ZERO) != mint
            assert (
                t.args["to" if mint else "from"] == e.args[party]
                and t.args["value"] == e.args["value"]
            )
    for w in addresses:
        assert token.balanceOf(w) == balances[w], f"balance of {w}"
    assert token.totalSupply() == supply
    assert token.holderCount() == sum(1 for b in balances.values() if b > 0)

    # holders per country: a wallet counts under the registry country it had when its balance
    # went from zero to positive (registry and token logs replayed together, in log order)
    live_records: dict[str, int] = {}
    held: dict[str, int] = defaultdict(int)
    counted_under: dict[str, int] = {}
    per_country: dict[int, int] = defaultdict(int)
    for e in events:
        if e.contract == "registry" and e.name in ("InvestorAdded", "InvestorUpdated"):
            live_records[e.args["wallet"]] = e.args.get("record", e.args.get("newRecord"))
        elif e.contract == "registry" and e.name == "InvestorRemoved":
            live_records.pop(e.args["wallet"])
        elif e.contract == "token" and e.name == "Transfer" and e.args["value"]:
            src, dst, value = e.args["from"], e.args["to"], e.args["value"]
            if src == dst:
                continue
            if dst != ZERO:
                if held[dst] == 0:
                    counted_under[dst] = country_of(live_records.get(dst, 0))
                    per_country[counted_under[dst]] += 1
                held[dst] += value
            if src != ZERO:
                held[src] -= value
                if held[src] == 0:
                    per_country[counted_under.pop(src)] -= 1
    for country in (US, DE, FR):
        assert token.countryRule(country)[2] == per_country[country], f"holders in {country}"

    # forced movements with their operator data, in order, each with its Transfer
    forced = []
    for e in events:
        if e.contract != "token":
            continue
        if e.name == "ControllerTransfer":
            a = e.args
            forced.append((e.name, a["from"], a["to"], a["value"], a["data"], a["operatorData"]))
            assert a["controller"] == run.controller.address
        elif e.name == "ControllerRedemption":
            a = e.args
            forced.append((e.name, a["tokenHolder"], a["value"], a["data"], a["operatorData"]))
        elif e.name == "WalletRecovered":
            a = e.args
            forced.append(
                (
                    e.name,
                    a["lostWallet"],
                    a["newWallet"],
                    a["amount"],
                    a["frozenAmount"],
                    a["operatorData"],
                )
            )
        else:
            continue
        transfers = [x for x in by_tx[e.tx] if x.contract == "token" and x.name == "Transfer"]
        assert len(transfers) <= 1 and (transfers or e.name == "WalletRecovered")
    assert forced == run.forced

    # token-level freezes from their events alone; holding-period clocks by the documented rule
    frozen: dict[str, bool] = defaultdict(bool)
    frozen_amount: dict[str, int] = defaultdict(int)
    acquired: dict[str, int] = defaultdict(int)
    for e in events:
        if e.contract != "token":
            continue
        a = e.args
        if e.name == "WalletFrozen":
            frozen[a["wallet"]] = a["frozen"]
        elif e.name == "FrozenAmountChanged":
            frozen_amount[a["wallet"]] = a["frozenAmount"]
        elif e.name == "Transfer":
            if a["from"] == ZERO and a["value"]:
                acquired[a["to"]] = chain.blocks[e.block].timestamp
        elif e.name == "WalletRecovered":
            lost, new = a["lostWallet"], a["newWallet"]
            acquired[new] = max(acquired[new], acquired[lost])
    for w in addresses:
        state = token.walletState(w)
        assert (state.frozen, state.frozenAmount, state.acquiredAt) == (
            frozen[w],
            frozen_amount[w],
            acquired[w],
        ), f"wallet state of {w}"
    successors = {
        e.args["lostWallet"]: e.args["newWallet"] for e in events if e.name == "WalletRecovered"
    }
    for w in addresses:
        s = w
        while s in successors:
            s = successors[s]
        assert token.successorOf(w) == s

    # documents and their last-modified times
    documents: dict[bytes, tuple[str, bytes, int]] = {}
    for e in events:
        if e.contract == "token" and e.name == "DocumentUpdated":
            documents[e.args["name"]] = (
                e.args["uri"],
                e.args["documentHash"],
                chain.blocks[e.block].timestamp,
            )
        elif e.contract == "token" and e.name == "DocumentRemoved":
            assert documents.pop(e.args["name"])[:2] == (e.args["uri"], e.args["documentHash"])
    assert {bytes(n) for n in token.getAllDocuments()} == set(documents)
    for name, (uri, doc_hash, ts) in documents.items():
        assert tuple(token.getDocument(name)) == (uri, doc_hash, ts)

    # record dates, rules, pause, roles
    # a cancelled record date frees its id for the next one scheduled
    scheduled: dict[int, int] = {}
    for e in events:
        if e.name == "RecordDateScheduled":
            scheduled[e.args["id"]] = e.args["timestamp"]
        elif e.name == "RecordDateCancelled":
            assert scheduled.pop(e.args["id"]) == e.args["timestamp"]
    assert token.latestRecordDateId() == len(scheduled)
    for rid, ts in scheduled.items():
        assert token.recordDate(rid) == ts
    rules = [e.args["rules"] for e in events if e.name == "RulesUpdated"]
    if rules:
        assert tuple(token.rules()) == tuple(rules[-1])
    countries: dict[int, tuple[bool, int]] = {}
    for e in events:
        if e.name == "CountryRuleUpdated":
            countries[e.args["country"]] = (e.args["listed"], e.args["maxHolders"])
    for country, (listed, max_holders) in countries.items():
        assert tuple(token.countryRule(country))[:2] == (listed, max_holders)
    assert token.isIssuable() == ("IssuanceFinalized" not in {e.name for e in events})
    pauses = [e for e in events if e.name in ("Paused", "Unpaused")]
    assert token.paused() == (bool(pauses) and pauses[-1].name == "Paused")
    # OpenZeppelin Pausable's layout: one non-indexed `address account` (the pauser)
    assert all(set(e.args) == {"account"} for e in pauses)
    roles: dict[tuple[str, bytes, str], bool] = {}
    for e in events:
        if e.name in ("RoleGranted", "RoleRevoked"):
            roles[(e.contract, e.args["role"], e.args["account"])] = e.name == "RoleGranted"
    for (contract, role, account), held in roles.items():
        assert c[contract].hasRole(role, account) == held

    # distributions
    created = {e.args["id"]: e.args for e in events if e.name == "DistributionCreated"}
    assert distributor.distributionCount() == len(created)
    released: dict[int, int] = defaultdict(int)
    withheld: dict[int, int] = defaultdict(int)
    paid: set[tuple[int, str]] = set()
    outflow = 0
    for e in events:
        if e.contract != "distributor":
            continue
        if e.name == "Claimed":
            released[e.args["id"]] += e.args["amount"] + e.args["withheld"]
            withheld[e.args["id"]] += e.args["withheld"]
            paid.add((e.args["id"], e.args["holder"]))
            outflow += e.args["amount"]
        elif e.name in ("Reclaimed", "WithheldWithdrawn"):
            outflow += e.args["amount"]
    for did, a in created.items():
        info = distributor.distribution(did)
        assert info.token == a["token"] == token.address
        assert (info.recordDateId, info.asset, info.deposit, info.eligibleSupply, info.expiry) == (
            a["recordDateId"],
            a["asset"],
            a["deposit"],
            a["eligibleSupply"],
            a["expiry"],
        )
        assert (info.released, info.withheld) == (released[did], withheld[did])
        for w in addresses:
            expected = (did, w) in paid or w in a["excluded"]
            assert distributor.isPaid(did, w) == expected, f"isPaid({did}, {w})"
    deposits = sum(a["deposit"] for a in created.values())
    assert chain.provider.get_balance(distributor.address) == deposits - outflow

    # ballots
    ballots = {e.args["id"]: e.args for e in events if e.name == "BallotCreated"}
    assert voting.ballotCount() == len(ballots)
    tallies: dict[int, list[int]] = {b: [0] * len(a["params"][4]) for b, a in ballots.items()}
    voted: set[tuple[int, str]] = set()
    proxies: dict[tuple[int, str], str] = {}
    for e in events:
        if e.name == "VoteCast":
            tallies[e.args["ballotId"]][e.args["option"]] += e.args["weight"]
            voted.add((e.args["ballotId"], e.args["voter"]))
        elif e.name == "ProxyAppointed":
            proxies[(e.args["ballotId"], e.args["holder"])] = e.args["proxy"]
    for bid, a in ballots.items():
        p = a["params"]
        info = voting.ballot(bid)
        assert info.token == a["token"] == token.address
        assert to_checksum_address(p[0]) == token.address
        assert (info.recordDateId, info.start, info.end, info.optionCount) == (
            p[5],
            p[6],
            p[7],
            len(p[4]),
        )
        assert (info.quorumBps, info.thresholdBps, info.documentHash) == (p[8], p[9], p[3])
        assert info.eligibleSupply == a["eligibleSupply"]
        assert list(voting.tallies(bid)) == tallies[bid]
        excluded = {to_checksum_address(x) for x in p[10]}
        for w in addresses:
            assert voting.hasVoted(bid, w) == ((bid, w) in voted or w in excluded)
            assert voting.proxyOf(bid, w) == proxies.get((bid, w), ZERO)


#: Every event the replay reads: a run that never produced one of them proves nothing about it.
EXPECTED_EVENTS = {
    "InvestorAdded",
    "InvestorUpdated",
    "InvestorRemoved",
    "Transfer",
    "Issued",
    "Redeemed",
    "DocumentUpdated",
    "DocumentRemoved",
    "ControllerTransfer",
    "ControllerRedemption",
    "WalletRecovered",
    "WalletFrozen",
    "FrozenAmountChanged",
    "RecordDateScheduled",
    "RecordDateCancelled",
    "RulesUpdated",
    "CountryRuleUpdated",
    "IssuanceFinalized",
    "Paused",
    "Unpaused",
    "RoleGranted",
    "RoleRevoked",
    "DistributionCreated",
    "Claimed",
    "WithheldWithdrawn",
    "Reclaimed",
    "BallotCreated",
    "VoteCast",
    "ProxyAppointed",
    "VoteCastOnBehalf",
}


def _events_seen(events: Iterable[Event]) -> set[str]:
    return {e.name for e in events}


@pytest.mark.parametrize(
    ("seed", "steps"),
    [
        (1, 400),
        pytest.param(2, 1500, marks=pytest.mark.slow),
        pytest.param(3, 1500, marks=pytest.mark.slow),
    ],
)
def test_rebuild_everything_from_events_after_a_long_random_run(
    chain: Any,
    registry: Any,
    token: Any,
    distributor: Any,
    voting: Any,
    deployer: Any,
    issuer: Any,
    compliance_officer: Any,
    controller: Any,
    accounts: Any,
    seed: int,
    steps: int,
) -> None:
    start_block = 0  # the whole history of these contracts, from their deployment
    people: list[Any] = [accounts[i] for i in range(4, 9)]
    extra = [Wallet(to_checksum_address(f"0x{0xE7E0000 + i:040x}")) for i in range(5)]
    for w in extra:
        chain.provider.set_balance(w.address, 10**21)
    run = Run(
        rng=random.Random(seed),
        raw=Raw(chain),
        chain=chain,
        c={"token": token, "registry": registry, "distributor": distributor, "voting": voting},
        issuer=issuer,
        officer=compliance_officer,
        controller=controller,
        admin=deployer,
        tax_wallet=accounts[9],
        wallets=[*people, *extra],
    )
    for w in run.wallets:  # start from a verified cap table
        registry.setInvestor(w.address, record(), sender=compliance_officer)
        token.issue(w.address, 1000, b"", sender=issuer)
    for _ in range(steps):
        run.step()
    run.epilogue()
    if token.paused():
        token.unpause(sender=compliance_officer)

    assert run.send("close issuance", "token", "closeIssuance", [], issuer)
    events = read_events(chain.provider.web3, run.c, start_block)
    replay_and_compare(run, events, start_block)
    # the run exercised what it claims to
    missing = EXPECTED_EVENTS - _events_seen(events)
    assert not missing, f"the run never produced {sorted(missing)}: {dict(run.ok)}"
