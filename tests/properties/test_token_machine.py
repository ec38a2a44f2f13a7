"""A Hypothesis state machine against the real SecurityToken and InvestorRegistry on Anvil.

Random steps: registry edits (add/update with a random country, KYC expiry in the past, exactly
now, next second, within the hour/day or far away, accredited flag, lockup, investor-level
freeze; removal), issuance (up to the balance cap, past 28 bits, past the supply limit; closing
it), transfers and their *WithData variants, approvals and transferFrom, token-level freezes and
partial freezes, pause, redeem/redeemFrom, controller transfers and redemptions (also to
unverified wallets), wallet recovery, rule changes (holders, balance caps, basis points, holding
period, accreditation, allow/block lists with per-country limits), record dates and time jumps
(fixed sizes, or exactly onto / one second before the next KYC expiry, lockup end, holding-period
end or record date), over a pool of six wallets so that they collide. A few steered rules pick
among holders, empty wallets and approved spenders, where random wallets rarely meet them; three
more line up what the regime's class cap, resale period and affiliate volume limit need (the rule
on, clean records, a holder able to sell) through the same checked operations.

Checked after every step, against the chain (one batched read):
- the balances of the pool (the only wallets anything is moved to) add up to ``totalSupply``;
- ``canSend`` and ``canReceive`` (ERC-7943) of every wallet equal the model's eligibility;
- ``holderCount`` equals the number of wallets with a non-zero balance, and the per-country
  holder counts equal the number of holders counted under each country (a wallet is counted
  under the registry country it had when it became a holder, which the model tracks);
- no wallet gained tokens in a step that was not a controller operation or a recovery unless it
  was verified (registry record present, KYC not expired, not frozen in the registry nor on the
  token) at the timestamp of the block that moved them;
- everything else equals an independent Python model (balances, allowances, freezes, holding
  clocks, records, successors, rules, record-date balances).

For every attempted transfer, transferFrom and issue the pre-flight answer (``canTransfer`` from
the sender, ``canTransferFrom`` from the spender, ``detectTransferRestriction(0x0, to, v)`` for
issue) must equal whether the transaction succeeded, and a refused transaction must revert with
``TransferRestricted`` carrying the very code the pre-flight gave (``ERC20InsufficientAllowance``
when that code is INSUFFICIENT_ALLOWANCE). The model predicts the same outcome and the same code:
the first failing rule in the order docs/CONTRACTS.md documents (with its policies: redemption
checks no KYC, issuance is held to the absolute balance cap only, the cap on transfers is kept
with 28 significant bits, rounded down; the minimum position binds new holders and what a
movement leaves its sender, redemptions included; a frozen or recovered spender is refused first).
Redemptions have no pre-flight view: the model predicts their outcome and error. Controller
operations, recovery and every admin call are predicted by the model too (success or revert).

Exact timing: every transaction is mined at a timestamp the model chooses. Anvil accepts a next
block timestamp equal to the latest one, so every transaction block is pinned to ``now`` (the
latest block's timestamp) and views, which run against the latest block, see the very timestamp
the transaction runs at. Each token call is also dry-run (``eth_call``) in the same batch as its
pre-flight views; the dry run and the mined transaction must agree, which proves the pinning.
Time moves only by the ``time_jump`` step, which mines an empty block at ``now + seconds``. No
margins are needed: KYC expiries and lockups exactly at ``now`` and one second after are drawn on
purpose, and holding periods and record dates are reached to the second.

Isolation: the suite is deployed once per module with Ape; each example runs between
``chain.snapshot()`` (in ``__init__``) and ``chain.restore()`` (in ``teardown``), and starts by
checking that the head block is the module's deployment block and that the chain equals a fresh
model (no balance, record, allowance, freeze, rule or record date left from an earlier example).

Speed: the hot path speaks JSON-RPC directly through the package's ``ChainClient`` (batched
reads; ``eth_sendTransaction`` from Anvil's unlocked test accounts with a fixed gas limit, so a
refused transaction is mined and reverts at its pinned timestamp rather than failing in a gas
estimate). Functions are typed from the packaged ABI (``sectoken.abi``), reverts decoded by the
client. ``SECTOKEN_PROFILE`` picks the Hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import pytest
from eth_utils.address import to_checksum_address
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sectoken.abi import AbiFunction, function
from sectoken.chain.client import ChainClient, Read
from sectoken.chain.contracts import container
from sectoken.model.records import InvestorRecord
from sectoken.model.restrictions import RESTRICTIONS
from sectoken.model.spec import Rules as SpecRules
from sectoken.model.spec import min_position_fits

# ------------------------------------------------------------------ constants

US, DE, FR, KP = 840, 276, 250, 408
COUNTRIES = (US, DE, FR, KP)
BLOCKED = KP  # listed (blocked) in the baseline, block-list mode
FAR_FUTURE = 4_102_444_800  # 2100-01-01
ZERO = "0x" + "00" * 20
MAX_UINT = 2**256 - 1
GAS = 3_000_000  # fixed gas limit: no estimate, so refused transactions are mined and revert
POOL_SIZE = 6

# ERC-1404 codes (contracts/compliance/Restrictions.sol)
SUCCESS, PAUSED, SENDER_NOT_VERIFIED, RECEIVER_NOT_VERIFIED = 0, 1, 2, 3
SENDER_FROZEN, RECEIVER_FROZEN, INSUFFICIENT_BALANCE, FROZEN_BALANCE = 4, 5, 6, 7
SENDER_LOCKED, HOLDING_PERIOD, COUNTRY_NOT_ALLOWED, NOT_ACCREDITED = 8, 9, 10, 11
MAX_HOLDERS, MAX_HOLDERS_COUNTRY, MAX_BALANCE, INVALID_RECEIVER = 12, 13, 14, 15
INSUFFICIENT_ALLOWANCE, INVALID_SENDER = 16, 17
ISSUANCE_CLOSED, SUPPLY_LIMIT, ZERO_ISSUANCE = 18, 19, 20
BELOW_MIN_POSITION, REMAINDER_BELOW_MIN_POSITION, SPENDER_FROZEN = 21, 22, 23
SPENDER_NOT_ALLOWED = 24
# The regime's codes (setRegime); the machine draws every rule: Reg S, the required flags
# (accredited, qualified purchaser, QIB, EU qualified), the class caps, resale and affiliate volume.
US_PERSON_RESTRICTED, NOT_QIB, NOT_QUALIFIED_PURCHASER, NOT_EU_QUALIFIED = 25, 26, 27, 28
MAX_NON_ACCREDITED, MAX_NON_QUALIFIED_COUNTRY, RESALE_RESTRICTED = 29, 30, 31
AFFILIATE_VOLUME = 32
# Registry flags (InvestorRecords) the regime reads.
FLAG_ACCREDITED, FLAG_QP, FLAG_QIB, FLAG_EU_QUALIFIED = 1, 2, 32, 64
AFFILIATE_AMOUNT_MAX = 2**112 - 1  # an affiliate's sales per bucket saturate here (AffiliateSales)
SUPPLY_MAX = 2**208 - 1  # the token's MAX_SUPPLY, shared with the corporate actions
CAP_BITS = 28  # significant bits the token keeps of the balance cap on transfers


def code_name(code: int) -> str:
    known = RESTRICTIONS.get(code)
    return known.name if known else f"code {code}"


def expected_status(code: int) -> bytes:
    """The ERC-1066 status byte of a restriction code, from the SDK's mirror of the contract."""
    return bytes([RESTRICTIONS[code].status])


# ------------------------------------------------------------------ raw JSON-RPC


class Contract:
    """A deployed contract's address and its functions, typed from the package's ABI
    (``sectoken.abi``, so that a narrowed integer type in the Solidity follows the build)."""

    def __init__(self, instance: Any, client: ChainClient) -> None:
        self.address = str(instance.address)
        self.name = str(instance.contract_type.name)
        self.client = client

    def __getitem__(self, name: str) -> AbiFunction:
        return function(self.name, name)

    def describe_revert(self, data: bytes) -> str:
        """`TransferRestricted(RECEIVER_FROZEN)`, `ZeroAmount`, ...: the error a revert carries."""
        decoded = self.client.decode_revert(data)
        if decoded is None:
            return f"unknown revert 0x{data.hex()}"
        if decoded.name == "TransferRestricted":
            return f"{decoded.name}({code_name(decoded.arg('code'))})"
        return decoded.name


def eth_call(
    contract: Contract, name: str, args: tuple[Any, ...] = (), sender: str | None = None
) -> Read:
    """An ``eth_call`` of ``contract.name(*args)`` (from ``sender``) for the package's client."""
    return Read(contract.address, contract.name, name, args, sender)


class Rpc:
    """The package's chain client (one HTTP request per batch, through the web3 provider Ape
    already holds), plus the machine's one habit: every transaction mined at a pinned time."""

    def __init__(self, client: ChainClient) -> None:
        self.client = client

    def request(self, method: str, params: list[Any]) -> Any:
        return self.client.request(method, params)

    def calls(self, calls: Sequence[Read]) -> list[tuple[Any, ...]]:
        return self.client.read_many(calls, unwrap=False)

    def head(self) -> tuple[int, int]:
        return self.client.head()

    def pin_next_block(self, timestamp: int) -> None:
        self.request("evm_setNextBlockTimestamp", [timestamp])

    def send(self, sender: str, to: str, data: bytes, timestamp: int) -> bool:
        """Mine one transaction at `timestamp`; True when it succeeded."""
        self.pin_next_block(timestamp)
        receipt = self.client.transact(sender, to, data, gas=GAS, timeout=10)
        assert receipt.gas_used < GAS, (
            f"out of gas ({receipt.gas_used}) calling 0x{data[:4].hex()}: no verdict"
        )
        return receipt.ok


# ------------------------------------------------------------------ the model


@dataclass(frozen=True)
class Investor:
    kyc_expiry: int
    lockup_until: int
    country: int
    accredited: bool
    frozen: bool
    us_person: bool = False
    eu_qualified: bool = False
    qualified_purchaser: bool = False
    qib: bool = False
    affiliate: bool = False
    resale_exempt: bool = False

    def verified(self, now: int) -> bool:
        return now < self.kyc_expiry and not self.frozen

    def pack(self) -> int:
        return InvestorRecord(
            kyc_expiry=self.kyc_expiry,
            country=self.country,
            lockup_until=self.lockup_until,
            accredited=self.accredited,
            frozen=self.frozen,
            us_person=self.us_person,
            eu_qualified=self.eu_qualified,
            qualified_purchaser=self.qualified_purchaser,
            qib=self.qib,
            affiliate=self.affiliate,
            resale_exempt=self.resale_exempt,
        ).pack()

    def flags(self) -> int:
        """The flags the regime's required-flag rule reads."""
        return (
            FLAG_ACCREDITED * self.accredited
            | FLAG_QP * self.qualified_purchaser
            | FLAG_QIB * self.qib
            | FLAG_EU_QUALIFIED * self.eu_qualified
        )


