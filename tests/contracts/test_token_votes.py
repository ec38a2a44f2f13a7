"""ERC-5805 votes (ERC-6372 block-number clock) and ERC-2612 permit on the token (issue 12).

Votes are OpenZeppelin's (ERC20Votes): a holder counts once it delegates (to itself or another
wallet). A transfer between wallets that never delegated skips the votes bookkeeping; the supply's
checkpoints follow every issuance and redemption; forced moves and recoveries move voting units
too. A permit allowance is an allowance: spending it still runs the spender check and the
compliance decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_account import Account
from eth_utils.crypto import keccak

SPENDER_NOT_ALLOWED = 24
DEADLINE = 2**40


def domain(token: Any) -> dict[str, Any]:
    fields = token.eip712Domain()
    return {
        "name": fields[1],
        "version": fields[2],
        "chainId": fields[3],
        "verifyingContract": fields[4],
    }


def sign(
    account: Any, token: Any, primary: str, types: list[dict[str, str]], message: dict[str, Any]
) -> Any:
    signed = Account.sign_typed_data(account.private_key, domain(token), {primary: types}, message)
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


@pytest.fixture
def spender(accounts: Any) -> Any:
    return accounts[7]


def test_eip712_domain_is_the_tokens(funded: Any, chain: Any) -> None:
    """ERC-5267: the domain is the token's name, version "1", the chain and the token itself."""
    fields = funded.eip712Domain()
    assert (fields[1], fields[2], fields[3], fields[4]) == (
        "Acme Shares",
        "1",
        chain.chain_id,
        funded.address,
    )
    assert funded.CLOCK_MODE() == "mode=blocknumber&from=default"
    assert funded.clock() == chain.blocks.head.number


def test_supports_the_votes_and_permit_interfaces(funded: Any) -> None:
    def selector(signature: str) -> int:
        return int.from_bytes(keccak(text=signature)[:4], "big")

    ierc6372 = selector("clock()") ^ selector("CLOCK_MODE()")
    permit = (
        selector("permit(address,address,uint256,uint256,uint8,bytes32,bytes32)")
        ^ selector("nonces(address)")
        ^ selector("DOMAIN_SEPARATOR()")
    )
    assert funded.supportsInterface(ierc6372.to_bytes(4, "big"))
    assert funded.supportsInterface(permit.to_bytes(4, "big"))


def test_votes_count_after_delegation_and_follow_transfers(
    funded: Any, chain: Any, issuer: Any, alice: Any, bob: Any
) -> None:
    assert funded.getVotes(alice) == 0  # holding is not voting: delegate first
    funded.invoke_transaction("delegate", alice, sender=alice)
    assert funded.getVotes(alice) == 1000 and funded.delegates(alice) == alice.address
    funded.transfer(bob, 100, sender=alice)  # bob never delegated: alice's votes drop only
    assert (funded.getVotes(alice), funded.getVotes(bob)) == (900, 0)
    funded.invoke_transaction("delegate", alice, sender=bob)  # bob's 600 go to alice
    assert funded.getVotes(alice) == 1500
    block = chain.blocks.head.number
    funded.transfer(alice, 50, sender=bob)  # both delegate to alice: no change
    funded.issue(bob, 10, b"", sender=issuer)
    chain.mine()
    assert funded.getPastVotes(alice, block) == 1500
    assert funded.getVotes(alice) == 1510
    assert funded.getPastTotalSupply(block) == 1500
    assert funded.getPastTotalSupply(chain.blocks.head.number - 1) == 1510
    assert funded.numCheckpoints(alice) >= 3


def test_delegate_by_signature(funded: Any, alice: Any, bob: Any, carol: Any) -> None:
    types = [
        {"name": "delegatee", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint256"},
    ]
    message = {"delegatee": carol.address, "nonce": 0, "expiry": DEADLINE}
    v, r, s = sign(alice, funded, "Delegation", types, message)
    funded.delegateBySig(carol, 0, DEADLINE, v, r, s, sender=bob)  # anyone may relay it
    assert funded.delegates(alice) == carol.address and funded.getVotes(carol) == 1000
    assert funded.nonces(alice) == 1
    with ape.reverts():
        funded.delegateBySig(carol, 0, DEADLINE, v, r, s, sender=bob)  # replay: nonce used


def permit(token: Any, owner: Any, spender: Any, value: int) -> None:
    types = [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
    nonce = token.nonces(owner)
    message = {
        "owner": owner.address,
        "spender": spender.address,
        "value": value,
        "nonce": nonce,
        "deadline": DEADLINE,
    }
    v, r, s = sign(owner, token, "Permit", types, message)
    token.permit(owner, spender, value, DEADLINE, v, r, s, sender=spender)


def test_a_permit_allowance_still_meets_the_spender_check_and_the_decision(
    funded: Any,
    verify: Callable[..., None],
    compliance_officer: Any,
    alice: Any,
    bob: Any,
    spender: Any,
) -> None:
    permit(funded, alice, spender, 100)
    assert funded.allowance(alice, spender) == 100
    with ape.reverts(funded.TransferRestricted, code=SPENDER_NOT_ALLOWED):
        funded.transferFrom(alice, bob, 10, sender=spender)  # no registry record
    verify(spender)
    funded.transferFrom(alice, bob, 10, sender=spender)
    funded.setWalletFrozen(bob, True, sender=compliance_officer)
    with ape.reverts(funded.TransferRestricted, code=5):  # RECEIVER_FROZEN: the decision runs
        funded.transferFrom(alice, bob, 10, sender=spender)
    assert funded.allowance(alice, spender) == 90 and funded.nonces(alice) == 1


def test_forced_moves_and_recovery_move_voting_units(
    funded: Any,
    verify: Callable[..., None],
    controller: Any,
    accounts: Any,
    alice: Any,
    bob: Any,
) -> None:
    funded.invoke_transaction("delegate", alice, sender=alice)
    funded.controllerTransfer(alice, bob, 100, b"", b"order", sender=controller)
    assert funded.getVotes(alice) == 900
    funded.controllerRedeem(alice, 100, b"", b"order", sender=controller)
    assert funded.getVotes(alice) == 800
    fresh = accounts[9]
    verify(fresh)
    funded.recoverWallet(alice, fresh, b"lost key", sender=controller)
    assert funded.getVotes(alice) == 0  # the lost wallet's units left with its balance
    funded.invoke_transaction(
        "delegate", fresh, sender=fresh
    )  # the successor counts once it delegates, like anyone
    assert funded.getVotes(fresh) == 800


def test_the_module_hook_is_closed_to_outsiders(funded: Any, alice: Any, bob: Any) -> None:
    with ape.reverts():
        funded.moveVotingUnits(alice, bob, 1, sender=alice)
