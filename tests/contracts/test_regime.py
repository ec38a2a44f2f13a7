"""The regime primitives of the regulatory presets (``setRegime``): each rule refused at its edge
and allowed just past it, for issuance and transfer, and redemption never blocked by them.

Dates are checked with ``detectTransferRestriction`` on a mined block at t - 1 and at t (a view
runs on the latest block); every refusal is also checked on a sent transaction.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sectoken.model.records import InvestorRecord
from sectoken.model.restrictions import RESTRICTIONS

from .conftest import DE, FAR_FUTURE, FR, US
from .conftest import rules_with as rules

DAY = 86_400
US_PERSON_RESTRICTED, NOT_QIB, NOT_QUALIFIED_PURCHASER, NOT_EU_QUALIFIED = 25, 26, 27, 28
MAX_NON_ACCREDITED, MAX_NON_QUALIFIED_COUNTRY, RESALE_RESTRICTED, AFFILIATE_VOLUME = 29, 30, 31, 32
NOT_ACCREDITED = 11
REGIME_FIELDS = (
    "usPersonBlockedUntil",
    "accreditationUsOnly",
    "requiredFlags",
    "maxNonAccredited",
    "maxNonQualifiedPerCountry",
    "resalePeriod",
    "affiliateVolumeBps",
    "affiliateWindow",
)


def regime(**fields: Any) -> tuple[Any, ...]:
    """A ``Regime`` tuple: every rule off except the named ones."""
    values: dict[str, Any] = dict.fromkeys(REGIME_FIELDS, 0)
    values["accreditationUsOnly"] = False
    values.update(fields)
    return tuple(values[name] for name in REGIME_FIELDS)


def word(country: int = US, **flags: bool) -> int:
    return InvestorRecord(kyc_expiry=FAR_FUTURE, country=country, **flags).pack()


@pytest.fixture
def dave(accounts: Any) -> Any:
    return accounts[7]


@pytest.fixture
def erin(accounts: Any) -> Any:
    return accounts[8]


@pytest.fixture
def setup(token: Any, registry: Any, compliance_officer: Any) -> Any:
    """``set(wallet, country, **flags)`` writes a record; ``regime(**rules)`` sets the regime."""

    class Setup:
        def investor(self, wallet: Any, country: int = US, **flags: bool) -> None:
            registry.setInvestor(wallet, word(country, **flags), sender=compliance_officer)

        def regime(self, **fields: Any) -> Any:
            return token.setRegime(regime(**fields), sender=compliance_officer)

    return Setup()


def refused(token: Any, sender: Any, to: Any, value: int, code: int) -> None:
    """The view and the transaction agree on `code`, with the module's message."""
    assert token.detectTransferRestriction(sender, to, value) == code
    message = token.messageForTransferRestriction(code)
    assert message == RESTRICTIONS[code].message
    with ape.reverts(token.TransferRestricted, code=code, reason=message):
        token.transfer(to, value, sender=sender)


def allowed(token: Any, sender: Any, to: Any, value: int) -> None:
    assert token.detectTransferRestriction(sender, to, value) == 0
    ok, status, _ = token.canTransfer(to, value, b"", sender=sender)
    assert ok and status == b"\x51"
    before = token.balanceOf(to)
    token.transfer(to, value, sender=sender)
    assert token.balanceOf(to) == before + value


def issue_refused(token: Any, issuer: Any, to: Any, value: int, code: int) -> None:
    assert token.detectTransferRestriction(ape.utils.ZERO_ADDRESS, to, value) == code
    with ape.reverts(token.TransferRestricted, code=code):
        token.issue(to, value, b"", sender=issuer)


def counts(token: Any, country: int = US, wallet: Any = None) -> tuple[int, int]:
    regime_word, non_qualified, _ = token.regimeState(country, wallet or ape.utils.ZERO_ADDRESS)
    return (regime_word >> 80) & 0xFFFFFFFF, non_qualified


# ---------------------------------------------------------------------------------- administration


