"""investors import / export end to end: validation, plan, batches, resume, idempotence."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from e2e_support import HEADER, investor_csv, wallet

from sectoken.chain.batching import Batch, BatchFailed, registry_sender
from sectoken.chain.client import ChainClient
from sectoken.chain.registry import TxResult
from sectoken.chain.suite import Suite
from sectoken.jobs.investors import DestructiveChangesRefused, export_investors, import_investors
from sectoken.model.csv_investors import InvestorCsvError
from sectoken.model.records import unpack


def _events(suite: Suite, name: str) -> int:
    """How many ``name`` events the registry emitted (the package's client, paged logs)."""
    return sum(
        1 for _ in ChainClient(suite.w3).logs("InvestorRegistry", suite.registry.address, [name])
    )


def test_import_then_rerun_sends_nothing(
    run: Any, suite: Suite, deployer: Any, deployments: Path, tmp_path: Path
) -> None:
    wallets = [wallet(i) for i in range(25)]
    csv_file = investor_csv(tmp_path / "investors.csv", wallets)
    nonce = deployer.nonce
    result = run(
        "investors",
        "import",
        csv_file,
        "--batch-size",
        10,
        "--deployments",
        deployments,
        "--account",
        "TEST::0",
    )
    assert "25 to add" not in result.output  # the plan is a table, not the summary line
    assert "3 transactions in batches of 10" in result.output
    assert deployer.nonce == nonce + 3
    for w in wallets:
        assert unpack(int(suite.registry.recordOf(w))).country == 840

    again = run(
        "investors", "import", csv_file, "--deployments", deployments, "--account", "TEST::0"
    )
    assert "Nothing to do" in again.output
    assert deployer.nonce == nonce + 3


def test_dry_run_sends_nothing(
    run: Any, suite: Suite, deployer: Any, deployments: Path, tmp_path: Path
) -> None:
    csv_file = investor_csv(tmp_path / "investors.csv", [wallet(1), wallet(2)])
    nonce = deployer.nonce
    result = run("investors", "import", csv_file, "--dry-run", "--deployments", deployments)
    assert "--dry-run: nothing sent" in result.output
    assert "1 transaction in batches of 100" in result.output
    assert deployer.nonce == nonce
    assert int(suite.registry.recordOf(wallet(1))) == 0


def test_bad_rows_are_all_reported_and_nothing_is_sent(
    run: Any, suite: Suite, deployer: Any, deployments: Path, tmp_path: Path
) -> None:
    good = wallet(1)
    body = good[2:]
    flipped = next(i for i, c in enumerate(body) if c.isalpha())
    bad_checksum = "0x" + body[:flipped] + body[flipped].swapcase() + body[flipped + 1 :]
    rows = [
        HEADER,
        f"{good},US,2030-12-31,,true,false,false,false,false",  # line 2: fine
        f"{bad_checksum},US,2030-12-31,,true,false,false,false,false",  # 3: checksum
        f"{good.lower()},US,2030-12-31,,true,false,false,false,false",  # 4: unchecksummed
        f"{good},DE,2030-12-31,,true,false,false,false,false",  # 5: duplicate
        "0x0000000000000000000000000000000000000000,US,2030-12-31,,true,,,,",  # 6: zero
        f"{wallet(2)},ZZ,2030-12-31,,true,false,false,false,false",  # 7: unknown country
        f"{wallet(3)},US,31/12/2030,,true,false,false,false,false",  # 8: bad date
        f"{suite.token.address},US,2030-12-31,,true,false,false,false,false",  # 9: our token
    ]
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode() + b"\r\n")
    nonce = deployer.nonce
    result = run(
        "investors",
        "import",
        path,
        "--deployments",
        deployments,
        "--account",
        "TEST::0",
        expect=2,
    )
    out = result.output
    for expected in (
        "bad.csv:3 [wallet]",
        "bad.csv:4 [wallet]",
        "bad.csv:5 [wallet]",
        "bad.csv:6 [wallet]",
        "bad.csv:7 [country]",
        "bad.csv:8 [kyc_expiry]",
        "bad.csv:9 [wallet]",
        "7 error(s); nothing was sent",
    ):
        assert expected in out, out
    assert "fails its EIP-55 checksum" in out
    assert "already appears on line 2" in out
    assert "the token contract of this token suite" in out
    assert "bad.csv:2" not in out
    assert deployer.nonce == nonce
    assert int(suite.registry.recordOf(good)) == 0


