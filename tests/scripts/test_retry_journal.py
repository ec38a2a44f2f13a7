"""The journaled send path in process, on Ape's Anvil: every way an earlier run can end.

An earlier run's transaction is found landed (reported, nothing sent), pending in the mempool
(waited for), dropped by the node (the same signed bytes broadcast again) or superseded by
another transaction with its nonce (planned again); an account without ETH is refused before
anything is signed. The same faults through real subprocesses and a JSON-RPC proxy are in
tests/faults/.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from e2e_support import register
from web3.eth import Eth

from sectoken.chain.client import ChainClient
from sectoken.chain.journal import Journal, journal_path
from sectoken.chain.sending import NotEnoughFunds, OutcomeUnknown, repeat_allowed
from sectoken.chain.suite import Suite
from sectoken.jobs.dividends import create_distribution
from sectoken.jobs.operations import issue, schedule_record_date, transfer


def _journal_lines(suite: Suite) -> list[dict[str, Any]]:
    path = journal_path(suite.deployment.path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _issued_data(suite: Suite) -> list[bytes]:
    """The ERC-1594 data of every Issued event of the token, decoded by the package's client."""
    logs = ChainClient(suite.w3).logs("SecurityToken", suite.token.address, ["Issued"])
    return [bytes(log.args["data"]) for log in logs]


def _open(suite: Suite) -> list[Any]:
    return Journal(journal_path(suite.deployment.path)).open_entries()


@pytest.fixture
def ready(suite: Suite, deployer: Any, alice: Any) -> Suite:
    register(suite, deployer, [alice.address])
    return suite