def test_set_regime_round_trips_and_flags_the_token(
    token: Any, setup: Any, compliance_officer: Any
) -> None:
    assert token.regimeState(US, ape.utils.ZERO_ADDRESS)[0] == 0
    receipt = setup.regime(
        usPersonBlockedUntil=2_000_000_000,
        accreditationUsOnly=True,
        requiredFlags=32,
        maxNonAccredited=35,
        maxNonQualifiedPerCountry=149,
        resalePeriod=365 * DAY,
        affiliateVolumeBps=100,
        affiliateWindow=90 * DAY,
    )
    packed = token.regimeState(US, ape.utils.ZERO_ADDRESS)[0]
    assert packed & ((1 << 40) - 1) == 2_000_000_000
    assert (packed >> 40) & 1 == 1
    assert (packed >> 48) & 0xFF == 32
    assert (packed >> 56) & 0xFFFFFF == 35
    assert (packed >> 112) & 0xFFFF == 149
    assert (packed >> 128) & 0xFFFFFFFF == 365 * DAY
    assert (packed >> 160) & 0xFFFF == 100
    assert (packed >> 176) & 0xFFFFFFFF == 90 * DAY
    (event,) = receipt.events.filter(token.RegimeSet)
    assert event.operator == compliance_officer and event.regime == packed
    # all zero: no regime (the rules() of the token are untouched either way)
    setup.regime()
    assert token.regimeState(US, ape.utils.ZERO_ADDRESS)[0] == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"requiredFlags": 4},  # affiliate cannot be required
        {"requiredFlags": 16},  # nor US person
        {"affiliateVolumeBps": 100},  # a volume rule without its window
        {"affiliateWindow": DAY},  # a window without its rule
        {"affiliateVolumeBps": 10_001, "affiliateWindow": DAY},
    ],
)
def test_invalid_regime_is_refused(token: Any, setup: Any, fields: dict[str, int]) -> None:
    with ape.reverts(token.InvalidRegime):
        setup.regime(**fields)


def test_only_compliance_sets_the_regime(token: Any, alice: Any) -> None:
    with ape.reverts():
        token.setRegime(regime(maxNonAccredited=1), sender=alice)


def test_set_rules_keeps_the_regime(token: Any, setup: Any, compliance_officer: Any) -> None:
    setup.regime(requiredFlags=32)
    token.setRules(rules(maxHolders=10), sender=compliance_officer)
    setup.investor(token.address, US)  # any wallet with a record
    assert token.detectTransferRestriction(ape.utils.ZERO_ADDRESS, token.address, 1) == NOT_QIB


def test_regime_messages_match_the_python_mirror(token: Any) -> None:
    texts = [token.messageForTransferRestriction(code) for code in range(25, 33)]
    assert texts == [RESTRICTIONS[code].message for code in range(25, 33)]
    assert len(set(texts)) == 8
    assert token.messageForTransferRestriction(33) == "Unknown restriction code"


# ---------------------------------------------------------------------------------- Reg S


def test_us_person_blocked_until_the_period_ends(
    token: Any, setup: Any, issuer: Any, alice: Any, bob: Any, carol: Any, chain: Any
) -> None:
    setup.investor(alice, DE)
    setup.investor(bob, US, us_person=True)
    setup.investor(carol, US)  # resident in the US but not a U.S. person: the flag decides
    token.issue(alice, 100, b"", sender=issuer)
    end = chain.pending_timestamp + 40 * DAY
    setup.regime(usPersonBlockedUntil=end)
    refused(token, alice, bob, 1, US_PERSON_RESTRICTED)
    allowed(token, alice, carol, 1)
    chain.mine(timestamp=end - 1)
    assert token.detectTransferRestriction(alice, bob, 1) == US_PERSON_RESTRICTED
    assert not token.canReceive(bob)
    chain.mine(timestamp=end)
    assert token.detectTransferRestriction(alice, bob, 1) == 0
    assert token.canReceive(bob)
    allowed(token, alice, bob, 1)