def test_interrupted_import_completes_on_rerun_without_duplicates(
    suite: Suite, deployer: Any, tmp_path: Path
) -> None:
    wallets = [wallet(i) for i in range(55)]
    csv_file = investor_csv(tmp_path / "investors.csv", wallets)
    real = registry_sender(suite.registry_writer(deployer))
    sent: list[int] = []

    def connection_drops_after_two(batch: Batch) -> TxResult:
        if len(sent) == 2:
            raise ConnectionError("connection to the node lost")
        sent.append(batch.index)
        return real(batch)

    nonce = deployer.nonce
    with pytest.raises(BatchFailed) as caught:
        import_investors(
            csv_file, suite.reader(), connection_drops_after_two, batch_size=10, progress=False
        )
    assert caught.value.sent == 2
    assert "run the same command again" in str(caught.value)
    assert deployer.nonce == nonce + 2

    outcome = import_investors(csv_file, suite.reader(), real, batch_size=10, progress=False)
    assert len(outcome.plan.add) == 35
    assert len(outcome.plan.unchanged) == 20
    assert outcome.transactions == 4
    assert deployer.nonce == nonce + math.ceil(55 / 10)
    assert _events(suite, "InvestorAdded") == 55
    assert _events(suite, "InvestorUpdated") == 0

    final = import_investors(csv_file, suite.reader(), real, batch_size=10, progress=False)
    assert final.plan.is_empty and final.transactions == 0
    assert deployer.nonce == nonce + 6


def test_batch_landed_but_answer_lost(suite: Suite, deployer: Any, tmp_path: Path) -> None:
    """The node applied a batch but the client never heard back: the rerun skips those rows."""
    wallets = [wallet(i) for i in range(30)]
    csv_file = investor_csv(tmp_path / "investors.csv", wallets)
    real = registry_sender(suite.registry_writer(deployer))
    calls = 0

    def answer_lost_on_second(batch: Batch) -> TxResult:
        nonlocal calls
        calls += 1
        result = real(batch)
        if calls == 2:
            raise TimeoutError("no answer from the node")
        return result

    nonce = deployer.nonce
    with pytest.raises(BatchFailed) as caught:
        import_investors(
            csv_file, suite.reader(), answer_lost_on_second, batch_size=10, progress=False
        )
    # The chain shows batch 2 landed although its reply was lost: 2 landed, not 1.
    assert caught.value.sent == 2 and caught.value.landed_itself
    assert "2 of 3 batches landed" in str(caught.value)
    outcome = import_investors(csv_file, suite.reader(), real, batch_size=10, progress=False)
    assert len(outcome.plan.unchanged) == 20
    assert outcome.transactions == 1
    assert deployer.nonce == nonce + 3
    assert _events(suite, "InvestorAdded") == 30


def test_update_and_prune(suite: Suite, deployer: Any, tmp_path: Path) -> None:
    send = registry_sender(suite.registry_writer(deployer))
    first = investor_csv(tmp_path / "a.csv", [wallet(i) for i in range(6)])
    import_investors(first, suite.reader(), send, progress=False)
    second = investor_csv(tmp_path / "b.csv", [wallet(i) for i in range(4)], country="DE")
    kept = import_investors(second, suite.reader(), send, progress=False)
    assert len(kept.plan.update) == 4 and len(kept.plan.kept) == 2
    assert int(suite.registry.recordOf(wallet(5))) != 0
    with pytest.raises(DestructiveChangesRefused, match="2 destructive change"):
        import_investors(second, suite.reader(), send, prune=True, progress=False)
    assert int(suite.registry.recordOf(wallet(5))) != 0
    pruned = import_investors(
        second, suite.reader(), send, prune=True, progress=False, confirm=lambda changes: True
    )
    assert [c.wallet for c in pruned.plan.remove] == [wallet(4), wallet(5)]
    assert int(suite.registry.recordOf(wallet(5))) == 0
    assert unpack(int(suite.registry.recordOf(wallet(0)))).country == 276


