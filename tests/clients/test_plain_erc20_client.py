"""A plain ERC-20 client that knows nothing of sectoken: web3.py over HTTP with only the standard
IERC20 and IERC20Permit ABIs, taken from OpenZeppelin's npm build artifacts (not from sectoken's
packaged ABI).

Between verified wallets it transfers, approves, transferFrom's and permits (an ERC-2612 signature
made with eth_account over the token's DOMAIN_SEPARATOR, the only domain fact the standard ABI
gives); a transfer to an unverified wallet reverts, and the client sees a plain revert whose data
is the token's custom error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractLogicError

OZ_BUILD = Path(__file__).resolve().parents[2] / "node_modules/@openzeppelin/contracts/build"
PERMIT_TYPEHASH = keccak(
    text="Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
)


def standard_abi(*names: str) -> list[dict[str, Any]]:
    """The union of OpenZeppelin's compiled interface ABIs ``names`` (build/contracts/<I>.json)."""
    entries: list[dict[str, Any]] = []
    for name in names:
        artifact = json.loads((OZ_BUILD / "contracts" / f"{name}.json").read_text())
        entries.extend(artifact["abi"])
    return entries


@pytest.fixture
def w3(chain: Any) -> Web3:
    """A web3.py client of its own, connected to the test node over HTTP."""
    client = Web3(Web3.HTTPProvider(chain.provider.http_uri))
    assert client.is_connected()
    return client


@pytest.fixture
def erc20(w3: Web3, suite: Any) -> Any:
    return w3.eth.contract(address=suite.address, abi=standard_abi("IERC20", "IERC20Permit"))


@pytest.fixture
def holder(verify: Any, suite: Any, issuer: Any) -> LocalAccount:
    """A verified investor known only by its private key (it never sends a transaction)."""
    account: LocalAccount = Account.from_key(keccak(text="sectoken plain client holder"))
    verify(account.address)
    suite.issue(account.address, 1_000, b"", sender=issuer)
    return account


def _send(w3: Web3, call: Any, sender: str) -> Any:
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": sender}))
    assert receipt["status"] == 1
    return receipt


def test_the_client_uses_only_the_standard_abi(erc20: Any) -> None:
    names = {e["name"] for e in erc20.abi if e["type"] == "function"}
    assert names == {
        "totalSupply",
        "balanceOf",
        "transfer",
        "allowance",
        "approve",
        "transferFrom",
        "permit",
        "nonces",
        "DOMAIN_SEPARATOR",
    }


def test_transfer_approve_transfer_from(
    w3: Web3, erc20: Any, suite: Any, issuer: Any, alice: Any, bob: Any, carol: Any
) -> None:
    suite.issue(alice.address, 1_000, b"", sender=issuer)
    transfer = _send(w3, erc20.functions.transfer(bob.address, 200), alice.address)
    logged = erc20.events.Transfer().process_receipt(transfer)
    assert [(e.args["from"], e.args.to, e.args.value) for e in logged] == [
        (alice.address, bob.address, 200)
    ]
    assert erc20.functions.balanceOf(alice.address).call() == 800
    assert erc20.functions.balanceOf(bob.address).call() == 200

    approval = _send(w3, erc20.functions.approve(carol.address, 300), alice.address)
    (approved,) = erc20.events.Approval().process_receipt(approval)
    assert approved.args.spender == carol.address and approved.args.value == 300
    assert erc20.functions.allowance(alice.address, carol.address).call() == 300

    _send(w3, erc20.functions.transferFrom(alice.address, bob.address, 250), carol.address)
    assert erc20.functions.allowance(alice.address, carol.address).call() == 50
    assert erc20.functions.balanceOf(alice.address).call() == 550
    assert erc20.functions.balanceOf(bob.address).call() == 450
    assert erc20.functions.totalSupply().call() == 1_000


