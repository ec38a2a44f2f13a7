"""explain(): the exceptions a user can cause, as one SectokenError naming problem and fix.

The exception texts are the ones Ape 0.8, web3 7 and Anvil produced on this project's commands
(no funds, nonce taken, no node, no RPC URL, a custom error); the classes are stand-ins with the
same names and attributes, so the mapping is tested without a node.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak

from sectoken.chain.explain import (
    NoFundsError,
    NonceClashError,
    NoNodeError,
    RevertError,
    explain,
    is_nonce_clash,
    tx_hash_of,
)
from sectoken.errors import SectokenError
from sectoken.model.amounts import AmountError
from sectoken.model.restrictions import ErrorDecoder

POOR = "0xBcd4042DE499D14e55001CcbB24a551F3b954096"
HASH = "0x8dcc6bfc4cbc25a1c1c55109612d324889e2694522aee7091c4a5de0f77dfced"


class _Txn:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def _ape(name: str, message: str, *, txn: Any = None, cause: BaseException | None = None) -> Any:
    """An exception whose class is called ``name`` (as Ape's are), with Ape's ``txn``."""
    exc = type(name, (Exception,), {})(message)
    exc.txn = txn
    exc.__cause__ = cause
    return exc


def test_sectoken_errors_pass_through_and_value_errors_are_sectoken_errors() -> None:
    error = AmountError("'1.234' has more than 2 decimal places for this token")
    assert explain(error) is error
    assert isinstance(error, ValueError)


def test_no_funds_names_the_account_its_balance_and_what_is_needed() -> None:
    exc = _ape(
        "TransactionError",
        "Gas estimation failed: '(-32003) Insufficient funds for gas * price + value'. This "
        "transaction will likely revert. If you wish to broadcast, you must set the gas limit "
        "manually.",
        txn=_Txn(sender=POOR, gas_limit=None, max_fee=2 * 10**9, value=0),
    )
    error = explain(exc, balance_of=lambda address: 10**15 if address == POOR else 0)
    assert isinstance(error, NoFundsError)
    assert f"the account {POOR} holds 0.001 ETH" in error.message
    assert "roughly 0.0006 ETH" in error.message  # 300,000 gas at 2 gwei
    assert "gas limit manually" not in str(error)
    assert error.hint and "--account" in error.hint


def test_zero_balance_estimate_is_no_funds_too() -> None:
    """Anvil answers an estimate from an empty account with 'gas required exceeds allowance: 0'."""
    exc = _ape(
        "TransactionError",
        "Gas estimation failed: '(-32003) Out of gas: gas required exceeds allowance: 0'.",
        txn=_Txn(sender=POOR, gas_limit=50_000, max_fee=10**9, value=10**18),
    )
    error = explain(exc, balance_of=lambda address: 0)
    assert isinstance(error, NoFundsError)
    assert "holds 0 ETH" in error.message and "roughly 1.00005 ETH" in error.message


def test_apes_own_balance_check_is_no_funds() -> None:
    exc = _ape(
        "AccountsError",
        f"Transfer value meets or exceeds account balance for account '{POOR}' on chain '31337' "
        "using provider 'foundry'.\nAre you using the correct account / chain / provider "
        "combination?\n(transfer_value=1000000000, balance=0).",
    )
    error = explain(exc, balance_of=lambda address: 5)
    assert isinstance(error, NoFundsError)
    assert error.message.startswith(f"the account {POOR} holds 0 ETH")
    assert "roughly 0.000000001 ETH" in error.message


@pytest.mark.parametrize(
    "name, message",
    [
        ("VirtualMachineError", "(-32003) Nonce '13' is too low"),
        ("AccountsError", "Invalid nonce, will not publish."),
        ("Web3RPCError", "{'code': -32000, 'message': 'nonce too low'}"),
        ("Web3RPCError", "{'code': -32000, 'message': 'replacement transaction underpriced'}"),
    ],
)
def test_nonce_taken_by_another_sender(name: str, message: str) -> None:
    exc = _ape(name, message)
    assert is_nonce_clash(exc)
    error = explain(exc)
    assert isinstance(error, NonceClashError)
    assert error.hint and "run the same command again" in error.hint


def test_no_node_at_the_url() -> None:
    error = explain(_ape("ProviderError", "No (supported) node found on 'http://127.0.0.1:9'."))
    assert isinstance(error, NoNodeError)
    assert error.message == "no node answers at http://127.0.0.1:9"


@pytest.mark.parametrize(
    "exc",
    [
        _ape("ProviderNotConnectedError", "Not connected to a network provider."),
        _ape(
            "Exception",
            "Could not discover provider while making request: method:eth_chainId",
        ),
        ConnectionRefusedError(111, "Connection refused"),
    ],
)
def test_node_gone(exc: BaseException) -> None:
    error = explain(exc)
    assert isinstance(error, NoNodeError) and "not reachable" in error.message


def test_network_without_rpc_url() -> None:
    error = explain(_ape("ProviderError", "Missing URI for network 'sepolia' on 'ethereum'."))
    assert isinstance(error, NoNodeError)
    assert "ethereum:sepolia has no RPC URL" in error.message
    assert error.hint and "--network https://" in error.hint


def test_revert_is_decoded_first_with_the_hash() -> None:
    abi = [
        {
            "type": "error",
            "name": "InvalidRecord",
            "inputs": [
                {"name": "wallet", "type": "address"},
                {"name": "record", "type": "uint256"},
            ],
        }
    ]
    data = keccak(text="InvalidRecord(address,uint256)")[:4] + encode(
        ["address", "uint256"], [POOR, 1]
    )
    exc = _ape("ContractLogicError", "reverted", txn=_Txn(txn_hash=HASH))
    exc.data = "0x" + data.hex()
    error = explain(exc, decoder=ErrorDecoder([abi]))
    assert isinstance(error, RevertError)
    assert str(error.message).startswith(
        f"the contract refused the transaction: InvalidRecord(wallet={POOR}, record=1)"
    )
    assert f"(transaction {HASH})" in error.message
    assert tx_hash_of(exc) == HASH


def test_undecodable_revert_points_to_verbose() -> None:
    error = explain(_ape("ContractLogicError", "Transaction failed."))
    assert error is not None and "without a reason" in error.message
    assert error.hint and "-v" in error.hint


def test_unsigned_transaction_has_no_hash() -> None:
    class Unsigned:
        @property
        def txn_hash(self) -> str:
            raise RuntimeError("The transaction is not signed.")

    assert tx_hash_of(_ape("TransactionError", "x", txn=Unsigned())) is None


def test_a_bug_is_not_a_user_error() -> None:
    assert explain(KeyError("registry")) is None
    assert explain(TypeError("unsupported operand")) is None
    assert not isinstance(KeyError(), SectokenError)