def test_us_person_issuance_only_with_a_reg_d_tranche(
    token: Any, setup: Any, issuer: Any, compliance_officer: Any, alice: Any, bob: Any, chain: Any
) -> None:
    setup.investor(alice, US, us_person=True, accredited=True)
    setup.investor(bob, DE)
    end = chain.pending_timestamp + 40 * DAY
    setup.regime(usPersonBlockedUntil=end)
    issue_refused(token, issuer, alice, 10, US_PERSON_RESTRICTED)
    # Reg D 506(c) beside Reg S: U.S. persons take the Reg D tranche (accredited), offshore
    # investors the Reg S one (no accreditation needed)
    token.setRules(rules(requireAccreditation=True), sender=compliance_officer)
    setup.regime(usPersonBlockedUntil=end, accreditationUsOnly=True)
    token.issue(alice, 10, b"", sender=issuer)
    token.issue(bob, 10, b"", sender=issuer)  # not accredited, not a U.S. person
    assert token.balanceOf(bob) == 10
    # but no transfer to a U.S. person during the period, accredited or not
    refused(token, bob, alice, 1, US_PERSON_RESTRICTED)


def test_accreditation_for_us_persons_only(
    token: Any,
    setup: Any,
    issuer: Any,
    compliance_officer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    dave: Any,
) -> None:
    setup.investor(alice, US, accredited=True)
    setup.investor(bob, DE)  # offshore, not accredited
    setup.investor(carol, US, us_person=True)  # U.S. person, not accredited
    setup.investor(dave, US, us_person=True, accredited=True)
    token.issue(alice, 100, b"", sender=issuer)
    token.setRules(rules(requireAccreditation=True), sender=compliance_officer)
    refused(token, alice, bob, 1, NOT_ACCREDITED)  # no regime yet: everyone must be accredited
    setup.regime(accreditationUsOnly=True)
    allowed(token, alice, bob, 1)
    refused(token, alice, carol, 1, NOT_ACCREDITED)
    assert not token.canReceive(carol) and token.canReceive(bob)
    allowed(token, alice, dave, 1)


# ---------------------------------------------------------------------------------- required flags


@pytest.mark.parametrize(
    ("required", "flag", "code"),
    [
        (32, "qib", NOT_QIB),
        (2, "qualified_purchaser", NOT_QUALIFIED_PURCHASER),
        (64, "eu_qualified", NOT_EU_QUALIFIED),
        (1, "accredited", NOT_ACCREDITED),
    ],
)
def test_required_flag_on_issuance_and_transfer(
    token: Any,
    setup: Any,
    issuer: Any,
    alice: Any,
    bob: Any,
    required: int,
    flag: str,
    code: int,
) -> None:
    setup.investor(alice, US, **{flag: True})
    setup.investor(bob, US)
    setup.regime(requiredFlags=required)
    issue_refused(token, issuer, bob, 10, code)
    token.issue(alice, 10, b"", sender=issuer)
    refused(token, alice, bob, 1, code)
    setup.investor(bob, US, **{flag: True})
    allowed(token, alice, bob, 1)


# ---------------------------------------------------------------------------------- class caps


def test_non_accredited_cap_at_the_edge(
    token: Any,
    setup: Any,
    issuer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    dave: Any,
    erin: Any,
) -> None:
    setup.regime(maxNonAccredited=2)
    setup.investor(alice, US, accredited=True)
    for wallet in (bob, carol, dave):
        setup.investor(wallet, US)
    setup.investor(erin, US, accredited=True)
    token.issue(alice, 100, b"", sender=issuer)
    token.issue(bob, 10, b"", sender=issuer)
    assert counts(token)[0] == 1
    allowed(token, alice, carol, 5)  # the second: at the cap now
    assert counts(token)[0] == 2
    issue_refused(token, issuer, dave, 10, MAX_NON_ACCREDITED)
    refused(token, alice, dave, 5, MAX_NON_ACCREDITED)
    allowed(token, alice, erin, 5)  # accredited holders are not counted
    allowed(token, alice, bob, 5)  # a holder already counted may receive more
    # a counted holder leaving makes room for its receiver in the same transfer
    allowed(token, carol, dave, 5)
    assert counts(token)[0] == 2 and token.balanceOf(carol) == 0
    # redemption is never blocked, and uncounts the holder
    token.redeem(15, b"", sender=bob)
    assert counts(token)[0] == 1
    allowed(token, alice, carol, 1)