def test_export_then_import_is_a_no_op(
    run: Any, suite: Suite, deployer: Any, deployments: Path, tmp_path: Path
) -> None:
    examples = Path("examples/investors.csv")
    send = registry_sender(suite.registry_writer(deployer))
    import_investors(examples, suite.reader(), send, progress=False)
    out = tmp_path / "export.csv"
    run("investors", "export", out, "--deployments", deployments)
    assert out.read_text() == examples.read_text()
    nonce = deployer.nonce
    result = run("investors", "import", out, "--deployments", deployments, "--account", "TEST::0")
    assert "Nothing to do" in result.output
    assert deployer.nonce == nonce
    buffer = tmp_path / "again.csv"
    assert export_investors(suite.reader(), buffer, page_size=1) == 25
    assert buffer.read_text() == examples.read_text()


def test_account_without_compliance_role(
    run: Any, suite: Suite, deployments: Path, tmp_path: Path
) -> None:
    csv_file = investor_csv(tmp_path / "investors.csv", [wallet(1)])
    result = run(
        "investors",
        "import",
        csv_file,
        "--deployments",
        deployments,
        "--account",
        "TEST::4",
        expect=2,
    )
    assert "does not hold COMPLIANCE_ROLE on the investor registry" in result.output
    assert "what to do:" in result.output
    assert "Traceback" not in result.output


def test_missing_deployment_file(run: Any, tmp_path: Path) -> None:
    csv_file = investor_csv(tmp_path / "investors.csv", [wallet(1)])
    result = run("investors", "import", csv_file, "--deployments", tmp_path / "nowhere", expect=2)
    assert "no deployment file" in result.output
    assert "deploy first" in result.output


def test_freeze_and_unfreeze_investor(
    run: Any, suite: Suite, deployer: Any, deployments: Path
) -> None:
    suite.registry.setInvestor(wallet(1), (1924905600 | (840 << 128)), sender=deployer)
    run("investors", "freeze", wallet(1), "--deployments", deployments)
    assert unpack(int(suite.registry.recordOf(wallet(1)))).frozen
    run("investors", "unfreeze", wallet(1), "--deployments", deployments)
    assert not unpack(int(suite.registry.recordOf(wallet(1)))).frozen
    result = run("investors", "freeze", wallet(2), "--deployments", deployments, expect=2)
    assert "has no record in the investor registry" in result.output


