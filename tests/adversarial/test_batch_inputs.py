"""Batches with mismatched array lengths and with lying calldata.

The unit tests try one mismatch per batch function. Here every function that takes two or more
parallel arrays is found in the ABIs (a new one must be listed, or this file fails), and each of
its arrays in turn is made one longer and one shorter than the others; then calldata is crafted
by hand whose declared array length exceeds the data actually sent, or is absurdly large. Every
attempt must revert as a whole: no event, no state change, no out-of-gas trick.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import encode

from sectoken.chain.client import ChainClient
from sectoken.chain.contracts import container

from ..contracts.conftest import DE, US, record
from .abi_calls import Raw, state_changing

#: Functions that take parallel arrays (two or more array parameters), by contract.
PARALLEL = {
    "InvestorRegistry": {"setInvestors"},
    "SecurityToken": {"setCountryRules"},
    "DividendDistributor": set(),
    "ShareholderVoting": set(),
}


@pytest.mark.parametrize("name", sorted(PARALLEL))
def test_every_parallel_array_batch_is_listed(project: Any, name: str) -> None:
    methods = state_changing(container(project, name).contract_type)
    found = {fn for fn, m in methods.items() if sum(i.type.endswith("]") for i in m.inputs) >= 2}
    assert found == PARALLEL[name]


def mismatches(arrays: list[list[Any]]) -> list[list[list[Any]]]:
    """Each array in turn one element longer, then one shorter, than the others."""
    out = []
    for i, column in enumerate(arrays):
        longer = [*column, column[0]]
        shorter = column[:-1]
        for changed in (longer, shorter):
            out.append([changed if j == i else a for j, a in enumerate(arrays)])
    return out


def test_batch_with_mismatched_array_lengths_reverts_whole(
    chain: Any, registry: Any, token: Any, compliance_officer: Any, accounts: Any
) -> None:
    raw = Raw(chain)
    wallets = [accounts[4], accounts[5], accounts[6]]
    cases: list[tuple[Any, str, list[list[Any]]]] = [
        (registry, "setInvestors", [wallets, [record(), record(DE), record()]]),
        (token, "setCountryRules", [[US, DE, 250], [True, False, True], [0, 5, 7]]),
    ]
    head = chain.blocks.head.number
    tried = 0
    for contract, fn, arrays in cases:
        for args in mismatches(arrays):
            ok, revert = raw.call(contract, fn, args, compliance_officer)
            assert not ok and raw.error(revert)[0] == "LengthMismatch", (fn, args)
            receipt = raw.send(contract, fn, args, compliance_officer)
            assert receipt.status == 0 and receipt.logs == []
            tried += 1
    assert tried == 10
    assert chain.blocks.head.number == head + tried
    assert [registry.recordOf(w) for w in wallets] == [0, 0, 0]
    assert [token.countryRule(c) for c in (US, DE, 250)] == [(False, 0, 0)] * 3


def lying_calldata(contract: Any, fn: str, declared: int, sent: int) -> bytes:
    """setInvestors calldata whose `wallets` array claims `declared` entries but holds `sent`."""
    good = bytes(
        getattr(contract, fn).encode_input(
            [f"0x{i + 1:040x}" for i in range(sent)], [record()] * sent
        )
    )
    selector, body = good[:4], good[4:]
    # head: offset(wallets), offset(records); wallets' length word sits at offset(wallets)
    offset = int.from_bytes(body[:32], "big")
    forged = body[:offset] + declared.to_bytes(32, "big") + body[offset + 32 :]
    return selector + forged


@pytest.mark.parametrize("declared", [3, 2**32, 2**64 - 1, 2**256 - 1])
def test_calldata_declaring_more_entries_than_it_holds_is_refused(
    chain: Any, registry: Any, compliance_officer: Any, declared: int
) -> None:
    data = lying_calldata(registry, "setInvestors", declared, sent=2)
    client = ChainClient(chain.provider.web3)
    sender = compliance_officer.address
    ok, _ = client.call(registry.address, data, sender=sender, gas=1_000_000)
    assert not ok
    receipt = client.transact(sender, registry.address, data, gas=1_000_000)
    assert receipt.status == 0 and receipt.logs == []
    assert receipt.gas_used < 100_000  # refused by the ABI decoder, not by running out of gas
    assert registry.recordOf(f"0x{1:040x}") == 0


def test_well_formed_batch_from_the_same_encoder_is_accepted(
    registry: Any, compliance_officer: Any, chain: Any
) -> None:
    """Control for the forged-calldata test: the unforged encoding is stored."""
    data = lying_calldata(registry, "setInvestors", 2, sent=2)
    client = ChainClient(chain.provider.web3)
    assert client.transact(compliance_officer.address, registry.address, data).status == 1
    assert registry.recordOf(f"0x{1:040x}") == record()


def test_abi_encoding_of_the_forged_length_is_what_we_think(registry: Any) -> None:
    data = lying_calldata(registry, "setInvestors", 7, sent=2)
    offset = int.from_bytes(data[4:36], "big")
    assert int.from_bytes(data[4 + offset : 4 + offset + 32], "big") == 7
    assert data[4 + offset + 32 : 4 + offset + 64] == encode(["address"], [f"0x{1:040x}"])