def test_non_qualified_cap_per_country(
    token: Any, setup: Any, issuer: Any, alice: Any, bob: Any, carol: Any, dave: Any, erin: Any
) -> None:
    setup.regime(maxNonQualifiedPerCountry=1)
    setup.investor(alice, DE, eu_qualified=True)
    setup.investor(bob, DE)
    setup.investor(carol, DE)
    setup.investor(dave, FR)
    setup.investor(erin, DE, eu_qualified=True)
    token.issue(alice, 100, b"", sender=issuer)
    assert counts(token, DE) == (0, 0)
    allowed(token, alice, bob, 5)
    assert counts(token, DE) == (0, 1)
    refused(token, alice, carol, 5, MAX_NON_QUALIFIED_COUNTRY)
    issue_refused(token, issuer, carol, 5, MAX_NON_QUALIFIED_COUNTRY)
    allowed(token, alice, dave, 5)  # another member state has its own count
    assert counts(token, FR) == (0, 1)
    allowed(token, alice, erin, 5)  # qualified investors are unlimited
    token.transfer(alice, 5, sender=bob)  # bob leaves: the German count comes down
    assert counts(token, DE) == (0, 0)
    allowed(token, alice, carol, 5)


def test_status_change_while_holding_does_not_corrupt_counts(
    token: Any, setup: Any, issuer: Any, alice: Any, bob: Any, carol: Any
) -> None:
    setup.regime(maxNonAccredited=1, maxNonQualifiedPerCountry=1)
    setup.investor(alice, DE, accredited=True, eu_qualified=True)
    setup.investor(bob, DE)
    setup.investor(carol, DE)
    token.issue(alice, 100, b"", sender=issuer)
    token.issue(bob, 10, b"", sender=issuer)
    assert counts(token, DE) == (1, 1)
    # bob becomes accredited and qualified while holding: he leaves counted as he entered
    setup.investor(bob, DE, accredited=True, eu_qualified=True)
    token.transfer(alice, 10, sender=bob)
    assert counts(token, DE) == (0, 0)
    # alice loses both statuses while holding: she was never counted, leaving takes nothing
    setup.investor(alice, DE)
    setup.investor(carol, DE, accredited=True, eu_qualified=True)
    token.transfer(carol, 110, sender=alice)
    assert counts(token, DE) == (0, 0)


def test_recount_after_a_cap_set_late(
    token: Any, setup: Any, issuer: Any, compliance_officer: Any, alice: Any, bob: Any, carol: Any
) -> None:
    for wallet in (alice, bob, carol):
        setup.investor(wallet, US)
    token.issue(alice, 10, b"", sender=issuer)
    token.issue(bob, 10, b"", sender=issuer)
    setup.regime(maxNonAccredited=2)
    assert counts(token)[0] == 0  # holders from before the cap are not counted yet
    receipt = token.recountHolderClasses([alice, bob, carol], sender=compliance_officer)
    assert counts(token)[0] == 2  # carol holds nothing: not counted
    assert len(receipt.events.filter(token.HolderClassesRecounted)) == 3
    token.recountHolderClasses([alice, bob], sender=compliance_officer)  # safe to repeat
    assert counts(token)[0] == 2
    issue_refused(token, issuer, carol, 10, MAX_NON_ACCREDITED)


def test_forced_transfer_keeps_the_counts(
    token: Any, setup: Any, issuer: Any, controller: Any, alice: Any, bob: Any
) -> None:
    setup.regime(maxNonAccredited=5)
    setup.investor(alice, US)
    setup.investor(bob, US)
    token.issue(alice, 10, b"", sender=issuer)
    token.forcedTransfer(alice, bob, 10, sender=controller)
    assert counts(token)[0] == 1
    token.controllerRedeem(bob, 10, b"", b"", sender=controller)
    assert counts(token)[0] == 0


# ---------------------------------------------------------------------------------- Reg CF resale


