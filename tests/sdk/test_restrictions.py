"""Revert decoding: custom errors by name and arguments, Error(string), Panic, rule messages."""

from __future__ import annotations

from eth_abi.abi import encode
from eth_utils import keccak

from sectoken.model.restrictions import RESTRICTIONS, ErrorDecoder, abi_type, role_name

ABI = [
    {
        "type": "error",
        "name": "TransferRestricted",
        "inputs": [{"name": "code", "type": "uint8"}, {"name": "reason", "type": "string"}],
    },
    {
        "type": "error",
        "name": "AccessControlUnauthorizedAccount",
        "inputs": [
            {"name": "account", "type": "address"},
            {"name": "neededRole", "type": "bytes32"},
        ],
    },
    {"type": "error", "name": "EmptyBatch", "inputs": []},
    {
        "type": "error",
        "name": "WithTuple",
        "inputs": [
            {
                "name": "t",
                "type": "tuple",
                "components": [{"name": "a", "type": "uint256"}, {"name": "b", "type": "bool"}],
            }
        ],
    },
    {"type": "function", "name": "ignored", "inputs": []},
]
ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def test_codes_are_complete_and_unique() -> None:
    assert sorted(RESTRICTIONS) == list(range(33))
    assert len({r.name for r in RESTRICTIONS.values()}) == 33
    assert RESTRICTIONS[11].message == "Receiver must be an accredited investor"


def test_transfer_restricted_is_explained_with_the_rule() -> None:
    decoder = ErrorDecoder([ABI])
    data = selector("TransferRestricted(uint8,string)") + encode(
        ["uint8", "string"], [11, "Receiver must be an accredited investor"]
    )
    decoded = decoder.decode(data)
    assert decoded is not None
    assert decoded.name == "TransferRestricted"
    assert decoded.arg("code") == 11
    assert "code 11 NOT_ACCREDITED" in decoded.explanation
    assert str(decoded).startswith("TransferRestricted(code=11, reason='Receiver must")


def test_missing_role_names_the_role() -> None:
    decoder = ErrorDecoder([ABI])
    data = selector("AccessControlUnauthorizedAccount(address,bytes32)") + encode(
        ["address", "bytes32"], [ALICE, keccak(text="ISSUER_ROLE")]
    )
    decoded = decoder.decode("0x" + data.hex())
    assert decoded is not None
    assert decoded.arg("account") == ALICE
    assert f"{ALICE} does not hold ISSUER_ROLE" in decoded.explanation
    assert role_name(b"\x00" * 32) == "DEFAULT_ADMIN_ROLE"
    assert role_name("0x" + "11" * 32) == "0x" + "11" * 32


def test_builtin_errors_and_unknown_data() -> None:
    decoder = ErrorDecoder([ABI])
    text = decoder.decode(bytes.fromhex("08c379a0") + encode(["string"], ["nope"]))
    assert text is not None and text.name == "Error" and text.explanation == "nope"
    panic = decoder.decode(bytes.fromhex("4e487b71") + encode(["uint256"], [0x11]))
    assert panic is not None and "overflow" in panic.explanation
    assert decoder.decode(b"\x12\x34\x56\x78") is None
    assert decoder.decode(b"") is None
    assert decoder.decode("not hex") is None
    empty = decoder.decode(selector("EmptyBatch()"))
    assert empty is not None and empty.signature() == "EmptyBatch()"
    tup = decoder.decode(
        selector("WithTuple((uint256,bool))") + encode(["(uint256,bool)"], [(5, True)])
    )
    assert tup is not None and tup.arg("t") == (5, True)
    assert abi_type(ABI[3]["inputs"][0]) == "(uint256,bool)"


def test_decode_exception_finds_data_anywhere() -> None:
    decoder = ErrorDecoder([ABI])
    data = selector("TransferRestricted(uint8,string)") + encode(["uint8", "string"], [1, "x"])

    class WithData(Exception):
        def __init__(self) -> None:
            super().__init__("reverted")
            self.data = "0x" + data.hex()

    assert decoder.explain(WithData()).startswith("TransferRestricted(code=1")
    in_text = RuntimeError(f"execution reverted: 0x{data.hex()}")
    decoded = decoder.decode_exception(in_text)
    assert decoded is not None and decoded.arg("code") == 1
    try:
        try:
            raise in_text
        except RuntimeError as inner:
            raise ValueError("wrapped") from inner
    except ValueError as outer:
        assert decoder.decode_exception(outer) is not None
    assert decoder.explain(RuntimeError("plain failure\nmore")) == "plain failure"


def test_from_contract_types() -> None:
    class FakeType:
        abi = ABI

    decoder = ErrorDecoder.from_contract_types([FakeType()])
    assert len(decoder) == 4