def test_csv_errors_raise_before_any_read(suite: Suite, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(HEADER + "\n0xnope,US,2030-01-01,,,,,,\n")
    with pytest.raises(InvestorCsvError):
        import_investors(path, suite.reader(), None, progress=False)


def test_reverted_batch_is_decoded_and_the_rerun_finishes(
    suite: Suite, deployer: Any, tmp_path: Path
) -> None:
    wallets = [wallet(i) for i in range(30)]
    csv_file = investor_csv(tmp_path / "investors.csv", wallets)
    real = registry_sender(suite.registry_writer(deployer))
    writer = suite.registry_writer(deployer)

    def second_batch_is_corrupt(batch: Batch) -> TxResult:
        if batch.index == 2:  # a record without a country: the registry refuses it
            return writer.set_investors(batch.wallets, [1] * len(batch.wallets))
        return real(batch)

    with pytest.raises(BatchFailed) as caught:
        import_investors(
            csv_file,
            suite.reader(),
            second_batch_is_corrupt,
            batch_size=10,
            progress=False,
            describe_error=suite.decoder.explain,
        )
    assert caught.value.sent == 1
    assert f"InvalidRecord(wallet={wallets[10]}, record=1)" in caught.value.reason
    assert "no valid country" in caught.value.reason
    outcome = import_investors(csv_file, suite.reader(), real, batch_size=10, progress=False)
    assert len(outcome.plan.unchanged) == 10 and outcome.transactions == 2
    assert _events(suite, "InvestorAdded") == 30


def test_waits_for_transactions_left_pending(suite: Suite, deployer: Any) -> None:
    """A transaction an interrupted run left in the mempool lands before the plan is read."""
    import threading

    from sectoken.chain.batching import wait_for_pending

    client = ChainClient(suite.w3)
    client.request("evm_setAutomine", [False])
    try:
        suite.w3.eth.send_transaction(
            {"from": deployer.address, "to": wallet(77), "value": 1, "gas": 21_000}
        )
        timer = threading.Timer(0.5, lambda: client.request("evm_mine"))
        timer.start()
        reports: list[tuple[int, float]] = []
        waited = wait_for_pending(
            suite.w3,
            deployer.address,
            timeout=20,
            poll=0.1,
            report_every=0.2,
            on_wait=lambda left, seconds: reports.append((left, seconds)),
        )
        assert waited == 1
        assert reports[0] == (1, 0.0) and len(reports) >= 2  # said at once, then while waiting
        timer.join()
    finally:
        client.request("evm_setAutomine", [True])
    assert wait_for_pending(suite.w3, deployer.address) == 0


def test_garbage_file_prints_fifty_errors_and_a_count(
    run: Any, suite: Suite, deployer: Any, deployments: Path, tmp_path: Path
) -> None:
    path = tmp_path / "junk.csv"
    garbage = "\n".join(f"#{i} nonsense,{'x' * 20}" for i in range(40_000))
    path.write_text(HEADER + "\n" + garbage[: 1 << 20] + "\n", encoding="utf-8")
    nonce = deployer.nonce
    result = run("investors", "import", path, "--deployments", deployments, expect=2)
    lines = result.output.splitlines()
    assert len(lines) < 60, len(lines)
    assert sum(line.startswith("error junk.csv:") for line in lines) == 50
    assert "more errors" in result.output and "nothing was sent" in result.output
    assert "Traceback" not in result.output
    assert deployer.nonce == nonce


def test_non_utf8_file_is_named(run: Any, suite: Suite, deployments: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + f"{wallet(1)},CI,2030-12-31,,,,,,\nCôte").encode("latin-1"))
    result = run("investors", "import", path, "--deployments", deployments, expect=2)
    assert "latin1.csv:3: the file is not UTF-8" in result.output
    assert "<csv>" not in result.output


def test_reimporting_an_older_file_does_not_silently_unfreeze(
    run: Any, suite: Suite, deployer: Any, deployments: Path, tmp_path: Path
) -> None:
    """Import, freeze one investor by command, import the same (older) file again: the plan
    would unfreeze it, so without a TTY and without --yes nothing is sent."""
    wallets = [wallet(i) for i in range(3)]
    csv_file = investor_csv(tmp_path / "investors.csv", wallets)
    run("investors", "import", csv_file, "--deployments", deployments)
    run("investors", "freeze", wallets[1], "--deployments", deployments)
    nonce = deployer.nonce
    refused = run("investors", "import", csv_file, "--deployments", deployments, expect=2)
    out = refused.output
    assert f"{wallets[1]}: unfreezes a frozen investor" in out
    assert "--yes" in out and "nothing was sent" in out and "Traceback" not in out
    assert deployer.nonce == nonce
    assert unpack(int(suite.registry.recordOf(wallets[1]))).frozen

    shorter = tmp_path / "shorter.csv"
    shorter.write_text(
        csv_file.read_text().replace("2030-12-31", "2029-06-30", 1), encoding="utf-8"
    )
    cut = run("investors", "import", shorter, "--prune", "--deployments", deployments, expect=2)
    assert f"{wallets[0]}: shortens the KYC expiry (2030-12-31 → 2029-06-30)" in cut.output
    assert deployer.nonce == nonce

    applied = run("investors", "import", csv_file, "--yes", "--deployments", deployments)
    assert "destructive:" in applied.output
    assert not unpack(int(suite.registry.recordOf(wallets[1]))).frozen
    assert deployer.nonce == nonce + 1


