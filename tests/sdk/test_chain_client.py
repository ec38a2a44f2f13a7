"""The chain client against a fake provider: batching order and chunking, one failing call in a
batch, paged log queries decoded by event name, and revert decoding."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import decode, encode
from eth_utils.crypto import keccak

from sectoken.abi import event, function
from sectoken.chain.client import CallFailed, ChainClient, Read, RpcError
from sectoken.chain.logs import LogQueryError
from sectoken.errors import SectokenError

TOKEN = "0x" + "22" * 20
WALLETS = ["0x" + f"{i:040x}" for i in range(1, 2501)]
TRANSFER = event("SecurityToken", "Transfer")
BALANCE_OF = function("SecurityToken", "balanceOf")


def _revert(signature: str, types: list[str], values: list[Any]) -> str:
    return "0x" + (keccak(text=signature)[:4] + encode(types, values)).hex()


class FakeProvider:
    """``balanceOf(w)`` answers w's number times 10; ``refuse`` wallets revert with
    ``InvestorNotFound``-like data; log queries wider than ``limit`` blocks are refused."""

    def __init__(self, *, limit: int = 10_000, batch: bool = True) -> None:
        self.limit = limit
        self.batch = batch
        self.batches: list[int] = []
        self.queries: list[tuple[int, int]] = []
        self.refuse: dict[int, str] = {}
        self.head = 299

    def make_request(self, method: str, params: list[Any]) -> Any:
        if method == "eth_call":
            data = bytes.fromhex(params[0]["data"][2:])
            assert data[:4] == BALANCE_OF.selector, data[:4].hex()
            (wallet,) = decode(["address"], data[4:])
            number = int(wallet, 16)
            if number in self.refuse:
                return {
                    "error": {
                        "code": 3,
                        "message": "execution reverted",
                        "data": self.refuse[number],
                    }
                }
            return {"result": "0x" + encode(["uint256"], [number * 10]).hex()}
        if method == "eth_blockNumber":
            return {"result": hex(self.head)}
        if method == "eth_getLogs":
            start, end = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
            self.queries.append((start, end))
            assert params[0]["topics"][0] == [TRANSFER.topic]
            if end - start + 1 > self.limit:
                return {"error": {"code": -32005, "message": "query returned too many results"}}
            return {"result": [_transfer_log(b) for b in range(start, end + 1)]}
        if method == "eth_chainId":
            return {"error": {"code": -32601, "message": "method not found"}}
        raise AssertionError(method)

    def make_batch_request(self, requests: list[tuple[str, list[Any]]]) -> Any:
        if not self.batch:
            raise NotImplementedError
        self.batches.append(len(requests))
        # Nodes may answer a batch in any order: the ids put it back.
        return [
            {"id": i, **self.make_request(m, p)}
            for i, (m, p) in reversed(list(enumerate(requests)))
        ]


def _transfer_log(block: int) -> dict[str, Any]:
    return {
        "address": TOKEN,
        "topics": [
            TRANSFER.topic,
            "0x" + "00" * 32,
            "0x" + f"{block + 1:064x}",
        ],
        "data": "0x" + encode(["uint256"], [block * 7]).hex(),
        "blockNumber": hex(block),
        "logIndex": "0x0",
        "transactionHash": "0x" + f"{block:064x}",
    }


class FakeWeb3:
    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider


def client(provider: FakeProvider, chunk: int = 1000) -> ChainClient:
    return ChainClient(FakeWeb3(provider), chunk=chunk)  # type: ignore[arg-type]


@pytest.mark.parametrize("batch", [True, False])
def test_reads_come_back_in_order_in_chunks(batch: bool) -> None:
    provider = FakeProvider(batch=batch)
    reads = [Read(TOKEN, "SecurityToken", "balanceOf", (w,)) for w in WALLETS]
    values = client(provider, chunk=1000).read_many(reads)
    assert values == [10 * (i + 1) for i in range(len(WALLETS))]
    assert provider.batches == ([1000, 1000, 500] if batch else [])


def test_one_read_decoded_by_name() -> None:
    provider = FakeProvider()
    assert client(provider).read(TOKEN, "SecurityToken", "balanceOf", WALLETS[41]) == 420
    named = client(provider).read_many(
        [Read(TOKEN, "SecurityToken", "balanceOf", (WALLETS[0],))], named=True
    )
    assert named == [{"_0": 10}]


def test_a_failing_read_names_itself_and_its_decoded_error() -> None:
    provider = FakeProvider()
    provider.refuse[7] = _revert(
        "TransferRestricted(uint8,string)", ["uint8", "string"], [3, "receiver"]
    )
    reads = [Read(TOKEN, "SecurityToken", "balanceOf", (w,)) for w in WALLETS[:10]]
    with pytest.raises(CallFailed) as caught:
        client(provider).read_many(reads)
    assert caught.value.read == reads[6]
    assert caught.value.decoded is not None and caught.value.decoded.name == "TransferRestricted"
    assert "balanceOf" in str(caught.value) and "code 3" in str(caught.value)
    assert isinstance(caught.value, SectokenError)

    outcomes = client(provider).try_read_many(reads)
    assert [ok for ok, _ in outcomes] == [i != 6 for i in range(10)]
    assert outcomes[6][1] == bytes.fromhex(provider.refuse[7][2:])
    assert int.from_bytes(outcomes[5][1], "big") == 60


def test_raw_request_errors_are_sectoken_errors() -> None:
    provider = FakeProvider()
    assert client(provider).request("eth_blockNumber") == hex(299)
    with pytest.raises(RpcError, match="eth_chainId failed: method not found"):
        client(provider).request("eth_chainId")
    with pytest.raises(SectokenError):
        client(provider).request("eth_chainId")


def test_logs_are_paged_halved_and_decoded_by_name() -> None:
    provider = FakeProvider(limit=30)
    logs = list(client(provider).logs("SecurityToken", TOKEN, ["Transfer"], page_size=100))
    assert [log.block_number for log in logs] == list(range(300))
    assert {log.event for log in logs} == {"Transfer"}
    assert logs[7].args == {
        "from": "0x" + "00" * 20,
        "to": "0x" + f"{8:040x}",
        "value": 49,
    }
    assert logs[7].transaction_hash == "0x" + f"{7:064x}"
    sizes = [end - start + 1 for start, end in provider.queries]
    assert sizes[:3] == [100, 50, 25]
    assert max(sizes[3:]) <= 50


def test_a_node_refusing_one_block_is_a_sectoken_error() -> None:
    with pytest.raises(LogQueryError, match="block 0") as caught:
        list(client(FakeProvider(limit=0)).logs("SecurityToken", TOKEN, ["Transfer"], to_block=5))
    assert isinstance(caught.value, SectokenError)


def test_decode_revert_custom_error() -> None:
    decoded = client(FakeProvider()).decode_revert(
        _revert("AlreadyPaid(uint256,address)", ["uint256", "address"], [4, "0x" + "ab" * 20])
    )
    assert decoded is not None
    assert decoded.name == "AlreadyPaid"
    assert decoded.arg("id") == 4
    assert decoded.arg("holder").lower() == "0x" + "ab" * 20


def test_decode_revert_error_string_and_panic() -> None:
    decoder = client(FakeProvider())
    text = decoder.decode_revert(bytes.fromhex("08c379a0") + encode(["string"], ["nope"]))
    assert text is not None and (text.name, text.arg("message")) == ("Error", "nope")
    panic = decoder.decode_revert(bytes.fromhex("4e487b71") + encode(["uint256"], [0x11]))
    assert panic is not None and (panic.name, panic.arg("code")) == ("Panic", 0x11)
    assert "overflow" in panic.explanation


def test_decode_revert_unknown_selector() -> None:
    decoder = client(FakeProvider())
    assert (
        decoder.decode_revert(keccak(text="NotOurs(uint256)")[:4] + encode(["uint256"], [1]))
        is None
    )
    assert decoder.decode_revert(b"\x01\x02") is None


@pytest.mark.parametrize(
    ("contract", "name", "args"),
    [
        ("SecurityToken", "balanceOf", ("0x" + "Ab" * 20,)),
        ("SecurityToken", "setCountryRule", (840, True, 2**32 - 1)),
        ("SecurityToken", "issue", ("0x" + "01" * 20, 5, b"ref")),  # bytes: through eth_abi
        ("InvestorRegistry", "setInvestors", (["0x" + "02" * 20], [7])),  # arrays: eth_abi
    ],
)
def test_calldata_is_what_eth_abi_encodes(contract: str, name: str, args: tuple[Any, ...]) -> None:
    fn = function(contract, name)
    assert fn.encode(*args) == fn.selector + encode(fn.input_types, list(args))
    read = Read("0x" + "00" * 20, contract, name, args)
    assert read.request()[1][0]["data"] == "0x" + fn.encode(*args).hex()


def test_the_one_word_encoder_refuses_what_eth_abi_refuses() -> None:
    fast = function("SecurityToken", "setCountryRule")
    for bad in [(840, True, 2**32), (-1, True, 0), (840, 1, 0), ("840", True, 0)]:
        with pytest.raises(Exception) as caught:
            fast.encode(*bad)
        assert "Encoding" in type(caught.value).__name__ or "Value" in type(caught.value).__name__
    with pytest.raises(SectokenError, match="takes 3 arguments, got 2"):
        fast.encode(840, True)


def test_results_decode_as_eth_abi_decodes() -> None:
    holder = function("SecurityToken", "balanceOf")
    assert holder.decode(encode(["uint256"], [2**256 - 1])) == (2**256 - 1,)
    verified = function("InvestorRegistry", "isVerified")
    assert verified.decode(encode(["bool"], [True])) == (True,)
    with pytest.raises(Exception, match=r"(?i)bool|padding|value"):
        verified.decode((2).to_bytes(32, "big"))  # not a bool: eth_abi's error, not a guess