def test_resale_period_edges_and_exceptions(
    token: Any,
    setup: Any,
    issuer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    dave: Any,
    chain: Any,
) -> None:
    period = 365 * DAY
    setup.regime(resalePeriod=period)
    setup.investor(alice, US)
    setup.investor(bob, US)  # neither accredited nor exempt
    setup.investor(carol, US, accredited=True)
    setup.investor(dave, US, resale_exempt=True)
    setup.investor(issuer, US)
    receipt = token.issue(alice, 100, b"", sender=issuer)
    issued_at = chain.blocks[receipt.block_number].timestamp
    refused(token, alice, bob, 1, RESALE_RESTRICTED)
    allowed(token, alice, carol, 10)  # an accredited investor
    allowed(token, alice, dave, 10)  # a permitted transferee (family member, trust)
    allowed(token, alice, issuer, 10)  # the issuer
    # the restriction travels with the securities: carol's clock is alice's now
    assert token.walletState(carol)[2] == issued_at
    refused(token, carol, bob, 1, RESALE_RESTRICTED)
    chain.mine(timestamp=issued_at + period - 1)
    assert token.detectTransferRestriction(alice, bob, 1) == RESALE_RESTRICTED
    assert token.detectTransferRestriction(carol, bob, 1) == RESALE_RESTRICTED
    chain.mine(timestamp=issued_at + period)
    assert token.detectTransferRestriction(alice, bob, 1) == 0
    allowed(token, alice, bob, 1)
    allowed(token, carol, bob, 1)


# ---------------------------------------------------------------------------------- Rule 144(e)


def test_affiliate_volume_in_two_buckets(
    token: Any, setup: Any, issuer: Any, alice: Any, bob: Any, carol: Any, chain: Any
) -> None:
    window = 90 * DAY
    setup.investor(alice, US, affiliate=True)
    setup.investor(bob, US)
    setup.investor(carol, US)
    token.issue(alice, 5_000, b"", sender=issuer)
    token.issue(bob, 5_000, b"", sender=issuer)
    setup.regime(affiliateVolumeBps=100, affiliateWindow=window)  # 1% of 10,000: 100
    # start at the beginning of a bucket so the sales below share it
    bucket = chain.pending_timestamp // window + 1
    chain.mine(timestamp=bucket * window)
    allowed(token, alice, carol, 60)
    allowed(token, alice, carol, 40)  # exactly the limit
    refused(token, alice, carol, 1, AFFILIATE_VOLUME)
    allowed(token, bob, carol, 500)  # non-affiliates are not limited
    _, _, sales = token.regimeState(US, alice)
    assert sales & 0xFFFFFFFF == bucket and (sales >> 32) & ((1 << 112) - 1) == 100
    # the next bucket still counts the previous one: never looser than a rolling window
    chain.mine(timestamp=(bucket + 1) * window)
    assert token.detectTransferRestriction(alice, carol, 1) == AFFILIATE_VOLUME
    chain.mine(timestamp=(bucket + 2) * window - 1)
    assert token.detectTransferRestriction(alice, carol, 1) == AFFILIATE_VOLUME
    chain.mine(timestamp=(bucket + 2) * window)
    assert token.detectTransferRestriction(alice, carol, 100) == 0
    assert token.detectTransferRestriction(alice, carol, 101) == AFFILIATE_VOLUME
    allowed(token, alice, carol, 100)


# ---------------------------------------------------------------------------------- redemption


def test_redemption_is_never_blocked_by_the_regime(
    token: Any, setup: Any, issuer: Any, alice: Any, chain: Any
) -> None:
    setup.investor(alice, US, us_person=True, affiliate=True, accredited=True)
    token.issue(alice, 100, b"", sender=issuer)
    setup.regime(
        usPersonBlockedUntil=chain.pending_timestamp + 365 * DAY,
        requiredFlags=32,
        maxNonAccredited=1,
        resalePeriod=365 * DAY,
        affiliateVolumeBps=1,
        affiliateWindow=DAY,
    )
    token.redeem(100, b"", sender=alice)
    assert token.balanceOf(alice) == 0