@pytest.fixture
def manual_mining(ready: Suite, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Automine off (transactions wait in the mempool) and a 1 s receipt timeout."""
    client = ChainClient(ready.w3)
    monkeypatch.setenv("SECTOKEN_RECEIPT_TIMEOUT", "1")
    client.request("evm_setAutomine", [False])
    try:
        yield client
    finally:
        client.request("evm_setAutomine", [True])


def _lose_replies(monkeypatch: pytest.MonkeyPatch) -> Any:
    """From now on the node receives every raw transaction but its reply is lost; returns the
    original method, to put back with ``monkeypatch.setattr``."""
    original = Eth.send_raw_transaction

    def delivered_but_reply_lost(self: Eth, raw: Any) -> Any:
        original(self, raw)
        raise requests.exceptions.ConnectionError("connection reset by peer")

    monkeypatch.setattr(Eth, "send_raw_transaction", delivered_but_reply_lost)
    return original


def test_lost_reply_then_rerun_reports_the_landed_issue_once(
    ready: Suite,
    deployer: Any,
    alice: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    original = _lose_replies(monkeypatch)
    with pytest.raises(OutcomeUnknown, match=r"outcome of issue.* is unknown") as unknown:
        issue(ready, deployer, alice.address, 1000)
    assert "run the same command again" in str(unknown.value)
    ready.w3.eth.wait_for_transaction_receipt(unknown.value.entry.tx_hash)  # type: ignore[arg-type]
    assert ready.token.balanceOf(alice) == 1000  # it did land
    assert len(_open(ready)) == 1
    monkeypatch.setattr(Eth, "send_raw_transaction", original)

    nonce = deployer.nonce
    again = issue(ready, deployer, alice.address, 1000)
    assert again.earlier and again.summary.startswith("already done in tx")
    assert again.tx_hash == unknown.value.entry.tx_hash
    assert ready.token.balanceOf(alice) == 1000 and deployer.nonce == nonce
    assert "landed in block" in capsys.readouterr().err
    assert _open(ready) == []

    # A further re-run is still a retry (the account's last operation is this one): nothing sent.
    third = issue(ready, deployer, alice.address, 1000)
    assert third.earlier and third.tx_hash == unknown.value.entry.tx_hash
    assert ready.token.balanceOf(alice) == 1000 and deployer.nonce == nonce
    assert "taken as a retry, nothing sent" in capsys.readouterr().err
    # Only an explicit repeat issues a second time.
    with repeat_allowed():
        issue(ready, deployer, alice.address, 1000)
    assert ready.token.balanceOf(alice) == 2000
    outcomes = [line.get("outcome") for line in _journal_lines(ready) if line["event"] == "closed"]
    assert outcomes == ["landed", "landed"]


def test_pending_transaction_of_an_earlier_run_is_waited_for(
    ready: Suite,
    deployer: Any,
    alice: Any,
    manual_mining: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(OutcomeUnknown, match="not mined within 1 s"):
        issue(ready, deployer, alice.address, 500)
    assert ready.token.balanceOf(alice) == 0
    nonce = deployer.nonce
    monkeypatch.setenv("SECTOKEN_RECEIPT_TIMEOUT", "30")
    timer = threading.Timer(1.0, lambda: manual_mining.request("evm_mine", []))
    timer.start()
    try:
        done = issue(ready, deployer, alice.address, 500)
    finally:
        timer.join()
    assert done.earlier
    assert "pending in the node; waiting" in capsys.readouterr().err
    assert ready.token.balanceOf(alice) == 500 and deployer.nonce == nonce + 1


def _issue_then_drop(
    ready: Suite, deployer: Any, alice: Any, amount: int, manual_mining: Any
) -> Any:
    """An issuance whose receipt never came (not mined), then dropped from the node's pool;
    mining is switched back on. Returns its journal entry."""
    with pytest.raises(OutcomeUnknown) as unknown:
        issue(ready, deployer, alice.address, amount)
    entry = unknown.value.entry
    manual_mining.request("anvil_dropTransaction", [entry.tx_hash])
    manual_mining.request("evm_setAutomine", [True])
    return entry


def test_dropped_transaction_is_broadcast_again_byte_for_byte(
    ready: Suite, deployer: Any, alice: Any, manual_mining: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = _issue_then_drop(ready, deployer, alice, 300, manual_mining)
    nonce = deployer.nonce
    done = issue(ready, deployer, alice.address, 300)
    assert "broadcasting the same signed transaction again" in capsys.readouterr().err
    assert done.tx_hash == entry.tx_hash  # the very bytes signed by the first run
    assert ready.token.balanceOf(alice) == 300 and deployer.nonce == nonce + 1


def test_superseded_transaction_never_landed_and_is_planned_again(
    ready: Suite, deployer: Any, alice: Any, manual_mining: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = _issue_then_drop(ready, deployer, alice, 200, manual_mining)
    # Another transaction takes the nonce (a wallet app, another tool).
    ready.w3.eth.send_transaction(
        {"from": deployer.address, "to": alice.address, "value": 1, "nonce": entry.nonce}
    )
    done = issue(ready, deployer, alice.address, 200)
    assert "never landed" in capsys.readouterr().err
    assert not done.earlier and done.tx_hash != entry.tx_hash
    assert ready.token.balanceOf(alice) == 200
    outcomes = [line.get("outcome") for line in _journal_lines(ready) if line["event"] == "closed"]
    assert outcomes == ["superseded", "landed"]


def test_an_account_without_eth_is_refused_before_signing(
    ready: Suite, deployer: Any, alice: Any, bob: Any
) -> None:
    register(ready, deployer, [bob.address])
    issue(ready, deployer, alice.address, 10)
    provider = ChainClient(ready.w3)
    provider.request("anvil_setNextBlockBaseFeePerGas", ["0x3b9aca00"])  # 1 gwei
    provider.request("evm_mine", [])
    balance = ready.w3.eth.get_balance(alice.address)
    provider.request("anvil_setBalance", [alice.address, "0x3e8"])  # 1,000 wei
    try:
        nonce = alice.nonce
        with pytest.raises(NotEnoughFunds) as refused:
            transfer(ready, alice, bob.address, 1)
        message = str(refused.value)
        assert alice.address in message and "holds 0.000000000000001 ETH" in message
        assert "needs up to about" in message and "--account" in message
        assert alice.nonce == nonce and ready.token.balanceOf(bob) == 0
        assert _open(ready) == []
    finally:
        provider.request("anvil_setBalance", [alice.address, hex(balance)])


def test_lost_journal_the_reference_on_chain_recognises_the_issue(
    ready: Suite,
    deployer: Any,
    alice: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    original = _lose_replies(monkeypatch)
    with pytest.raises(OutcomeUnknown) as unknown:
        issue(ready, deployer, alice.address, 40)
    monkeypatch.setattr(Eth, "send_raw_transaction", original)
    ready.w3.eth.wait_for_transaction_receipt(unknown.value.entry.tx_hash)  # type: ignore[arg-type]
    assert b"sectoken-op:" in _issued_data(ready)[-1]  # the reference travels in ERC-1594 data
    journal_path(ready.deployment.path).unlink()  # the journal is lost (another machine, a wipe)

    nonce = deployer.nonce
    again = issue(ready, deployer, alice.address, 40)
    assert again.earlier and deployer.nonce == nonce
    assert "its reference is on chain" in capsys.readouterr().err
    assert ready.token.balanceOf(alice) == 40
    # Recorded now: an identical command is a retry again; repeated on purpose it is a new
    # issuance, with a new reference.
    assert issue(ready, deployer, alice.address, 40).earlier
    with repeat_allowed():
        issue(ready, deployer, alice.address, 40)
    assert ready.token.balanceOf(alice) == 80
    data = _issued_data(ready)
    assert len(data) == 2 and len(set(data)) == 2  # the second issuance has its own reference


def test_erc20_dividend_retried_after_its_deposit_landed_approves_nothing_more(
    project: Any,
    chain: Any,
    ready: Suite,
    deployer: Any,
    alice: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Approve + create are two transactions; the re-run settles the create first, so the
    allowance its deposit consumed is not approved a second time."""
    issue(ready, deployer, alice.address, 100)
    record_id, _ = schedule_record_date(ready, deployer, int(chain.pending_timestamp) + 50)
    chain.mine(deltatime=51)
    coin = deployer.deploy(project.MockStablecoin)
    unit = 10 ** int(coin.decimals())
    coin.mint(deployer, 1_000 * unit, sender=deployer)
    original = Eth.send_raw_transaction
    sends: list[int] = []

    def second_reply_lost(self: Eth, raw: Any) -> Any:
        result = original(self, raw)
        sends.append(1)
        if len(sends) == 2:  # the approve went through; the deposit's reply is lost
            raise requests.exceptions.ConnectionError("connection reset by peer")
        return result

    def create() -> Any:
        return create_distribution(
            ready,
            deployer,
            record_date_id=record_id,
            amount="100",
            asset=coin.address,
            expiry=4070908800,
        )

    monkeypatch.setattr(Eth, "send_raw_transaction", second_reply_lost)
    with pytest.raises(OutcomeUnknown) as unknown:
        create()
    monkeypatch.setattr(Eth, "send_raw_transaction", original)
    # Anvil answers a send before it mines: the nonce is read once the deposit has landed
    # (read earlier, under load, it missed the deposit and the re-run looked like a send).
    ready.w3.eth.wait_for_transaction_receipt(unknown.value.entry.tx_hash)  # type: ignore[arg-type]
    nonce = deployer.nonce
    dist_id, done = create()
    assert done.earlier and dist_id == 1 and deployer.nonce == nonce
    assert int(ready.dividends.distributionCount()) == 1
    assert int(coin.balanceOf(ready.dividends.address)) == 100 * unit
    assert int(coin.allowance(deployer.address, ready.dividends.address)) == 0
