"""Re-entrancy attacks that ``tests/contracts/test_dividends.py`` does not already make.

There, a contract holder re-enters ``claim``/``claimFor`` from its ETH ``receive`` and from an
ERC-20 callback during its own claim, and aims at another distribution. Here the same attacker
(``contracts/test/ReentrantClaimer.sol``) is paid by the issuer's ``push`` (ETH with its gas
stipend, and an ERC-20 with a receive hook), and by ``withdrawWithheld`` as the tax wallet; and
the security token is checked to hand no control to a receiving contract at all.

Cap table at the attacker's record date: alice 600, bob 300, carol 100, attacker 1,000.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak

from ..contracts.conftest import record
from ..contracts.corporate_fixtures import (
    DAY,
    erc20_params,
    eth_params,
    pass_record_date,
)

ETHER = 10**18
REENTRANT_CALL = keccak(text="ReentrancyGuardReentrantCall()")[:4]
ACCEPT, REENTER_CLAIM, REENTER_CLAIM_FOR = 0, 1, 2
TRANSFER_FAILED = 4  # PushSkipped reason


@pytest.fixture
def attacker(holders: Any, project: Any, verify: Any, issuer: Any, deployer: Any) -> Any:
    claimer = project.ReentrantClaimer.deploy(sender=deployer)
    verify(claimer)
    holders.issue(claimer, 1000, b"", sender=issuer)
    return claimer


@pytest.fixture
def rid(chain: Any, holders: Any, attacker: Any, issuer: Any) -> int:
    return int(pass_record_date(chain, holders, issuer))


def eth_distribution(
    chain: Any, distributor: Any, token: Any, issuer: Any, rid: int, **kw: Any
) -> int:
    expiry = chain.pending_timestamp + 30 * DAY
    distributor.createDistribution(
        eth_params(token, rid, 2 * ETHER, expiry, **kw), value=2 * ETHER, sender=issuer
    )
    return int(distributor.distributionCount())


def erc20_distribution(
    chain: Any, distributor: Any, token: Any, asset: Any, issuer: Any, rid: int, **kw: Any
) -> int:
    asset.approve(distributor, 2_000_000, sender=issuer)
    expiry = chain.pending_timestamp + 30 * DAY
    distributor.createDistribution(
        erc20_params(token, rid, asset, 2_000_000, expiry, **kw), sender=issuer
    )
    return int(distributor.distributionCount())


@pytest.mark.parametrize("mode", [REENTER_CLAIM, REENTER_CLAIM_FOR], ids=["claim", "claimFor"])
def test_reentry_from_an_eth_push_pays_exactly_one_share(
    chain: Any,
    token: Any,
    distributor: Any,
    attacker: Any,
    rid: int,
    issuer: Any,
    deployer: Any,
    alice: Any,
    mode: int,
) -> None:
    """push forwards PUSH_ETH_GAS: the re-entering receiver runs out of it, the payment is
    undone and skipped; its own claim later re-enters again and is refused. One share in all."""
    did = eth_distribution(chain, distributor, token, issuer, rid)
    attacker.configure(distributor, did, mode, sender=deployer)
    receipt = distributor.push(did, [attacker, alice], sender=issuer)
    skipped = [(e.holder, e.reason) for e in receipt.decode_logs(distributor.PushSkipped)]
    assert skipped == [(attacker.address, TRANSFER_FAILED)]
    assert attacker.balance == 0 and not distributor.isPaid(did, attacker)
    attacker.claim(distributor, did, sender=deployer)
    assert attacker.balance == ETHER
    assert attacker.reentrySuccesses() == 0
    assert bytes(attacker.lastReentryError()) == REENTRANT_CALL
    assert distributor.distribution(did).released == ETHER + 2 * ETHER * 600 // 2000
    assert distributor.balance == 2 * ETHER - distributor.distribution(did).released


def test_reentry_from_an_erc20_callback_during_push_is_refused(
    chain: Any,
    token: Any,
    distributor: Any,
    attacker: Any,
    callback_token: Any,
    rid: int,
    issuer: Any,
    deployer: Any,
    alice: Any,
) -> None:
    """An ERC-20 receive hook gets control inside a push (within the push's PUSH_ERC20_GAS
    allowance, enough to re-enter and record the attempt): the re-entry itself must be refused."""
    did = erc20_distribution(chain, distributor, token, callback_token, issuer, rid)
    attacker.configure(distributor, did, REENTER_CLAIM, sender=deployer)
    distributor.push(did, [attacker, alice], sender=issuer)
    assert attacker.reentryAttempts() == 1 and attacker.reentrySuccesses() == 0
    assert bytes(attacker.lastReentryError()) == REENTRANT_CALL
    assert callback_token.balanceOf(attacker) == 1_000_000
    assert callback_token.balanceOf(alice) == 600_000
    assert callback_token.balanceOf(distributor) == 400_000
    assert distributor.distribution(did).released == 1_600_000


def test_reentry_from_the_tax_wallet_during_withdraw_withheld_is_refused(
    chain: Any,
    token: Any,
    distributor: Any,
    attacker: Any,
    callback_token: Any,
    registry: Any,
    compliance_officer: Any,
    rid: int,
    issuer: Any,
    deployer: Any,
    alice: Any,
) -> None:
    """The tax wallet is the attacker (also a holder): paid withheld tax, it re-enters claim."""
    registry.setInvestor(alice, record(withholding=True), sender=compliance_officer)
    did = erc20_distribution(
        chain,
        distributor,
        token,
        callback_token,
        issuer,
        rid,
        withholding_bps=3000,
        tax_wallet=attacker,
    )
    distributor.claim(did, sender=alice)  # 600,000 gross, 180,000 withheld
    attacker.configure(distributor, did, REENTER_CLAIM, sender=deployer)
    distributor.withdrawWithheld(did, sender=alice)
    assert callback_token.balanceOf(attacker) == 180_000
    assert attacker.reentrySuccesses() == 0
    assert bytes(attacker.lastReentryError()) == REENTRANT_CALL
    assert not distributor.isPaid(did, attacker)
    attacker.configure(distributor, did, ACCEPT, sender=deployer)
    attacker.claim(distributor, did, sender=deployer)
    assert callback_token.balanceOf(attacker) == 180_000 + 1_000_000
    info = distributor.distribution(did)
    assert (info.released, info.withheld, info.withheldWithdrawn) == (1_600_000, 180_000, 180_000)


def test_security_token_hands_no_control_to_a_receiving_contract(
    holders: Any, attacker: Any, issuer: Any, controller: Any, alice: Any, deployer: Any
) -> None:
    """No receive hook on transfer, issue, forced transfer or recovery: the token's only external
    call is the registry read, so nothing can re-enter it in the middle of a balance change."""
    attacker.configure(holders, 0, REENTER_CLAIM, sender=deployer)
    holders.transfer(attacker, 10, sender=alice)
    holders.issue(attacker, 10, b"", sender=issuer)
    holders.controllerTransfer(alice, attacker, 10, b"", b"order", sender=controller)
    assert attacker.paymentsReceived() == 0
    assert holders.balanceOf(attacker) == 1030