def test_nonce_taken_by_another_sender_is_replanned_and_the_run_continues(
    suite: Suite, deployer: Any, tmp_path: Path
) -> None:
    """While batch 2 is being sent, another program using the same account sends a transaction
    with the nonce the import was about to use (here: it writes batch 2's wallets itself). The
    import re-reads the chain, re-plans, and finishes instead of stopping."""
    wallets = [wallet(i) for i in range(30)]
    csv_file = investor_csv(tmp_path / "investors.csv", wallets)
    real = registry_sender(suite.registry_writer(deployer))
    clashed: list[int] = []

    def other_sender_takes_the_nonce(batch: Batch) -> TxResult:
        if batch.index == 2 and not clashed:
            nonce = deployer.nonce
            suite.registry.setInvestors(batch.wallets, batch.records, sender=deployer)
            clashed.append(nonce)
            writer = suite.registry_writer(deployer)
            writer.tx_kwargs["nonce"] = nonce  # the nonce this run had read: taken now
            return registry_sender(writer)(batch)
        return real(batch)

    nonce = deployer.nonce
    outcome = import_investors(
        csv_file,
        suite.reader(),
        other_sender_takes_the_nonce,
        sender_address=deployer.address,
        batch_size=10,
        progress=False,
    )
    assert clashed and outcome.replans == 1
    assert outcome.plan.unchanged and len(outcome.plan.add) == 10  # only batch 3 was left
    assert outcome.transactions == 2  # batch 1, then the re-planned last batch
    assert deployer.nonce == nonce + 3  # ours 2, the other program's 1
    assert _events(suite, "InvestorAdded") == 30


def test_reverted_batch_shows_its_transaction_hash(
    suite: Suite, deployer: Any, tmp_path: Path
) -> None:
    """A batch mined with status 0 (sent with a fixed gas limit, no estimate): the failure
    names its transaction so the operator can look it up."""
    csv_file = investor_csv(tmp_path / "investors.csv", [wallet(i) for i in range(5)])
    writer = suite.registry_writer(deployer)
    writer.tx_kwargs["gas"] = 400_000

    def corrupt(batch: Batch) -> TxResult:
        return writer.set_investors(batch.wallets, [1] * len(batch.wallets))

    with pytest.raises(BatchFailed) as caught:
        import_investors(
            csv_file,
            suite.reader(),
            corrupt,
            progress=False,
            describe_error=suite.decoder.explain,
        )
    tx_hash = caught.value.tx_hash
    assert tx_hash is not None and tx_hash.startswith("0x") and len(tx_hash) == 66
    assert f"(transaction {tx_hash})" in str(caught.value)
    assert suite.w3.eth.get_transaction_receipt(tx_hash)["status"] == 0
    assert "0 of 1 batches landed" in str(caught.value)


def test_destructive_changes_are_asked_about_at_a_terminal(
    chain: Any,
    suite: Suite,
    deployer: Any,
    deployments: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At a terminal the operator is asked: "n" sends nothing, "y" applies the plan."""
    from click.testing import CliRunner

    import sectoken.cli.investors as command

    monkeypatch.setattr(command, "interactive", lambda: True)
    wallets = [wallet(i) for i in range(2)]
    csv_file = investor_csv(tmp_path / "investors.csv", wallets)
    send = registry_sender(suite.registry_writer(deployer))
    import_investors(csv_file, suite.reader(), send, progress=False)
    suite.registry.setFrozen(wallets[0], True, sender=deployer)
    args = ["import", str(csv_file), "--deployments", str(deployments), "--account", "TEST::0"]
    nonce = deployer.nonce

    def answer(text: str) -> Any:
        return CliRunner().invoke(
            command.cli, args, input=text, obj={"provider": chain.provider}, catch_exceptions=False
        )

    declined = answer("n\n")
    assert "Apply 1 destructive change(s) listed above?" in declined.output
    assert declined.exit_code == 2 and deployer.nonce == nonce
    assert unpack(int(suite.registry.recordOf(wallets[0]))).frozen
    accepted = answer("y\n")
    assert accepted.exit_code == 0, accepted.output
    assert not unpack(int(suite.registry.recordOf(wallets[0]))).frozen
    assert deployer.nonce == nonce + 1