@dataclass(frozen=True)
class Regime:
    """The regime rules the machine draws (the token's Regime struct)."""

    us_until: int = 0
    us_only: bool = False
    required: int = 0  # FLAG_* bits: accredited, qualified purchaser, QIB, EU qualified
    max_non_accredited: int = 0
    max_non_qualified: int = 0
    resale: int = 0
    affiliate_bps: int = 0  # both affiliate fields set or neither
    affiliate_window: int = 0

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.us_until,
            self.us_only,
            self.required,
            self.max_non_accredited,
            self.max_non_qualified,
            self.resale,
            self.affiliate_bps,
            self.affiliate_window,
        )

    def packed(self) -> int:
        """The rules' bits of the token's regime word (RegimeWords, count excluded)."""
        return (
            self.us_until
            | (int(self.us_only) << 40)
            | (self.required << 48)
            | (self.max_non_accredited << 56)
            | (self.max_non_qualified << 112)
            | (self.resale << 128)
            | (self.affiliate_bps << 160)
            | (self.affiliate_window << 176)
        )

    def is_set(self) -> bool:
        return self.packed() != 0


class Rules(SpecRules):
    """The token's rules as the tooling writes them (sectoken.model.spec.Rules), with the model's
    reading of the balance caps."""

    __slots__ = ()

    def transfer_cap(self, supply: int) -> int | None:
        """Largest balance a transfer may bring a wallet to at `supply` (None: no cap). As
        docs/CONTRACTS.md says: the absolute cap and the share of supply, the smaller one kept
        with 28 significant bits, rounded down."""
        if self.max_balance == 0 and self.max_balance_bps == 0:
            return None
        cap = self.max_balance or MAX_UINT
        if self.max_balance_bps:
            cap = min(cap, supply * self.max_balance_bps // 10_000)
        return round_down_cap(cap)

    def issue_cap(self) -> int | None:
        """Issuance is held to the absolute cap only (docs/CONTRACTS.md)."""
        return self.max_balance or None


def round_down_cap(value: int) -> int:
    """`value` kept with CAP_BITS significant bits, rounded down (the token's BalanceCap)."""
    shift = max(value.bit_length() - CAP_BITS, 0)
    return (value >> shift) << shift


@dataclass
class RecordDate:
    timestamp: int
    balances: dict[str, int] | None = None  # filled by the first block reaching `timestamp`
    supply: int = 0


@dataclass
class Model:
    """What the chain should hold, updated only by operations the model predicted to succeed."""

    now: int
    wallets: list[str]
    investors: dict[str, Investor] = field(default_factory=dict)
    balances: dict[str, int] = field(default_factory=dict)
    allowances: dict[tuple[str, str], int] = field(default_factory=dict)
    token_frozen: set[str] = field(default_factory=set)
    operators: set[str] = field(default_factory=set)  # approved operators of the token
    frozen_amount: dict[str, int] = field(default_factory=dict)
    acquired_at: dict[str, int] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)  # holder -> country counted under
    successors: dict[str, str] = field(default_factory=dict)
    paused: bool = False
    issuance_closed: bool = False
    rules: Rules = field(default_factory=Rules)
    country_rules: dict[int, tuple[bool, int]] = field(default_factory=dict)
    record_dates: list[RecordDate] = field(default_factory=list)
    supply: int = 0
    regime: Regime = field(default_factory=Regime)
    non_accredited: set[str] = field(default_factory=set)  # counted in the regime's class
    # An affiliate's sales word (AffiliateSales): (bucket, current bucket's sales, previous's).
    affiliate_sales: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    non_qualified: dict[str, int] = field(default_factory=dict)  # counted, under this country

    # --- reads
    def balance(self, wallet: str) -> int:
        return self.balances.get(wallet, 0)

    def frozen_of(self, wallet: str) -> int:
        return self.frozen_amount.get(wallet, 0)

    def verified(self, wallet: str) -> bool:
        inv = self.investors.get(wallet)
        return inv is not None and inv.verified(self.now)

    def country_of(self, wallet: str) -> int:
        inv = self.investors.get(wallet)
        return inv.country if inv is not None else 0

    def holder_count(self) -> int:
        return sum(1 for b in self.balances.values() if b)

    def country_holders(self, country: int) -> int:
        return sum(1 for c in self.counted.values() if c == country)

    def listed(self, country: int) -> bool:
        return self.country_rules.get(country, (False, 0))[0]

    def can_send(self, wallet: str) -> bool:
        """ERC-7943 canSend: not frozen on the token (recovered included) nor in the registry."""
        inv = self.investors.get(wallet)
        return wallet not in self.token_frozen and not (inv is not None and inv.frozen)

    def can_receive(self, wallet: str) -> bool:
        """ERC-7943 canReceive: the receiver-side eligibility rules of the decision."""
        inv = self.investors.get(wallet)
        if inv is None or not inv.verified(self.now) or wallet in self.token_frozen:
            return False
        if self.accreditation_missing(inv):
            return False
        if self.regime.is_set() and self.regime_receiver_code(inv, issuance=False) is not None:
            return False
        return self.listed(inv.country) == self.rules.country_allow_list

    def accreditation_missing(self, inv: Investor | None) -> bool:
        """Code 11 of the rules: with the regime's accreditationUsOnly, U.S. persons only."""
        if not self.rules.require_accreditation or (inv is not None and inv.accredited):
            return False
        return not (inv is not None and not inv.us_person and self.regime.us_only)

    def regime_receiver_code(self, inv: Investor | None, *, issuance: bool) -> int | None:
        g = self.regime
        us_person = inv is not None and inv.us_person
        if us_person and self.now < g.us_until and not (issuance and g.us_only):
            return US_PERSON_RESTRICTED
        missing = g.required & ~(0 if inv is None else inv.flags())
        # The first missing flag in the documented order: QIB, QP, EU qualified, accredited.
        for flag, code in (
            (FLAG_QIB, NOT_QIB),
            (FLAG_QP, NOT_QUALIFIED_PURCHASER),
            (FLAG_EU_QUALIFIED, NOT_EU_QUALIFIED),
            (FLAG_ACCREDITED, NOT_ACCREDITED),
        ):
            if missing & flag:
                return code
        return None

    def affiliate_rule_applies(self, sender: str | None, receiver: str | None) -> bool:
        """Rule 144(e) judges (and records) a transfer by a sender with the AFFILIATE flag."""
        seller = None if sender is None else self.investors.get(sender)
        return (
            self.regime.affiliate_bps != 0
            and receiver is not None
            and sender != receiver
            and seller is not None
            and seller.affiliate
        )

    def affiliate_sums(self, sender: str) -> tuple[int, int]:
        """(previous, current) bucket sales of `sender` seen from now's bucket: buckets of
        affiliateWindow seconds aligned on its multiples; older sales are forgotten."""
        bucket = self.now // self.regime.affiliate_window
        stored, current, previous = self.affiliate_sales.get(sender, (0, 0, 0))
        if bucket == stored:
            return previous, current
        if bucket == stored + 1:
            return current, 0
        return 0, 0

    def affiliate_sale(self, sender: str, value: int) -> None:
        """The word after a sale of `value` now (the current bucket saturates at 2^112 - 1)."""
        previous, current = self.affiliate_sums(sender)
        current = min(current + value, AFFILIATE_AMOUNT_MAX)
        bucket = (self.now // self.regime.affiliate_window) % 2**32
        self.affiliate_sales[sender] = (bucket, current, min(previous, AFFILIATE_AMOUNT_MAX))

    def regime_codes(self, sender: str | None, receiver: str, value: int) -> list[int]:
        """The regime's rules, checked after all the others (docs/CONTRACTS.md)."""
        g, inv = self.regime, self.investors.get(receiver)
        code = self.regime_receiver_code(inv, issuance=sender is None)
        if code is not None:
            return [code]
        accredited = inv is not None and inv.accredited
        if sender is not None and g.resale:
            acquired = self.acquired_at.get(sender, 0)
            exempt = inv is not None and (accredited or inv.resale_exempt)
            if self.now < acquired + g.resale and not exempt:
                return [RESALE_RESTRICTED]
        if sender is not None and self.affiliate_rule_applies(sender, receiver):
            previous, current = self.affiliate_sums(sender)
            if previous + current + value > self.supply * g.affiliate_bps // 10_000:
                return [AFFILIATE_VOLUME]
        if self.balance(receiver) == 0 and value != 0:
            leaves = sender is not None and self.balance(sender) == value
            if (
                g.max_non_accredited
                and not accredited
                and len(self.non_accredited) >= g.max_non_accredited
                and not (leaves and sender in self.non_accredited)
            ):
                return [MAX_NON_ACCREDITED]
            country = self.country_of(receiver)
            counted = sum(1 for c in self.non_qualified.values() if c == country)
            if (
                g.max_non_qualified
                and not (inv is not None and inv.eu_qualified)
                and counted >= g.max_non_qualified
                and not (leaves and self.non_qualified.get(str(sender)) == country)
            ):
                return [MAX_NON_QUALIFIED_COUNTRY]
        return []

    def spender_code(self, owner: str, spender: str) -> int | None:
        """The spender check of transferFrom/redeemFrom (None: passes). The owner spending its
        own allowance is not checked; an approved operator is judged by the token alone (its
        registry record is not read); any other spender needs a record with a valid KYC."""
        if spender == owner:
            return None
        inv = None if spender in self.operators else self.investors.get(spender)
        if spender in self.token_frozen or spender in self.successors or (inv and inv.frozen):
            return SPENDER_FROZEN
        if spender not in self.operators and (inv is None or self.now >= inv.kyc_expiry):
            return SPENDER_NOT_ALLOWED
        return None

    def successor_of(self, wallet: str) -> str:
        while wallet in self.successors:
            wallet = self.successors[wallet]
        return wallet

    def restrictions(self, sender: str | None, receiver: str | None, value: int) -> list[int]:
        """Every rule that refuses moving `value` (sender None: issue; receiver None: redeem),
        in the order docs/CONTRACTS.md documents: the chain must answer the first one."""
        codes: list[int] = []
        if self.paused:
            codes.append(PAUSED)
        if sender is None:  # issuance
            if self.issuance_closed:
                codes.append(ISSUANCE_CLOSED)
            if value == 0:
                codes.append(ZERO_ISSUANCE)
            if self.supply + value > SUPPLY_MAX:
                codes.append(SUPPLY_LIMIT)
        else:
            inv = self.investors.get(sender)
            balance = self.balance(sender)
            if sender in self.token_frozen or (inv is not None and inv.frozen):
                codes.append(SENDER_FROZEN)
            if balance < value:
                codes.append(INSUFFICIENT_BALANCE)
            elif balance - value < self.frozen_of(sender):
                codes.append(FROZEN_BALANCE)
            minimum = self.rules.min_position
            if balance >= value and 0 < balance - value < minimum and sender != receiver:
                codes.append(REMAINDER_BELOW_MIN_POSITION)
            if receiver is None:  # redemption: only the sender-side rules above apply
                return codes
            if not self.verified(sender):
                codes.append(SENDER_NOT_VERIFIED)
            if inv is not None and self.now < inv.lockup_until:
                codes.append(SENDER_LOCKED)
            held_until = self.acquired_at.get(sender, 0) + self.rules.holding_period
            if self.rules.holding_period and self.now < held_until:
                codes.append(HOLDING_PERIOD)
        assert receiver is not None
        to_inv = self.investors.get(receiver)
        if receiver in self.token_frozen or (to_inv is not None and to_inv.frozen):
            codes.append(RECEIVER_FROZEN)
        if not self.verified(receiver):
            codes.append(RECEIVER_NOT_VERIFIED)
        if self.accreditation_missing(to_inv):
            codes.append(NOT_ACCREDITED)
        country = self.country_of(receiver)
        if self.listed(country) != self.rules.country_allow_list:
            codes.append(COUNTRY_NOT_ALLOWED)
        if sender == receiver:  # a self-transfer changes no balance: no holder or cap rule
            return codes
        to_balance = self.balance(receiver)
        if to_balance == 0 and value != 0:
            if value < self.rules.min_position:  # a new holder takes at least the minimum
                codes.append(BELOW_MIN_POSITION)
            # A sender moving its whole balance frees its holder slot (and its country's).
            leaves = sender is not None and self.balance(sender) == value
            limit = self.rules.max_holders
            if not leaves and limit and self.holder_count() >= limit:
                codes.append(MAX_HOLDERS)
            country_limit = self.country_rules.get(country, (False, 0))[1]
            same_slot = leaves and sender is not None and self.counted.get(sender, 0) == country
            if country_limit and self.country_holders(country) >= country_limit and not same_slot:
                codes.append(MAX_HOLDERS_COUNTRY)
        cap = self.rules.issue_cap() if sender is None else self.rules.transfer_cap(self.supply)
        if cap is not None and to_balance + value > cap:
            codes.append(MAX_BALANCE)
        if self.regime.is_set():
            codes += self.regime_codes(sender, receiver, value)
        return codes

    # --- writes
    def move(
        self, sender: str | None, receiver: str | None, value: int, *, forced: bool = False
    ) -> None:
        """Bookkeeping of one balance change (issue, transfer, redemption, controller move:
        `forced`, which skips the decision and so the regime's verdict)."""
        if not forced and sender is not None and receiver is not None and sender != receiver:
            # The regime's transfer bookkeeping runs even for 0 (the token's verdict asks for it).
            if self.affiliate_rule_applies(sender, receiver):
                self.affiliate_sale(sender, value)  # the bucket moves on
            acquired = self.acquired_at.get(sender, 0)
            g = self.regime
            if self.now < acquired + g.resale and self.acquired_at.get(receiver, 0) < acquired:
                self.acquired_at[receiver] = acquired  # the receiver inherits the resale clock
        if value == 0 or sender == receiver:
            return
        self.regime_bookkeeping(sender, receiver, value, forced)
        if receiver is not None and self.balance(receiver) == 0:
            self.counted[receiver] = self.country_of(receiver)
        if sender is not None:
            left = self.balance(sender) - value
            assert left >= 0, "model: moving more than the balance"
            if left == 0:
                del self.counted[sender]
            frozen = self.frozen_of(sender)
            if frozen > left:  # only a controller moves frozen tokens: they come off the amount
                unfrozen = max(self.balance(sender) - frozen, 0)
                self.frozen_amount[sender] = frozen - (value - unfrozen)
            self.balances[sender] = left
        else:
            self.supply += value
            assert receiver is not None
            self.acquired_at[receiver] = self.now
        if receiver is not None:
            self.balances[receiver] = self.balance(receiver) + value
        else:
            self.supply -= value

    def regime_bookkeeping(
        self, sender: str | None, receiver: str | None, value: int, forced: bool
    ) -> None:
        """Class counts: a decided movement is recorded only with a regime set (its verdict asks
        for it); a forced one counts and uncounts by itself. (The resale clock and the affiliate
        sales are kept by `move`.)"""
        g = self.regime
        if receiver is not None and self.balance(receiver) == 0 and g.is_set():
            inv = self.investors.get(receiver)
            if g.max_non_accredited and not (inv is not None and inv.accredited):
                self.non_accredited.add(receiver)
            if g.max_non_qualified and not (inv is not None and inv.eu_qualified):
                self.non_qualified[receiver] = self.country_of(receiver)
        if sender is not None and self.balance(sender) == value and (forced or g.is_set()):
            self.non_accredited.discard(sender)
            self.non_qualified.pop(sender, None)

    def spend_allowance(self, owner: str, spender: str, value: int) -> None:
        current = self.allowances.get((owner, spender), 0)
        if current != MAX_UINT:
            self.allowances[(owner, spender)] = current - value

    def recover(self, lost: str, new: str) -> None:
        old_frozen = self.frozen_of(lost)
        old_acquired = self.acquired_at.get(lost, 0)
        self.move(lost, new, self.balance(lost), forced=True)
        self.token_frozen.add(lost)
        self.frozen_amount[lost] = 0
        self.frozen_amount[new] = self.frozen_of(new) + old_frozen
        self.acquired_at[new] = max(self.acquired_at.get(new, 0), old_acquired)
        self.successors[lost] = new

    def advance(self, timestamp: int) -> None:
        """A block at `timestamp`: record dates it reaches keep the balances before it."""
        for rd in self.record_dates:
            if rd.balances is None and rd.timestamp <= timestamp:
                rd.balances = {w: self.balance(w) for w in self.wallets}
                rd.supply = self.supply
        self.now = timestamp


# ------------------------------------------------------------------ the chain, read in one batch


@dataclass
class ChainState:
    head_number: int
    head_timestamp: int
    total_supply: int
    holder_count: int
    paused: bool
    issuable: bool
    rules: tuple[Any, ...]
    latest_record_id: int
    balances: dict[str, int]
    wallet_state: dict[str, tuple[bool, int, int]]
    records: dict[str, int]
    verified: dict[str, bool]
    successors: dict[str, str]
    allowances: dict[tuple[str, str], int]
    countries: dict[int, tuple[bool, int, int]]
    record_times: dict[int, int]
    record_balances: dict[int, dict[str, int]]
    record_supply: dict[int, int]
    regime_state: dict[int, tuple[int, int]]  # country -> (regime word, non-qualified counted)
    affiliate_words: dict[str, int]  # wallet -> its affiliate sales word (AffiliateSales)


# ------------------------------------------------------------------ fixtures


@dataclass
class Env:
    chain: Any
    rpc: Rpc
    token: Contract
    registry: Contract
    issuer: str
    officer: str
    controller: str
    wallets: list[str]
    base_block: tuple[int, int]  # (number, timestamp) every example starts from


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
    """The suite of tests/contracts/conftest.py (registry, token, roles), once per module, with
    the blocked country KP listed; no investor yet."""
    registry = project.InvestorRegistry.deploy(deployer, sender=deployer)
    registry.grantRole(registry.COMPLIANCE_ROLE(), compliance_officer, sender=deployer)
    module = project.SecurityTokenAdmin.deploy(sender=deployer)
    token = container(project, "SecurityToken").deploy(
        "Acme Shares", "ACME", 0, registry, deployer, module, sender=deployer
    )
    token.grantRole(token.ISSUER_ROLE(), issuer, sender=deployer)
    token.grantRole(token.COMPLIANCE_ROLE(), compliance_officer, sender=deployer)
    token.grantRole(token.CONTROLLER_ROLE(), controller, sender=deployer)
    token.grantRole(token.PAUSER_ROLE(), compliance_officer, sender=deployer)
    token.setCountryRule(BLOCKED, True, 0, sender=compliance_officer)
    client = ChainClient(chain.provider.web3)
    rpc = Rpc(client)
    wallets = [str(accounts[i].address) for i in range(4, 4 + POOL_SIZE)]
    return Env(
        chain=chain,
        rpc=rpc,
        token=Contract(token, client),
        registry=Contract(registry, client),
        issuer=str(issuer.address),
        officer=str(compliance_officer.address),
        controller=str(controller.address),
        wallets=wallets,
        base_block=rpc.head(),
    )


# ------------------------------------------------------------------ strategies

KYC_KINDS = ("far", "day", "hour", "next", "now", "past")
LOCKUP_KINDS = ("none", "past", "now", "next", "hour", "far")
_OFFSETS = {"day": 86_400, "hour": 3_600, "next": 1, "now": 0, "past": -3_600}


def at(kind: str, now: int) -> int:
    """A KYC expiry or lockup time relative to `now` (exact edges: "now" and "next")."""
    if kind == "far":
        return FAR_FUTURE
    if kind == "none":
        return 0
    return now + _OFFSETS[kind]


@dataclass(frozen=True)
class InvestorSpec:
    country: int
    kyc: str
    lockup: str
    accredited: bool
    frozen: bool
    us_person: bool = False
    eu_qualified: bool = False
    qualified_purchaser: bool = False
    qib: bool = False
    affiliate: bool = False
    resale_exempt: bool = False

    def at(self, now: int) -> Investor:
        return Investor(
            at(self.kyc, now),
            at(self.lockup, now),
            self.country,
            self.accredited,
            self.frozen,
            self.us_person,
            self.eu_qualified,
            self.qualified_purchaser,
            self.qib,
            self.affiliate,
            self.resale_exempt,
        )


wallets_st = st.integers(0, POOL_SIZE - 1)
investor_st = st.builds(
    InvestorSpec,
    country=st.sampled_from(COUNTRIES),
    kyc=st.sampled_from(KYC_KINDS),
    lockup=st.sampled_from(LOCKUP_KINDS),
    accredited=st.booleans(),
    frozen=st.sampled_from([False, False, False, True]),
    us_person=st.booleans(),
    eu_qualified=st.booleans(),
    qualified_purchaser=st.booleans(),
    qib=st.booleans(),
    affiliate=st.booleans(),
    resale_exempt=st.booleans(),
)
# Mostly investors who can hold tokens, so that the first steps already have holders.
initial_investor_st = st.tuples(
    st.sampled_from([True, True, True, True, False]),
    st.builds(
        InvestorSpec,
        country=st.sampled_from([US, US, DE, FR, KP]),
        kyc=st.sampled_from(["far", "far", "far", "day", "hour", "next", "past"]),
        lockup=st.sampled_from(["none", "none", "none", "past", "hour", "far"]),
        accredited=st.sampled_from([True, True, False]),
        frozen=st.sampled_from([False] * 5 + [True]),
        # The regime's flags, each drawn often, so that its rules meet both kinds of investor.
        us_person=st.booleans(),
        eu_qualified=st.booleans(),
        qualified_purchaser=st.booleans(),
        qib=st.booleans(),
        affiliate=st.booleans(),
        resale_exempt=st.sampled_from([False, False, True]),
    ),
).map(lambda drawn: drawn[1] if drawn[0] else None)
# An amount: a number, or relative to the sender's balance ("free" = balance - frozen part) or
# to the receiver's room under the balance cap ("room").
# "min"/"min-1": the minimum position (or one below it); "keep min"/"keep min-1": what leaves
# the sender exactly the minimum (or one below it).
amount_st = st.one_of(
    st.integers(0, 400),
    st.sampled_from(["all", "free", "all+1", "free+1", "room", "room+1"]),
    st.sampled_from(["min", "min-1", "keep min", "keep min-1"]),
)
# Issued amounts: small, the receiver's room under the cap, or beyond 28 bits (where the token
# keeps its share-of-supply cap rounded).
HUGE = 2**50 + 5
issue_st = st.one_of(
    st.integers(0, 1_000),
    st.sampled_from(["room", "room+1", HUGE, "over the supply limit", "min", "min-1"]),
)
freeze_st = st.one_of(st.integers(0, 300), st.sampled_from(["free", "free+1"]))
unfreeze_st = st.one_of(st.integers(0, 300), st.sampled_from(["frozen", "frozen+1"]))
allowance_st = st.one_of(st.integers(0, 600), st.just(MAX_UINT))
rules_st = st.builds(
    Rules,
    require_accreditation=st.booleans(),
    country_allow_list=st.sampled_from([False, False, True]),
    max_holders=st.sampled_from([0, 0, 1, 2, 3, 4]),
    holding_period=st.sampled_from([0, 0, 60, 3_600]),
    max_balance=st.sampled_from([0, 0, 100, 500, 2_000, 2**50 + 12_345]),
    max_balance_bps=st.sampled_from([0, 0, 2_500, 5_000, 10_000, 10_001]),
    # 32,768 does not fit the token's encoding (m x 10^e, m <= 32,767): setRules reverts
    min_position=st.sampled_from([0, 0, 0, 10, 100, 250, 32_768]),
)
# Regime rules: Reg S periods ending soon (or none: within the run's time jumps), the required
# flags (valid combinations only), small class caps (reached in a few steps), resale periods of
# a minute or an hour, affiliate volume limits of 1 to 50% of the supply per minute or hour
# bucket (the 20 steps of a quick example reach them with a sale or two).
regime_st = st.builds(
    lambda until, us_only, required, max_na, max_nq, resale, affiliate: (
        until,
        us_only,
        required,
        max_na,
        max_nq,
        resale,
        affiliate,
    ),
    st.sampled_from([None, None, 60, 3_600]),
    st.booleans(),
    st.sampled_from([0, 0, 0, 0, 1, 2, 32, 64, 65, 34, 97]),
    st.sampled_from([0, 1, 2]),
    st.sampled_from([0, 1, 2]),
    st.sampled_from([0, 60, 3_600, 3_600]),
    st.sampled_from([(0, 0), (100, 60), (100, 3_600), (1_000, 3_600), (5_000, 60)]),
)
jump_st = st.sampled_from([1, 59, 60, 3_599, 3_600, 86_400, 31 * 86_400])


@dataclass
class Stats:
    examples: int = 0
    steps: int = 0
    ops: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)
    # Restriction codes the chain answered (pre-flight views agreeing with the mined outcome).
    chain_codes: Counter[int] = field(default_factory=Counter)

    def summary(self, seconds: float) -> str:
        ok = sum(v for k, v in self.outcomes.items() if k.endswith(" ok"))
        failed = sum(v for k, v in self.outcomes.items() if k.endswith(" reverted"))
        return (
            f"token machine: {self.examples} examples, {self.steps} steps, "
            f"{ok + failed} transactions ({ok} succeeded, {failed} reverted) in {seconds:.1f} s\n"
            f"  pre-flight verdicts seen: {dict(sorted(self.verdicts.items()))}\n"
            f"  restriction codes seen on chain: {dict(sorted(self.chain_codes.items()))}\n"
            f"  steps per rule: {dict(sorted(self.ops.items()))}"
        )


