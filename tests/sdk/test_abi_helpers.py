"""sectoken.abi helpers: fast word codecs agree with eth_abi, structs and log filters by name,
roles and built-in errors from the ABI, and the record layout computed from the Investor struct."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import EncodingError
from eth_utils.crypto import keccak
from hypothesis import given
from hypothesis import strategies as st

from sectoken.abi import (
    bit_width,
    canonical_type,
    error_entries,
    event,
    function,
    role_id,
    role_names,
    snake_case,
)
from sectoken.chain.contracts import container, packaged_contracts
from sectoken.errors import SectokenError
from sectoken.model.records import InvestorRecord, country_of, pack, record_layout
from sectoken.model.restrictions import ROLE_NAMES, ErrorDecoder

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
uint256 = st.integers(min_value=0, max_value=2**256 - 1)


@given(addresses, uint256)
def test_fast_encode_equals_eth_abi(wallet: str, record_id: int) -> None:
    fn = function("SecurityToken", "balanceOfAt")
    expected = fn.selector + abi_encode(["address", "uint256"], [wallet, record_id])
    assert fn.encode(wallet, record_id) == expected


def _outcome(decode: Any, data: bytes) -> Any:
    try:
        return decode(data)
    except Exception as exc:  # the same refusal either way
        return type(exc)


word = st.one_of(
    st.binary(min_size=32, max_size=32),
    st.integers(0, 3).map(lambda v: v.to_bytes(32, "big")),
    st.binary(min_size=20, max_size=20).map(lambda b: bytes(12) + b),
)


@given(st.lists(word, min_size=4, max_size=4))
def test_fast_decode_equals_eth_abi(words: list[bytes]) -> None:
    """Valid or not (padding, a bool that is 2), the word-level decoding answers as eth_abi."""
    data = b"".join(words)
    fn = function("SecurityToken", "walletState")  # (bool, uint256, uint256)
    assert _outcome(fn.decode, data[:96]) == _outcome(
        lambda d: tuple(abi_decode(fn.output_types, d)), data[:96]
    )
    other = function("SecurityToken", "recordPosition")  # (uint256, address, bool)
    assert _outcome(other.decode, data[32:]) == _outcome(
        lambda d: tuple(abi_decode(other.output_types, d)), data[32:]
    )


def test_decode_named_uses_the_abi_names() -> None:
    fn = function("SecurityToken", "walletState")
    data = abi_encode(fn.output_types, [True, 5, 7])
    assert fn.decode_named(data) == {"frozen": True, "frozenAmount": 5, "acquiredAt": 7}


def test_out_of_range_values_still_refused() -> None:
    fn = function("SecurityToken", "balanceOfAt")
    with pytest.raises(EncodingError):
        fn.encode("0x" + "11" * 20, -1)
    with pytest.raises(EncodingError):
        fn.encode("0x" + "11" * 19, 1)


@given(addresses, addresses, uint256)
def test_event_decode_by_name_equals_eth_abi(src: str, dst: str, value: int) -> None:
    transfer = event("SecurityToken", "Transfer")
    topics = [transfer.topic_bytes, abi_encode(["address"], [src]), abi_encode(["address"], [dst])]
    fields = transfer.decode(topics, abi_encode(["uint256"], [value]))
    assert fields == {"from": src, "to": dst, "value": value}


def test_event_with_dynamic_data_decodes_struct_by_field_name() -> None:
    created = event("ShareholderVoting", "BallotCreated")
    token = "0x" + "22" * 20
    params = (
        token,
        "Merger",
        "https://x",
        bytes(32),
        ["For", "Against"],
        3,
        10,
        20,
        5000,
        0,
        [],
    )
    plain = [p for p in created.inputs if not p.get("indexed")]
    data = abi_encode([canonical_type(p) for p in plain], [777, params])
    topics = [
        created.topic_bytes,
        (5).to_bytes(32, "big"),
        bytes(12) + bytes.fromhex(token[2:]),
        (3).to_bytes(32, "big"),
    ]
    fields = created.decode(topics, data)
    assert fields["id"] == 5 and fields["recordDateId"] == 3 and fields["eligibleSupply"] == 777
    assert fields["token"] == token and fields["params"]["token"] == token
    assert fields["params"]["options"] == ("For", "Against")
    assert fields["params"]["documentURI"] == "https://x"


def test_event_decode_refuses_a_malformed_topic_and_accepts_hexbytes() -> None:
    from hexbytes import HexBytes

    transfer = event("SecurityToken", "Transfer")
    wallet = bytes(12) + b"\x11" * 20
    fields = transfer.decode(
        [HexBytes(transfer.topic_bytes), HexBytes(wallet), HexBytes(wallet)], bytes(32)
    )
    assert fields == {"from": "0x" + "11" * 20, "to": "0x" + "11" * 20, "value": 0}
    with pytest.raises(SectokenError, match="topic from is not a valid value"):
        transfer.decode([transfer.topic_bytes, b"\x01" * 32, wallet], bytes(32))


def test_event_decode_refuses_another_event() -> None:
    transfer = event("SecurityToken", "Transfer")
    issued = event("SecurityToken", "Issued")
    topics = [issued.topic_bytes, bytes(32), bytes(32)]
    assert not transfer.matches(topics)
    with pytest.raises(SectokenError, match="not a Transfer"):
        transfer.decode(topics, bytes(32))


def test_topic_filter_by_indexed_field_name() -> None:
    controller = event("SecurityToken", "ControllerTransfer")  # controller is not indexed
    wallet = "0x" + "ab" * 20
    topics = controller.topic_filter({"to": wallet})
    assert topics == [controller.topic, None, "0x" + "00" * 12 + "ab" * 20]
    assert controller.topic_filter() == [controller.topic]
    with pytest.raises(SectokenError, match="no indexed field 'controller'"):
        controller.topic_filter({"controller": wallet})


def test_struct_argument_by_field_name_in_abi_order() -> None:
    set_rules = function("SecurityToken", "setRules")
    fields = set_rules.struct_fields()
    assert fields[2] == "maxHolders"
    values = {snake_case(name): i for i, name in enumerate(fields)}
    assert set_rules.struct(values) == tuple(range(len(fields)))
    with pytest.raises(SectokenError, match="'minPosition' is missing"):
        set_rules.struct({k: v for k, v in values.items() if k != "min_position"})
    with pytest.raises(SectokenError, match="no struct field 'extra'"):
        set_rules.struct({**values, "extra": 1})


def test_snake_case() -> None:
    assert snake_case("maxBalanceBps") == "max_balance_bps"
    assert snake_case("documentURI") == "document_uri"
    assert snake_case("id") == "id"


def test_roles_come_from_the_abi() -> None:
    assert set(role_names()) == {
        "DEFAULT_ADMIN_ROLE",
        "ISSUER_ROLE",
        "COMPLIANCE_ROLE",
        "CONTROLLER_ROLE",
        "PAUSER_ROLE",
    }
    assert role_id("ISSUER_ROLE") == keccak(b"ISSUER_ROLE")
    assert role_id("DEFAULT_ADMIN_ROLE") == bytes(32)
    assert ROLE_NAMES[keccak(b"PAUSER_ROLE")] == "PAUSER_ROLE"
    with pytest.raises(SectokenError, match="no suite contract declares the role 'MINTER_ROLE'"):
        role_id("MINTER_ROLE")


def test_error_decoder_from_the_packaged_abi_knows_builtins() -> None:
    decoder = ErrorDecoder.from_abi_entries(error_entries())
    assert len(decoder) == len(error_entries())
    message = keccak(b"Error(string)")[:4] + abi_encode(["string"], ["no"])
    panic = keccak(b"Panic(uint256)")[:4] + abi_encode(["uint256"], [0x11])
    decoded = decoder.decode(message)
    assert decoded is not None and decoded.name == "Error" and decoded.explanation == "no"
    decoded = decoder.decode(panic)
    assert decoded is not None and decoded.explanation == "arithmetic overflow or underflow"
    restricted = keccak(b"TransferRestricted(uint8,string)")[:4] + abi_encode(
        ["uint8", "string"], [12, "Maximum number of holders reached"]
    )
    decoded = decoder.decode(restricted)
    assert decoded is not None and decoded.arg("code") == 12


def test_record_layout_is_the_investor_struct_packed_in_order() -> None:
    layout = record_layout()
    assert list(layout) == ["kycExpiry", "lockupUntil", "country", "flags", "frozen"]
    assert layout["country"] == (128, 16)
    assert layout["frozen"] == (152, 1)
    (struct,) = function("InvestorRegistry", "investor").outputs
    assert [bit_width(f["type"]) for f in struct["components"]] == [64, 64, 16, 8, 1]
    word = pack(InvestorRecord(kyc_expiry=5, country=276, frozen=True))
    assert country_of(word) == 276
    assert country_of(0) == 0


class _NoSuite:
    """Like an Ape project that compiles none of the suite's contracts."""

    def __getattr__(self, name: str) -> object:
        raise AttributeError(name)


def test_container_falls_back_to_the_packaged_contract() -> None:
    packaged = packaged_contracts().SecurityToken
    assert container(_NoSuite(), "SecurityToken") is packaged
    assert container(None, "InvestorRegistry") is packaged_contracts().InvestorRegistry
    sentinel = object()

    class _Project:
        SecurityToken = sentinel

    assert container(_Project(), "SecurityToken") is sentinel
    with pytest.raises(SectokenError, match="no contract named 'PlainERC20'"):
        container(None, "PlainERC20")