def test_an_unverified_receiver_gets_a_revert(
    w3: Web3, erc20: Any, suite: Any, issuer: Any, alice: Any, dave: Any
) -> None:
    suite.issue(alice.address, 1_000, b"", sender=issuer)
    with pytest.raises(ContractLogicError) as refused:
        erc20.functions.transfer(dave.address, 10).transact({"from": alice.address})
    # The client sees raw revert data: the token's TransferRestricted(uint8,string) error.
    data = refused.value.data
    assert isinstance(data, str) and data.startswith("0x")
    assert bytes.fromhex(data[2:10]) == keccak(text="TransferRestricted(uint8,string)")[:4]
    assert erc20.functions.balanceOf(dave.address).call() == 0
    assert erc20.functions.balanceOf(alice.address).call() == 1_000


def test_an_unverified_spender_gets_a_revert(
    w3: Web3, erc20: Any, suite: Any, issuer: Any, alice: Any, bob: Any, dave: Any
) -> None:
    """Spender checks: an approval to an unverified wallet cannot be spent, even between two
    verified holders."""
    suite.issue(alice.address, 1_000, b"", sender=issuer)
    _send(w3, erc20.functions.approve(dave.address, 100), alice.address)
    with pytest.raises(ContractLogicError):
        erc20.functions.transferFrom(alice.address, bob.address, 100).transact(
            {"from": dave.address}
        )
    assert erc20.functions.balanceOf(bob.address).call() == 0
    assert erc20.functions.allowance(alice.address, dave.address).call() == 100


def _permit_signature(
    erc20: Any, owner: LocalAccount, spender: str, value: int, deadline: int
) -> tuple[int, bytes, bytes]:
    nonce = erc20.functions.nonces(owner.address).call()
    struct = keccak(
        encode(
            ["bytes32", "address", "address", "uint256", "uint256", "uint256"],
            [PERMIT_TYPEHASH, owner.address, spender, value, nonce, deadline],
        )
    )
    digest = keccak(b"\x19\x01" + erc20.functions.DOMAIN_SEPARATOR().call() + struct)
    signed = owner.unsafe_sign_hash(digest)
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def test_permit_then_transfer_from(
    w3: Web3, erc20: Any, holder: LocalAccount, bob: Any, carol: Any, chain: Any
) -> None:
    deadline = chain.pending_timestamp + 3_600
    v, r, s = _permit_signature(erc20, holder, bob.address, 400, deadline)
    receipt = _send(
        w3, erc20.functions.permit(holder.address, bob.address, 400, deadline, v, r, s), bob.address
    )
    (approved,) = erc20.events.Approval().process_receipt(receipt)
    assert approved.args.owner == holder.address and approved.args.value == 400
    assert erc20.functions.allowance(holder.address, bob.address).call() == 400
    assert erc20.functions.nonces(holder.address).call() == 1

    _send(w3, erc20.functions.transferFrom(holder.address, carol.address, 400), bob.address)
    assert erc20.functions.balanceOf(holder.address).call() == 600
    assert erc20.functions.balanceOf(carol.address).call() == 400
    assert erc20.functions.allowance(holder.address, bob.address).call() == 0

    # The same signature again: the nonce moved on, the token refuses it.
    with pytest.raises(ContractLogicError):
        erc20.functions.permit(holder.address, bob.address, 400, deadline, v, r, s).transact(
            {"from": bob.address}
        )
    assert erc20.functions.allowance(holder.address, bob.address).call() == 0


def test_a_permitted_allowance_is_still_held_to_the_rules(
    w3: Web3, erc20: Any, holder: LocalAccount, bob: Any, dave: Any, chain: Any
) -> None:
    """Permit only approves: spending it to an unverified wallet is refused like any transfer."""
    deadline = chain.pending_timestamp + 3_600
    v, r, s = _permit_signature(erc20, holder, bob.address, 100, deadline)
    _send(
        w3, erc20.functions.permit(holder.address, bob.address, 100, deadline, v, r, s), bob.address
    )
    with pytest.raises(ContractLogicError):
        erc20.functions.transferFrom(holder.address, dave.address, 100).transact(
            {"from": bob.address}
        )
    assert erc20.functions.balanceOf(dave.address).call() == 0
    assert erc20.functions.allowance(holder.address, bob.address).call() == 100