# ------------------------------------------------------------------ the machine


class TokenMachine(RuleBasedStateMachine):
    env: ClassVar[Env]
    stats: ClassVar[Stats]

    def __init__(self) -> None:
        super().__init__()
        env = self.env
        self.rpc = env.rpc
        self.snapshot = env.chain.snapshot()
        self.stats.examples += 1
        head = self.rpc.head()
        # Isolation: every example starts from the same block as the module's deployment.
        assert head == env.base_block, f"example starts at block {head}, not {env.base_block}"
        self.model = Model(
            now=head[1], wallets=list(env.wallets), country_rules={BLOCKED: (True, 0)}
        )
        self.bypass = False  # the current step is a controller operation or a recovery
        self.step = "init"
        first = self.read_chain()
        self.compare(first)  # a fresh model: nothing left over from an earlier example
        self.last_balances = first.balances

    def teardown(self) -> None:
        self.env.chain.restore(self.snapshot)

    # --- helpers
    def w(self, index: int) -> str:
        return self.env.wallets[index]

    def begin(self, op: str, *, bypass: bool = False) -> None:
        self.stats.steps += 1
        self.stats.ops[op] += 1
        self.step = op
        self.bypass = bypass

    def send(self, sender: str, contract: Contract, name: str, *args: Any) -> bool:
        """Mine `name(*args)` from `sender` at the model's now; True when it succeeded."""
        ok = self.rpc.send(sender, contract.address, contract[name].encode(*args), self.model.now)
        self.stats.outcomes[f"{name} {'ok' if ok else 'reverted'}"] += 1
        return ok

    def expect(self, what: str, expected: bool, actual: bool, why: str = "") -> None:
        assert actual == expected, (
            f"MODEL MISMATCH in {what}: expected the transaction to "
            f"{'succeed' if expected else 'revert'}{f' ({why})' if why else ''}, "
            f"it {'succeeded' if actual else 'reverted'}"
        )

    def amount(self, spec: int | str, wallet: str | None, receiver: str | None = None) -> int:
        """Resolve an amount spec against the sender `wallet` (None: issue) and `receiver`."""
        if isinstance(spec, int):
            return spec
        m = self.model
        minimum = m.rules.min_position
        if spec in ("min", "min-1"):
            return max(minimum - (spec == "min-1"), 0)
        if spec in ("keep min", "keep min-1"):
            balance = m.balance(wallet) if wallet is not None else 0
            return max(balance - minimum + (spec == "keep min-1"), 0)
        over = int(spec.endswith("+1"))
        if spec in ("room", "room+1"):
            cap = m.rules.issue_cap() if wallet is None else m.rules.transfer_cap(m.supply)
            if cap is not None and receiver is not None:
                return max(cap - m.balance(receiver), 0) + over
            spec = "all+1" if over else "all"  # no cap (or no receiver): the sender's balance
        if wallet is None:
            if spec == "over the supply limit":
                return SUPPLY_MAX + 1 - m.supply
            return 1 + over
        balance, frozen = m.balance(wallet), m.frozen_of(wallet)
        return {
            "all": balance,
            "all+1": balance + 1,
            "free": max(balance - frozen, 0),  # a frozen amount may exceed the balance
            "free+1": max(balance - frozen, 0) + 1,
            "frozen": frozen,
            "frozen+1": frozen + 1,
        }[spec]

    def attempt(
        self, sender: str, name: str, args: tuple[Any, ...], views: Sequence[Read] = ()
    ) -> tuple[list[tuple[Any, ...]], bool, str]:
        """Ask `views` and dry-run the token call in one batch at the head block (whose
        timestamp is the one the transaction is mined at), then mine it.

        Returns the view answers, whether the mined transaction succeeded and the error the
        dry run reverted with ("" on success)."""
        token = self.env.token
        dry = eth_call(token, name, args, sender)
        replies = self.rpc.client.request_many([*(v.request() for v in views), dry.request()])
        answers = [v.function.decode(r.data) for v, r in zip(views, replies[:-1], strict=True)]
        revert = None if replies[-1].ok else replies[-1].revert_data
        assert replies[-1].ok or revert is not None, (
            f"eth_call failed without revert data: {replies[-1].error}"
        )
        ok = self.send(sender, token, name, *args)
        assert (revert is None) == ok, (
            f"TIMING: {name} dry-run at the head block "
            f"{'succeeded' if revert is None else 'reverted'} but the mined transaction did not"
        )
        return answers, ok, "" if revert is None else token.describe_revert(revert)

    def preflight(self, what: str, answer: tuple[Any, ...], detect: int | None) -> tuple[bool, int]:
        """Check a (bool, status, reason) answer is self-consistent; return (ok, code)."""
        ok, status, reason = answer
        code = int.from_bytes(reason, "big")
        assert ok == (code == SUCCESS), f"{what}: pre-flight says {ok} with code {code}"
        assert status == expected_status(code), f"{what}: status {status!r} for {code_name(code)}"
        if detect is not None:
            assert detect == code, (
                f"{what}: detectTransferRestriction says {code_name(detect)}, "
                f"the pre-flight {code_name(code)}"
            )
        return ok, code

    def verdict(
        self,
        what: str,
        view_ok: bool,
        view_code: int,
        tx_ok: bool,
        error: str,
        model_codes: list[int],
        zero_issue: bool = False,
    ) -> None:
        """The pre-flight answer predicts the transaction, down to the code it reverts with;
        the model agrees."""
        self.stats.verdicts[code_name(view_code)] += 1
        event(f"{self.step}: {code_name(view_code)}")
        # The property the issue asks for.
        assert view_ok == tx_ok, (
            f"PRE-FLIGHT MISMATCH in {what}: the pre-flight answered {code_name(view_code)} "
            f"but the transaction {'succeeded' if tx_ok else f'reverted with {error}'}"
        )
        if not tx_ok:
            if zero_issue:  # issue checks its input first: ZeroAmount, whatever else fails
                expected_error = "ZeroAmount"
            elif view_code == INSUFFICIENT_ALLOWANCE:
                expected_error = "ERC20InsufficientAllowance"
            else:
                expected_error = f"TransferRestricted({code_name(view_code)})"
            assert error == expected_error, (
                f"WRONG REVERT in {what}: the pre-flight answered {code_name(view_code)}, "
                f"the transaction reverted with {error}"
            )
        expected = [code_name(c) for c in model_codes] or ["SUCCESS"]
        assert tx_ok == (not model_codes), (
            f"MODEL MISMATCH in {what}: the model expected {expected}, "
            f"the chain answered {code_name(view_code)}"
        )
        if not tx_ok:
            # First failing rule in the order docs/CONTRACTS.md documents.
            assert view_code == model_codes[0], (
                f"WRONG REASON in {what}: the chain answered {code_name(view_code)}, "
                f"the rules failing in the model are {expected} (in the documented order)"
            )
        # Counted only here: a code the chain answered, its transaction agreeing, the model too.
        self.stats.chain_codes[view_code] += 1

    def expect_redemption(
        self,
        what: str,
        amount: int,
        allowance_short: bool,
        codes: list[int],
        ok: bool,
        error: str,
        spender_code: int | None = None,
    ) -> None:
        """Redemptions have no pre-flight view: the model predicts outcome and error."""
        if amount == 0:
            expected = "ZeroAmount"
        elif spender_code is not None:
            expected = f"TransferRestricted({code_name(spender_code)})"
        elif allowance_short:
            expected = "ERC20InsufficientAllowance"
        elif codes:
            expected = f"TransferRestricted({code_name(codes[0])})"
        else:
            expected = ""
        self.stats.verdicts[f"redeem: {error or 'ok'}"] += 1
        assert ok == (not expected), (
            f"MODEL MISMATCH in {what}: expected {expected or 'success'}, got {error or 'success'}"
        )
        if not ok:
            assert error == expected, f"WRONG REVERT in {what}: expected {expected}, got {error}"

    # --- initialization
    @initialize(
        investors=st.lists(initial_investor_st, min_size=POOL_SIZE, max_size=POOL_SIZE),
        # About half the pool starts empty, so that holder limits meet new holders.
        amounts=st.lists(
            st.one_of(st.just(0), st.integers(1, 1_000)), min_size=POOL_SIZE, max_size=POOL_SIZE
        ),
        rules=rules_st,
        country_limit=st.sampled_from([None, (US, 1), (US, 2), (DE, 1)]),
        # Two examples in three start under a regime, so that its rules meet the early steps;
        # half of those without the other rules (the regime runs last: any rule refusing first
        # hides it).
        regime=st.one_of(st.none(), regime_st, regime_st),
        plain=st.booleans(),
    )
    def setup(
        self,
        investors: list[InvestorSpec | None],
        amounts: list[int],
        rules: Rules,
        country_limit: tuple[int, int] | None,
        regime: tuple[Any, ...] | None,
        plain: bool,
    ) -> None:
        """Register the pool in one batch, issue to it through the checked issue path, then set
        the rules (so that the first steps already meet holders, limits and clocks)."""
        self.begin("setup")
        m = self.model
        entries = [(self.w(i), spec.at(m.now)) for i, spec in enumerate(investors) if spec]
        if entries:
            ok = self.send(
                self.env.officer,
                self.env.registry,
                "setInvestors",
                [wallet for wallet, _ in entries],
                [inv.pack() for _, inv in entries],
            )
            self.expect("setInvestors", True, ok)
            m.investors.update(entries)
        if regime is not None:  # before issuing: the first holders are counted in its classes
            self.do_set_regime(regime)
        for i, value in enumerate(amounts):
            if value:
                self.do_issue(i, value)
        self.do_set_rules(Rules() if regime is not None and plain else rules)
        if country_limit is not None:
            self.do_set_country_rule(country_limit[0], False, country_limit[1])

    # --- registry
    @rule(wallet=wallets_st, spec=investor_st)
    def set_investor(self, wallet: int, spec: InvestorSpec) -> None:
        self.begin("set_investor")
        self.do_set_investor(wallet, spec.at(self.model.now))

    def do_set_investor(self, index: int, inv: Investor) -> None:
        ok = self.send(
            self.env.officer, self.env.registry, "setInvestor", self.w(index), inv.pack()
        )
        self.expect(f"setInvestor(w{index}, {inv})", True, ok)
        self.model.investors[self.w(index)] = inv

    @rule(wallet=wallets_st)
    def remove_investor(self, wallet: int) -> None:
        self.begin("remove_investor")
        present = self.w(wallet) in self.model.investors
        ok = self.send(self.env.officer, self.env.registry, "removeInvestor", self.w(wallet))
        self.expect(f"removeInvestor(w{wallet})", present, ok, "" if present else "no record")
        if ok:
            del self.model.investors[self.w(wallet)]

    @rule(wallet=wallets_st, frozen=st.booleans())
    def freeze_investor(self, wallet: int, frozen: bool) -> None:
        self.begin("freeze_investor")
        inv = self.model.investors.get(self.w(wallet))
        ok = self.send(self.env.officer, self.env.registry, "setFrozen", self.w(wallet), frozen)
        self.expect(f"registry setFrozen(w{wallet}, {frozen})", inv is not None, ok, "no record")
        if inv is not None:
            self.model.investors[self.w(wallet)] = replace(inv, frozen=frozen)

    @rule(wallet=wallets_st, country=st.sampled_from([US, DE, FR]))
    def verify_investor(self, wallet: int, country: int) -> None:
        """A clean record (KYC far ahead, no lockup, accredited): undoes the registry edits'
        wreckage so that the pool keeps wallets able to trade."""
        self.begin("verify_investor")
        self.do_set_investor(wallet, Investor(FAR_FUTURE, 0, country, True, False))

    # --- issuance and transfers
    def do_issue(self, to_index: int, value: int) -> bool:
        m, to = self.model, self.w(to_index)
        codes = m.restrictions(None, to, value)
        view = eth_call(self.env.token, "detectTransferRestriction", (ZERO, to, value))
        ((detect,),), ok, error = self.attempt(self.env.issuer, "issue", (to, value, b""), [view])
        what = f"issue({value} to w{to_index})"
        self.verdict(what, detect == SUCCESS, detect, ok, error, codes, zero_issue=value == 0)
        if ok:
            m.move(None, to, value)
        return ok

    @rule(to=wallets_st, value=issue_st)
    def issue(self, to: int, value: int | str) -> None:
        self.begin("issue")
        self.do_issue(to, self.amount(value, None, self.w(to)))

    def do_transfer(
        self, sender_index: int, to_index: int, spec: int | str, with_data: bool
    ) -> bool:
        m, sender, to = self.model, self.w(sender_index), self.w(to_index)
        value = self.amount(spec, sender, to)
        codes = m.restrictions(sender, to, value)
        token = self.env.token
        views = [
            eth_call(token, "canTransfer(address,uint256,bytes)", (to, value, b""), sender),
            eth_call(token, "detectTransferRestriction", (sender, to, value)),
            eth_call(token, "canTransfer(address,address,uint256)", (sender, to, value)),
        ]
        name = "transferWithData" if with_data else "transfer"
        args = (to, value, b"ref") if with_data else (to, value)
        (answer, (detect,), (erc7943,)), ok, error = self.attempt(sender, name, args, views)
        # ERC-7943's canTransfer: the same decision, a plain balance shortfall aside
        if value <= m.balance(sender):
            assert erc7943 == (not codes), f"canTransfer(from, to, {value}) says {erc7943}"
        what = f"{name}({value}) w{sender_index} -> w{to_index}"
        cap = m.rules.transfer_cap(m.supply)
        if isinstance(spec, str) and spec.startswith("room") and cap and cap >= 2**CAP_BITS:
            self.stats.verdicts[f"{spec} under a cap of 28+ bits"] += 1
        view_ok, code = self.preflight(what, answer, detect)
        self.verdict(what, view_ok, code, ok, error, codes)
        if ok:
            m.move(sender, to, value)
        return ok

    @rule(sender=wallets_st, to=wallets_st, value=amount_st)
    def transfer(self, sender: int, to: int, value: int | str) -> None:
        self.begin("transfer")
        self.do_transfer(sender, to, value, with_data=False)

    @rule(sender=wallets_st, to=wallets_st, value=amount_st)
    def transfer_with_data(self, sender: int, to: int, value: int | str) -> None:
        self.begin("transfer_with_data")
        self.do_transfer(sender, to, value, with_data=True)

    # Steered variants. Random wallets mostly meet empty balances, missing allowances and the
    # registry edits' wreckage (expired, frozen, removed), so the rules at the end of the
    # decision (holding period, holder limits, caps) would rarely decide anything. These pick
    # among wallets the model sees as able to send, holding nothing, or approved; the outcome
    # is still predicted and checked like any other.
    def holders_and_empty(self) -> tuple[list[int], list[int]]:
        m, pool = self.model, range(POOL_SIZE)
        holders = [i for i in pool if m.balance(self.w(i))]
        return holders, [i for i in pool if i not in holders]

    def able_senders(self) -> list[int]:
        """Holders that are verified, unlocked and not frozen, with an unfrozen balance."""
        m = self.model
        able = []
        for i in range(POOL_SIZE):
            w, inv = self.w(i), m.investors.get(self.w(i))
            free = max(m.balance(w) - m.frozen_of(w), 0)
            unlocked = inv is not None and m.now >= inv.lockup_until
            if free > 0 and unlocked and m.verified(w) and w not in m.token_frozen:
                able.append(i)
        return able

    def open_receivers(self) -> list[int]:
        """Wallets verified and not frozen (they may still fail country, accreditation,
        holder and cap rules)."""
        m = self.model
        return [
            i for i in range(POOL_SIZE) if m.verified(self.w(i)) and self.w(i) not in m.token_frozen
        ]

    def approved_pairs(self) -> list[tuple[int, int]]:
        m, pool = self.model, range(POOL_SIZE)
        return [(o, s) for o in pool for s in pool if m.allowances.get((self.w(o), self.w(s)), 0)]

    @precondition(lambda self: bool(self.holders_and_empty()[0]))
    @rule(sender=st.integers(0, POOL_SIZE), to=wallets_st, value=amount_st)
    def transfer_from_holder(self, sender: int, to: int, value: int | str) -> None:
        """A wallet that holds tokens sends (any receiver, itself included)."""
        self.begin("transfer_from_holder")
        holders, _ = self.holders_and_empty()
        self.do_transfer(holders[sender % len(holders)], to, value, True)

    @precondition(lambda self: bool(self.able_senders() and self.open_receivers()))
    @rule(sender=st.integers(0, POOL_SIZE), to=st.integers(0, POOL_SIZE), value=amount_st)
    def transfer_between_verified(self, sender: int, to: int, value: int | str) -> None:
        """An able sender to a verified receiver: the later rules decide."""
        self.begin("transfer_between_verified")
        senders, receivers = self.able_senders(), self.open_receivers()
        self.do_transfer(
            senders[sender % len(senders)], receivers[to % len(receivers)], value, False
        )

    @precondition(lambda self: all(self.holders_and_empty()))
    @rule(
        sender=st.integers(0, POOL_SIZE),
        to=st.integers(0, POOL_SIZE),
        value=st.one_of(amount_st, st.just("all"), st.just("free")),
    )
    def transfer_to_newcomer(self, sender: int, to: int, value: int | str) -> None:
        """A holder (an able one when there is one) sends to a wallet that holds nothing
        (a verified one when there is one), often all it holds: holder limits, per-country
        slots, a leaving sender's freed slot."""
        self.begin("transfer_to_newcomer")
        holders, empty = self.holders_and_empty()
        senders = self.able_senders() or holders
        receivers = [i for i in empty if i in self.open_receivers()] or empty
        self.do_transfer(
            senders[sender % len(senders)], receivers[to % len(receivers)], value, False
        )

    @precondition(lambda self: bool(self.approved_pairs()))
    @rule(pair=st.integers(0, POOL_SIZE**2), to=wallets_st, value=amount_st)
    def transfer_from_approved(self, pair: int, to: int, value: int | str) -> None:
        """transferFrom by a spender that holds an allowance."""
        self.begin("transfer_from_approved")
        pairs = self.approved_pairs()
        owner, spender = pairs[pair % len(pairs)]
        self.do_transfer_from(spender, owner, to, value, with_data=False)

    @rule(owner=wallets_st, spender=wallets_st, value=allowance_st)
    def approve(self, owner: int, spender: int, value: int) -> None:
        self.begin("approve")
        ok = self.send(self.w(owner), self.env.token, "approve", self.w(spender), value)
        self.expect(f"approve(w{spender}, {value}) by w{owner}", True, ok)
        self.model.allowances[(self.w(owner), self.w(spender))] = value

    def do_transfer_from(
        self, spender_index: int, owner_index: int, to_index: int, spec: int | str, with_data: bool
    ) -> None:
        m = self.model
        spender, owner, to = self.w(spender_index), self.w(owner_index), self.w(to_index)
        value = self.amount(spec, owner, to)
        allowance_short = m.allowances.get((owner, spender), 0) < value
        spender_code = m.spender_code(owner, spender)
        codes = m.restrictions(owner, to, value)
        if allowance_short:
            codes.insert(0, INSUFFICIENT_ALLOWANCE)
        if spender_code is not None:
            codes.insert(0, spender_code)
        views = [
            eth_call(self.env.token, "canTransferFrom", (owner, to, value, b""), spender),
            eth_call(self.env.token, "detectTransferRestriction", (owner, to, value)),
        ]
        name = "transferFromWithData" if with_data else "transferFrom"
        args = (owner, to, value, b"ref") if with_data else (owner, to, value)
        (answer, (detect,)), ok, error = self.attempt(spender, name, args, views)
        what = f"{name}({value}) w{owner_index} -> w{to_index} by w{spender_index}"
        # With the spender blocked or the allowance short, canTransferFrom answers that first;
        # detect knows no spender.
        spender_first = allowance_short or spender_code is not None
        view_ok, code = self.preflight(what, answer, None if spender_first else detect)
        self.verdict(what, view_ok, code, ok, error, codes)
        if ok:
            m.spend_allowance(owner, spender, value)
            m.move(owner, to, value)

    @rule(spender=wallets_st, owner=wallets_st, to=wallets_st, value=amount_st)
    def transfer_from(self, spender: int, owner: int, to: int, value: int | str) -> None:
        self.begin("transfer_from")
        self.do_transfer_from(spender, owner, to, value, with_data=False)

    @rule(spender=wallets_st, owner=wallets_st, to=wallets_st, value=amount_st)
    def transfer_from_with_data(self, spender: int, owner: int, to: int, value: int | str) -> None:
        self.begin("transfer_from_with_data")
        self.do_transfer_from(spender, owner, to, value, with_data=True)

    # --- redemption (no pre-flight view exists for it: the model predicts it)
    @rule(holder=wallets_st, value=amount_st)
    def redeem(self, holder: int, value: int | str) -> None:
        self.begin("redeem")
        m, wallet = self.model, self.w(holder)
        amount = self.amount(value, wallet)
        codes = m.restrictions(wallet, None, amount)
        _, ok, error = self.attempt(wallet, "redeem", (amount, b""))
        self.expect_redemption(f"redeem({amount}) by w{holder}", amount, False, codes, ok, error)
        if ok:
            m.move(wallet, None, amount)

    @rule(spender=wallets_st, holder=wallets_st, value=amount_st)
    def redeem_from(self, spender: int, holder: int, value: int | str) -> None:
        self.begin("redeem_from")
        m, wallet, by = self.model, self.w(holder), self.w(spender)
        amount = self.amount(value, wallet)
        codes = m.restrictions(wallet, None, amount)
        short = m.allowances.get((wallet, by), 0) < amount
        _, ok, error = self.attempt(by, "redeemFrom", (wallet, amount, b""))
        what = f"redeemFrom(w{holder}, {amount}) by w{spender}"
        self.expect_redemption(what, amount, short, codes, ok, error, m.spender_code(wallet, by))
        if ok:
            m.spend_allowance(wallet, by, amount)
            m.move(wallet, None, amount)

    # --- freezes and pause
    @rule(wallet=wallets_st, frozen=st.booleans())
    def freeze_wallet(self, wallet: int, frozen: bool) -> None:
        self.begin("freeze_wallet")
        ok = self.send(self.env.officer, self.env.token, "setWalletFrozen", self.w(wallet), frozen)
        recovered = self.w(wallet) in self.model.successors  # stays frozen for good
        expected = frozen or not recovered
        self.expect(f"setWalletFrozen(w{wallet}, {frozen})", expected, ok, "recovered")
        if not ok:
            return
        if frozen:
            self.model.token_frozen.add(self.w(wallet))
        else:
            self.model.token_frozen.discard(self.w(wallet))

    @rule(wallet=wallets_st, approved=st.booleans())
    def set_operator(self, wallet: int, approved: bool) -> None:
        self.begin("set_operator")
        addr = self.w(wallet)
        ok = self.send(self.env.officer, self.env.token, "setApprovedOperator", addr, approved)
        self.expect(f"setApprovedOperator(w{wallet}, {approved})", True, ok)
        if approved:
            self.model.operators.add(addr)
        else:
            self.model.operators.discard(addr)

    @rule(wallet=wallets_st, value=freeze_st)
    def freeze_partial(self, wallet: int, value: int | str) -> None:
        self.begin("freeze_partial")
        m, addr = self.model, self.w(wallet)
        amount = self.amount(value, addr)
        expected = amount > 0 and m.frozen_of(addr) + amount <= m.balance(addr)
        ok = self.send(self.env.officer, self.env.token, "freezePartial", addr, amount)
        self.expect(f"freezePartial(w{wallet}, {amount})", expected, ok)
        if ok:
            m.frozen_amount[addr] = m.frozen_of(addr) + amount

    @rule(wallet=wallets_st, value=unfreeze_st)
    def unfreeze_partial(self, wallet: int, value: int | str) -> None:
        self.begin("unfreeze_partial")
        m, addr = self.model, self.w(wallet)
        amount = self.amount(value, addr)
        expected = 0 < amount <= m.frozen_of(addr)
        ok = self.send(self.env.officer, self.env.token, "unfreezePartial", addr, amount)
        self.expect(f"unfreezePartial(w{wallet}, {amount})", expected, ok)
        if ok:
            m.frozen_amount[addr] = m.frozen_of(addr) - amount

    @rule(
        wallet=wallets_st,
        amount=st.one_of(st.integers(0, 2_000), st.just(2**128 - 1), st.just(2**128)),
    )
    def set_frozen_tokens(self, wallet: int, amount: int) -> None:
        """ERC-7943: an absolute frozen amount, above the balance too (2^128 does not fit)."""
        self.begin("set_frozen_tokens")
        m, addr = self.model, self.w(wallet)
        ok = self.send(self.env.officer, self.env.token, "setFrozenTokens", addr, amount)
        self.expect(f"setFrozenTokens(w{wallet}, {amount})", amount < 2**128, ok)
        if ok:
            m.frozen_amount[addr] = amount

    @rule(wallet=wallets_st, delegatee=st.one_of(st.none(), wallets_st))
    def delegate(self, wallet: int, delegatee: int | None) -> None:
        """ERC-5805: delegate to a pool wallet or to nobody (the zero address)."""
        self.begin("delegate")
        to = ZERO if delegatee is None else self.w(delegatee)
        ok = self.send(self.w(wallet), self.env.token, "delegate", to)
        self.expect(f"delegate(w{wallet} -> {delegatee})", True, ok)

    @rule(paused=st.booleans())
    def set_paused(self, paused: bool) -> None:
        self.begin("set_paused")
        ok = self.send(self.env.officer, self.env.token, "pause" if paused else "unpause")
        self.expect(f"{'pause' if paused else 'unpause'}()", paused != self.model.paused, ok)
        if ok:
            self.model.paused = paused

    @rule()
    def close_issuance(self) -> None:
        self.begin("close_issuance")
        closed = self.model.issuance_closed
        ok = self.send(self.env.issuer, self.env.token, "closeIssuance")
        self.expect("closeIssuance()", not closed, ok, "already closed")
        self.model.issuance_closed = True

    # --- controller operations: the documented bypass
    @rule(sender=wallets_st, to=wallets_st, value=amount_st, erc7943=st.booleans())
    def controller_transfer(self, sender: int, to: int, value: int | str, erc7943: bool) -> None:
        """controllerTransfer (ERC-1644) or forcedTransfer (ERC-7943): one bookkeeping; both
        override the rules but refuse a receiver that canReceive refuses."""
        self.begin("controller_transfer", bypass=True)
        m, frm, dest = self.model, self.w(sender), self.w(to)
        amount = self.amount(value, frm)
        name = "forcedTransfer" if erc7943 else "controllerTransfer"
        args = (frm, dest, amount) if erc7943 else (frm, dest, amount, b"", b"court order")
        receivable = m.can_receive(dest)
        self.stats.verdicts[f"controller: to {'' if receivable else 'un'}eligible"] += 1
        ok = self.send(self.env.controller, self.env.token, name, *args)
        expected = 0 < amount <= m.balance(frm) and receivable
        self.expect(f"{name}({amount}) w{sender} -> w{to}", expected, ok)
        if ok:
            m.move(frm, dest, amount, forced=True)

    @rule(holder=wallets_st, value=amount_st)
    def controller_redeem(self, holder: int, value: int | str) -> None:
        self.begin("controller_redeem", bypass=True)
        m, wallet = self.model, self.w(holder)
        amount = self.amount(value, wallet)
        args = (wallet, amount, b"", b"court order")
        ok = self.send(self.env.controller, self.env.token, "controllerRedeem", *args)
        self.expect(f"controllerRedeem(w{holder}, {amount})", 0 < amount <= m.balance(wallet), ok)
        if ok:
            m.move(wallet, None, amount, forced=True)

    @rule(lost=wallets_st, new=wallets_st)
    def recover_wallet(self, lost: int, new: int) -> None:
        self.begin("recover_wallet", bypass=True)
        m, lost_addr, new_addr = self.model, self.w(lost), self.w(new)
        why = []
        if lost_addr in m.successors:
            why.append("already recovered")
        if new == lost or new_addr in m.successors or new_addr in m.token_frozen:
            why.append("target recovered, frozen on the token or the lost wallet itself")
        if not m.verified(new_addr):
            why.append("target not verified")
        if m.frozen_of(lost_addr) + m.frozen_of(new_addr) >= 2**128:
            # the frozen amounts add up in the target's 128-bit field: PackedFieldOverflow
            why.append("the frozen amounts together exceed 128 bits")
        args = (lost_addr, new_addr, b"ticket")
        ok = self.send(self.env.controller, self.env.token, "recoverWallet", *args)
        self.expect(f"recoverWallet(w{lost} -> w{new})", not why, ok, "; ".join(why))
        if ok:
            m.recover(lost_addr, new_addr)

    # --- rules
    def do_set_rules(self, rules: Rules) -> None:
        ok = self.send(self.env.officer, self.env.token, "setRules", rules.as_tuple())
        valid = rules.max_balance_bps <= 10_000 and min_position_fits(rules.min_position)
        self.expect(f"setRules({rules})", valid, ok, "bps > 10,000 or unstorable minimum")
        if ok:
            self.model.rules = rules

    @rule(rules=rules_st)
    def set_rules(self, rules: Rules) -> None:
        self.begin("set_rules")
        self.do_set_rules(rules)

    @rule(drawn=regime_st)
    def set_regime(self, drawn: tuple[Any, ...]) -> None:
        """Replace the regime (the primitives of the regulatory presets); the counts stay."""
        self.begin("set_regime")
        self.do_set_regime(drawn)

    def do_set_regime(self, drawn: tuple[Any, ...]) -> None:
        until, us_only, required, max_na, max_nq, resale, (bps, window) = drawn
        regime = Regime(
            0 if until is None else self.model.now + until,
            us_only,
            required,
            max_na,
            max_nq,
            resale,
            bps,
            window,
        )
        self.apply_regime(regime)

    def apply_regime(self, regime: Regime) -> None:
        ok = self.send(self.env.officer, self.env.token, "setRegime", regime.as_tuple())
        self.expect(f"setRegime({regime})", True, ok)
        self.model.regime = regime

    # --- the regime's later rules, steered
    # Codes 29, 31 and 32 need several conditions at once: the regime's rule switched on, a
    # holder able to send (verified, unlocked, unfrozen, tokens to spare; for resale its clock
    # still running, for the volume limit the AFFILIATE flag) and a receiver every earlier rule
    # admits (for 29 and 31 one without the accredited flag, for 31 without RESALE_EXEMPT).
    # Random steps almost never line them up: in the seeded run of 100 examples before these
    # rules, a regime was set in 38, 18 of those had no holder after setup, no non-accredited
    # holder was ever counted and no able affiliate holder ever met an affiliate limit. These
    # rules line the conditions up through the ordinary operations (setRegime with the rule on
    # when it is off, setInvestor, issue, transfer, a time jump); every transaction is predicted
    # by the model and checked like any other, and the invariants run after the step. Rules
    # drawn elsewhere (required flags, requireAccreditation, holder limits, caps, pause, closed
    # issuance...) still refuse first where they apply.

    def switch_on(self, **fields: Any) -> None:
        """Turn a regime rule on (the rest of the regime kept) when all its fields are off."""
        g = self.model.regime
        if not any(getattr(g, name) for name in fields):
            self.apply_regime(replace(g, **fields))

    def clean_record(
        self, *, accredited: bool, affiliate: bool = False, resale_exempt: bool = False
    ) -> Investor:
        """KYC far ahead, no lockup, not frozen, not a U.S. person (Reg S and, with
        accreditationUsOnly, requireAccreditation do not bind it), in a country the country
        rule admits (one with room under its holder limit when there is one), with the flags
        the regime requires besides accreditation."""
        m, required = self.model, self.model.regime.required
        admitted = [c for c in (US, DE, FR) if m.listed(c) == m.rules.country_allow_list]
        roomy = [
            c
            for c in admitted
            if not m.country_rules.get(c, (False, 0))[1]
            or m.country_holders(c) < m.country_rules[c][1]
        ]
        return Investor(
            FAR_FUTURE,
            0,
            (roomy or admitted or [US])[0],
            accredited,
            False,
            eu_qualified=bool(required & FLAG_EU_QUALIFIED),
            qualified_purchaser=bool(required & FLAG_QP),
            qib=bool(required & FLAG_QIB),
            affiliate=affiliate,
            resale_exempt=resale_exempt,
        )

    def unfrozen_others(self, exclude: int) -> list[int]:
        """Pool wallets other than `exclude` not frozen on the token (recovered ones included)."""
        m = self.model
        return [i for i in range(POOL_SIZE) if i != exclude and self.w(i) not in m.token_frozen]

    def unfrozen(self, index: int) -> int:
        m, w = self.model, self.w(index)
        return max(m.balance(w) - m.frozen_of(w), 0)

    def share(self, value: int, sender: int | None, receiver: int) -> int:
        """`value`, at least the minimum position, at most the sender's unfrozen balance
        (sender None: issuance) and the receiver's room under the balance cap."""
        m = self.model
        cap = m.rules.issue_cap() if sender is None else m.rules.transfer_cap(m.supply)
        value = max(value, m.rules.min_position)
        if cap is not None:
            value = min(value, max(cap - m.balance(self.w(receiver)), 0))
        return value if sender is None else min(value, self.unfrozen(sender))

    def resume(self) -> None:
        """Unpause (a paused token refuses every movement first)."""
        if self.model.paused:
            ok = self.send(self.env.officer, self.env.token, "unpause")
            self.expect("unpause()", True, ok)
            self.model.paused = False

    @precondition(lambda self: bool(self.holders_and_empty()[1]))
    @rule(
        cap=st.sampled_from([1, 2]),
        start=st.integers(0, POOL_SIZE - 1),
        by_issue=st.booleans(),
        value=st.integers(1, 100),
    )
    def admit_non_accredited(self, cap: int, start: int, by_issue: bool, value: int) -> None:
        """Code 29: empty wallets get clean records without the accredited flag and enter one
        after another (issued to, or sent to by an able holder) until one is refused: by the
        class cap when maxNonAccredited are counted, or earlier by another rule."""
        self.begin("admit_non_accredited")
        m = self.model
        self.switch_on(max_non_accredited=cap)
        self.resume()
        empty = [i for i in self.holders_and_empty()[1] if self.w(i) not in m.token_frozen]
        room = max(m.regime.max_non_accredited - len(m.non_accredited), 0) + 1
        for i in (empty[start % len(empty) :] + empty[: start % len(empty)])[:room]:
            # RESALE_EXEMPT: a sender's running resale clock does not refuse it first.
            self.do_set_investor(i, self.clean_record(accredited=False, resale_exempt=True))
            senders = [s for s in self.able_senders() if s != i]
            if (by_issue and not m.issuance_closed) or not senders:
                ok = self.do_issue(i, self.share(value, None, i))
            else:
                ok = self.do_transfer(senders[0], i, self.share(value, senders[0], i), False)
            if not ok:
                break

    @rule(
        period=st.sampled_from([60, 3_600]),
        pick=st.integers(0, POOL_SIZE - 1),
        exempt=st.sampled_from([False, False, True]),
        value=st.integers(1, 100),
    )
    def resell_in_resale_period(self, period: int, pick: int, exempt: bool, value: int) -> None:
        """Code 31: a holder whose resale clock still runs (a wallet freshly issued to when
        none does) sells, past a holding period that ends first, to a receiver without the
        accredited flag, with or without RESALE_EXEMPT."""
        self.begin("resell_in_resale_period")
        m = self.model
        self.switch_on(resale=period)
        self.resume()
        running = [
            i
            for i in self.able_senders()
            if m.now < m.acquired_at.get(self.w(i), 0) + m.regime.resale
        ]
        seller = running[pick % len(running)] if running else self.fresh_seller(pick, value)
        if seller is None:
            return
        acquired = m.acquired_at.get(self.w(seller), 0)
        held = acquired + m.rules.holding_period
        if m.now < held < acquired + m.regime.resale:
            self.jump_to(held)
        buyers = self.unfrozen_others(seller)
        if not buyers:
            return
        buyer = buyers[pick % len(buyers)]
        self.do_set_investor(buyer, self.clean_record(accredited=False, resale_exempt=exempt))
        self.do_transfer(seller, buyer, self.share(value, seller, buyer), False)

    def fresh_seller(self, pick: int, value: int) -> int | None:
        """A wallet not frozen on the token, given a clean accredited record and issued to now
        (None when there is none or the issuance is refused)."""
        candidates = self.unfrozen_others(-1)
        if not candidates:
            return None
        seller = candidates[pick % len(candidates)]
        self.do_set_investor(seller, self.clean_record(accredited=True))
        return seller if self.do_issue(seller, self.share(value, None, seller)) else None

    @rule(
        limit=st.sampled_from([(100, 60), (100, 3_600), (1_000, 3_600)]),
        pick=st.integers(0, POOL_SIZE - 1),
        over=st.sampled_from([1, 1, 0]),
        value=st.integers(1, 1_000),
    )
    def affiliate_sells(self, limit: tuple[int, int], pick: int, over: int, value: int) -> None:
        """Code 32: the able holder with the most unfrozen tokens (a wallet freshly issued to
        when there is none, past its holding period), given the AFFILIATE flag when it lacks
        it, sells to a clean accredited receiver (exempt from resale) exactly what its volume
        limit leaves it (allowed) or one more (refused)."""
        self.begin("affiliate_sells")
        m = self.model
        bps, window = limit
        self.switch_on(affiliate_bps=bps, affiliate_window=window)
        self.resume()
        able = self.able_senders()
        seller = max(able, key=self.unfrozen) if able else self.fresh_seller(pick, value)
        if seller is None:
            return
        held = m.acquired_at.get(self.w(seller), 0) + m.rules.holding_period
        if m.now < held:
            self.jump_to(held)
        inv = m.investors[self.w(seller)]
        if not inv.affiliate:
            self.do_set_investor(seller, replace(inv, affiliate=True))
        buyers = self.unfrozen_others(seller)
        if not buyers:
            return
        buyer = buyers[pick % len(buyers)]
        self.do_set_investor(buyer, self.clean_record(accredited=True))
        previous, current = m.affiliate_sums(self.w(seller))
        left = max(m.supply * m.regime.affiliate_bps // 10_000 - previous - current, 0)
        self.do_transfer(seller, buyer, left + over, False)

    def do_set_country_rule(self, country: int, listed: bool, max_holders: int) -> None:
        args = (country, listed, max_holders)
        ok = self.send(self.env.officer, self.env.token, "setCountryRule", *args)
        self.expect(f"setCountryRule{args}", country != 0, ok, "country 0")
        if ok:
            self.model.country_rules[country] = (listed, max_holders)

    @rule(
        country=st.sampled_from([*COUNTRIES, 0]),
        listed=st.sampled_from([False, False, True]),
        max_holders=st.sampled_from([0, 1, 2, 3]),
    )
    def set_country_rule(self, country: int, listed: bool, max_holders: int) -> None:
        self.begin("set_country_rule")
        self.do_set_country_rule(country, listed, max_holders)

    # --- time
    def jump_to(self, target: int) -> None:
        self.rpc.pin_next_block(target)
        self.rpc.request("evm_mine", [])
        self.model.advance(target)

    @rule(seconds=jump_st)
    def time_jump(self, seconds: int) -> None:
        self.begin("time_jump")
        self.jump_to(self.model.now + seconds)

    def edges(self) -> list[int]:
        """Future instants where a verdict flips: KYC expiries, lockup ends, holding-period ends,
        record dates."""
        m = self.model
        times = [t for inv in m.investors.values() for t in (inv.kyc_expiry, inv.lockup_until)]
        if m.rules.holding_period:
            times += [t + m.rules.holding_period for t in m.acquired_at.values()]
        times += [rd.timestamp for rd in m.record_dates]
        times.append(m.regime.us_until)
        if m.regime.resale:
            times += [t + m.regime.resale for t in m.acquired_at.values()]
        return sorted({t for t in times if m.now < t < FAR_FUTURE})

    @precondition(lambda self: bool(self.edges()))
    @rule(pick=st.integers(0, 2 * POOL_SIZE), before=st.booleans())
    def jump_to_edge(self, pick: int, before: bool) -> None:
        """Land exactly on a future edge, or one second before it."""
        self.begin("jump_to_edge")
        edges = self.edges()
        target = edges[pick % len(edges)] - before
        if target > self.model.now:
            self.jump_to(target)

    @rule(delay=st.sampled_from([1, 60, 3_600, 0]))
    def schedule_record_date(self, delay: int) -> None:
        self.begin("schedule_record_date")
        m = self.model
        timestamp = m.now + delay
        pending = bool(m.record_dates) and m.now < m.record_dates[-1].timestamp
        ok = self.send(self.env.issuer, self.env.token, "scheduleRecordDate", timestamp)
        why = "not in the future" if delay == 0 else "one pending" if pending else ""
        self.expect(f"scheduleRecordDate(now + {delay})", not why, ok, why)
        if ok:
            m.record_dates.append(RecordDate(timestamp))

    # --- the invariants
    def read_chain(self) -> ChainState:
        env, m = self.env, self.model
        token, registry, wallets = env.token, env.registry, env.wallets
        passed = [i + 1 for i, rd in enumerate(m.record_dates) if rd.balances is not None]
        calls = [
            eth_call(token, "totalSupply"),
            eth_call(token, "holderCount"),
            eth_call(token, "paused"),
            eth_call(token, "rules"),
            eth_call(token, "latestRecordDateId"),
            eth_call(token, "isIssuable"),
        ]
        for w in wallets:
            calls += [
                eth_call(token, "balanceOf", (w,)),
                eth_call(token, "walletState", (w,)),
                eth_call(registry, "recordOf", (w,)),
                eth_call(registry, "isVerified", (w,)),
                eth_call(token, "successorOf", (w,)),
            ]
        calls += [eth_call(token, "allowance", (o, s)) for o in wallets for s in wallets]
        calls += [eth_call(token, "countryRule", (c,)) for c in (0, *COUNTRIES)]
        calls += [eth_call(token, "regimeState", (c, ZERO)) for c in COUNTRIES]
        calls += [eth_call(token, "regimeState", (US, w)) for w in wallets]
        for rid in range(1, len(m.record_dates) + 1):
            calls.append(eth_call(token, "recordDate", (rid,)))
        for rid in passed:
            calls.append(eth_call(token, "totalSupplyAt", (rid,)))
            calls += [eth_call(token, "balanceOfAt", (w, rid)) for w in wallets]
        results: Iterator[tuple[Any, ...]] = iter(self.rpc.calls(calls))
        number, timestamp = self.rpc.head()

        def one() -> Any:
            return next(results)[0]

        total, holders, paused, rules, latest, issuable = one(), one(), one(), one(), one(), one()
        balances, states, records, verified, successors = {}, {}, {}, {}, {}
        for w in wallets:
            balances[w] = one()
            states[w] = next(results)
            records[w] = one()
            verified[w] = one()
            successors[w] = str(to_checksum_address(one()))
        allowances = {(o, s): one() for o in wallets for s in wallets}
        countries = {c: next(results) for c in (0, *COUNTRIES)}
        regime_state = {c: tuple(next(results))[:2] for c in COUNTRIES}
        affiliate_words = {w: int(next(results)[2]) for w in wallets}
        times = {rid: one() for rid in range(1, len(m.record_dates) + 1)}
        rec_supply: dict[int, int] = {}
        rec_balances: dict[int, dict[str, int]] = {}
        for rid in passed:
            rec_supply[rid] = one()
            rec_balances[rid] = {w: one() for w in wallets}
        return ChainState(
            head_number=number,
            head_timestamp=timestamp,
            total_supply=total,
            holder_count=holders,
            paused=paused,
            issuable=issuable,
            rules=tuple(rules),
            latest_record_id=latest,
            balances=balances,
            wallet_state={w: (bool(s[0]), int(s[1]), int(s[2])) for w, s in states.items()},
            records=records,
            verified=verified,
            successors=successors,
            allowances=allowances,
            countries={c: (bool(r[0]), int(r[1]), int(r[2])) for c, r in countries.items()},
            record_times=times,
            record_balances=rec_balances,
            record_supply=rec_supply,
            regime_state={c: (int(r[0]), int(r[1])) for c, r in regime_state.items()},
            affiliate_words=affiliate_words,
        )

    def compare(self, s: ChainState) -> None:
        """The chain equals the model, field by field."""
        m, wallets = self.model, self.env.wallets
        assert s.head_timestamp == m.now, "time pinning failed: the chain is not at the model's now"
        assert s.total_supply == m.supply, f"totalSupply {s.total_supply}, model {m.supply}"
        assert s.paused == m.paused
        assert s.issuable == (not m.issuance_closed)
        assert s.rules == m.rules.as_tuple(), f"rules {s.rules}, model {m.rules}"
        for i, w in enumerate(wallets):
            inv = m.investors.get(w)
            assert s.balances[w] == m.balance(w), (
                f"w{i}: balance {s.balances[w]}, model {m.balance(w)}"
            )
            expected_state = (w in m.token_frozen, m.frozen_of(w), m.acquired_at.get(w, 0))
            assert s.wallet_state[w] == expected_state, (
                f"w{i}: walletState {s.wallet_state[w]}, model {expected_state}"
            )
            assert s.records[w] == (inv.pack() if inv else 0), f"w{i}: registry record differs"
            assert s.verified[w] == m.verified(w), f"w{i}: isVerified {s.verified[w]}"
            assert s.successors[w] == m.successor_of(w), f"w{i}: successorOf differs"
        for (o, sp), value in s.allowances.items():
            assert value == m.allowances.get((o, sp), 0), "allowance differs"
        for c, (listed, limit, holders) in s.countries.items():
            expected_rule = m.country_rules.get(c, (False, 0))
            assert (listed, limit) == expected_rule, f"country {c}: rule differs"
            assert holders == m.country_holders(c), (
                f"country {c}: {holders} holders counted, the model counts {m.country_holders(c)}"
            )
        expected_word = m.regime.packed() | (len(m.non_accredited) << 80)
        for c, (word, non_qualified) in s.regime_state.items():
            assert word == expected_word, (
                f"regime word {word:#x}, model {expected_word:#x} "
                f"({len(m.non_accredited)} non-accredited counted)"
            )
            expected_nq = sum(1 for country in m.non_qualified.values() if country == c)
            assert non_qualified == expected_nq, (
                f"country {c}: {non_qualified} non-qualified counted, model {expected_nq}"
            )
        for i, w in enumerate(wallets):
            bucket, current, previous = m.affiliate_sales.get(w, (0, 0, 0))
            expected_sales = bucket | (current << 32) | (previous << 144)
            assert s.affiliate_words[w] == expected_sales, (
                f"w{i}: affiliate sales word {s.affiliate_words[w]:#x}, model "
                f"{expected_sales:#x} (bucket {bucket}, current {current}, previous {previous})"
            )
        assert s.latest_record_id == len(m.record_dates)
        for rid, ts in s.record_times.items():
            assert ts == m.record_dates[rid - 1].timestamp
        for rid, supply in s.record_supply.items():
            rd = m.record_dates[rid - 1]
            assert supply == rd.supply, f"totalSupplyAt({rid}) {supply}, model {rd.supply}"
            assert s.record_balances[rid] == rd.balances, f"balanceOfAt(., {rid}) differs"

    @invariant()
    def chain_invariants(self) -> None:
        s = self.read_chain()
        wallets = self.env.wallets
        step = self.step
        # 1. Conservation: everything ever moved stays in the pool.
        total = sum(s.balances.values())
        assert total == s.total_supply, f"after {step}: balances sum {total} != {s.total_supply}"
        # 2. ERC-7943 eligibility: canSend and canReceive equal the model's. ERC-5805: every
        #    wallet's votes are the balances of the wallets delegating to it (all in the pool).
        token, m = self.env.token, self.model
        names = ("canSend", "canReceive", "delegates", "getVotes")
        answers = iter(self.rpc.calls([eth_call(token, f, (w,)) for w in wallets for f in names]))
        delegated_to: Counter[str] = Counter()
        votes: dict[str, int] = {}
        for i, w in enumerate(wallets):
            sends, receives = next(answers)[0], next(answers)[0]
            delegatee, votes[w] = str(to_checksum_address(next(answers)[0])), next(answers)[0]
            assert sends == m.can_send(w), f"after {step}: w{i} canSend {sends}"
            assert receives == m.can_receive(w), f"after {step}: w{i} canReceive {receives}"
            if int(delegatee, 16):
                delegated_to[delegatee] += s.balances[w]
        for i, w in enumerate(wallets):
            assert votes[w] == delegated_to[w], (
                f"after {step}: w{i} has {votes[w]} votes, its delegators hold {delegated_to[w]}"
            )
        # 3. Holder counts: token-wide and per country.
        nonzero = sum(1 for b in s.balances.values() if b)
        assert s.holder_count == nonzero, f"after {step}: holderCount {s.holder_count} != {nonzero}"
        counted = sum(holders for _, _, holders in s.countries.values())
        assert counted == s.holder_count, f"after {step}: country counts sum to {counted}"
        # 4. Only verified wallets gain tokens, except through the controller.
        if not self.bypass:
            for i, w in enumerate(wallets):
                if s.balances[w] > self.last_balances[w]:
                    assert s.verified[w] and not s.wallet_state[w][0], (
                        f"UNVERIFIED GAIN: w{i} gained tokens in {step} without being verified"
                    )
        # 5. Everything equals the model (per-country counts by acquisition country included).
        self.compare(s)
        self.last_balances = s.balances
        self.bypass = False


def test_token_state_machine(env: Env) -> None:
    TokenMachine.env = env
    TokenMachine.stats = Stats()
    started = time.monotonic()
    try:
        run_state_machine_as_test(TokenMachine, settings=settings())
    finally:
        print(TokenMachine.stats.summary(time.monotonic() - started))


# The regime codes a short seeded run has to meet on chain: Reg S (25), a missing required flag
# (26, 27 or 28: whichever the drawn flags miss first), the non-accredited class cap (29),
# resale (31) and the affiliate volume limit (32). The last three need conditions that random
# steps almost never line up together (a full class, a running resale clock with a non-exempt
# receiver, an able affiliate under a limit); the steered regime rules (admit_non_accredited,
# resell_in_resale_period, affiliate_sells) line them up. Not asserted: the per-country
# non-qualified cap (30), which no steered rule aims at and random steps meet only sometimes.
REGIME_CODES = (US_PERSON_RESTRICTED, MAX_NON_ACCREDITED, RESALE_RESTRICTED, AFFILIATE_VOLUME)
REQUIRED_FLAG_CODES = (NOT_QIB, NOT_QUALIFIED_PURCHASER, NOT_EU_QUALIFIED)


def test_machine_meets_regime_codes(env: Env) -> None:
    """Coverage that cannot lie: the codes are counted only where the chain answered them and
    the transaction and the model agreed (TokenMachine.verdict). Derandomized: the same examples
    every run, so a change that stops the machine reaching a regime rule fails here."""
    TokenMachine.env = env
    TokenMachine.stats = stats = Stats()
    started = time.monotonic()
    seeded = settings(settings(), derandomize=True, database=None, max_examples=100)
    try:
        run_state_machine_as_test(TokenMachine, settings=seeded)
    finally:
        print(stats.summary(time.monotonic() - started))
    seen = stats.chain_codes
    missing = [code_name(c) for c in REGIME_CODES if not seen[c]]
    if not any(seen[c] for c in REQUIRED_FLAG_CODES):
        missing.append("one of " + ", ".join(code_name(c) for c in REQUIRED_FLAG_CODES))
    assert not missing, f"the seeded run never met {missing} on chain (seen: {dict(seen)})"


# ------------------------------------------------------------------ zero issuance


def test_issue_preflight_for_zero_amount(env: Env) -> None:
    rpc, token, wallet = env.rpc, env.token, env.wallets[0]
    # Not `with chain.isolate()`: Ape 0.8.51's isolate() swallows exceptions raised inside it.
    snapshot = env.chain.snapshot()
    try:
        _, now = rpc.head()
        verified = Investor(FAR_FUTURE, 0, US, True, False).pack()
        registry = env.registry
        assert rpc.send(
            env.officer, registry.address, registry["setInvestor"].encode(wallet, verified), now
        )
        ((code,),) = rpc.calls([eth_call(token, "detectTransferRestriction", (ZERO, wallet, 0))])
        issued = rpc.send(env.issuer, token.address, token["issue"].encode(wallet, 0, b""), now)
        assert (code == SUCCESS) == issued, (
            f"PRE-FLIGHT MISMATCH: detectTransferRestriction(0x0, w0, 0) answered "
            f"{code_name(code)} but issue(w0, 0) {'succeeded' if issued else 'reverted'}"
        )
    finally:
        env.chain.restore(snapshot)
