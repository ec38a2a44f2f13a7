"""`ape run index sync|status|captable|registry|audit` and `captable --from-index`, in process
on the test chain (SQLite next to the deployment file, the default)."""

from __future__ import annotations

import csv
import importlib
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from index_support import record

from sectoken.chain.suite import Suite

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.delenv("SECTOKEN_INDEX_DB", raising=False)


@pytest.fixture
def run(chain: Any, suite: Suite) -> Callable[..., Result]:
    deployments = suite.deployment.path.parent

    def invoke(script: str, *args: Any, expect: int = 0) -> Result:
        module = importlib.import_module(f"scripts.{script}")
        result = CliRunner().invoke(
            module.cli,
            [*(str(a) for a in args), "--deployments", str(deployments)],
            obj={"provider": chain.provider},
            catch_exceptions=False,
        )
        assert result.exit_code == expect, result.output
        return result

    return invoke


def test_the_commands_read_the_index(
    suite: Suite,
    run: Callable[..., Result],
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    tmp_path: Path,
) -> None:
    token, registry = suite.token, suite.registry
    soon = int(suite.w3.eth.get_block("latest")["timestamp"]) + 86_400 * 5
    registry.setInvestors(
        [alice, bob, carol],
        [record(840), record(276), record(250, kyc_expiry=soon)],
        sender=deployer,
    )
    token.issue(alice, 700, b"", sender=deployer)
    token.issue(bob, 300, b"", sender=deployer)
    token.setWalletFrozen(bob, True, sender=deployer)
    token.recoverWallet(bob, carol, b"ticket-4711", sender=deployer)

    synced = run("index", "sync", "--confirmations", "2", "--batch-blocks", "3")
    assert "index at block" in synced.output
    assert (suite.deployment.path.parent / "local.index.sqlite").is_file()

    status = run("index", "status").output
    assert "holders: 2" in status and "investors: 3" in status

    out = tmp_path / "cap.csv"
    table = run("index", "captable", "--csv", out).output
    assert "2 holders" in table
    rows = list(csv.DictReader(out.open()))
    assert [(r["wallet"], r["balance"]) for r in rows] == [
        (alice.address, "700"),
        (carol.address, "300"),
    ]

    from_index = run("captable", "--from-index").output
    assert "every balance and the total supply match the chain" in from_index

    expiring = run("index", "registry", "--kyc-expiring", "10").output
    assert carol.address in expiring and alice.address not in expiring
    german = run("index", "registry", "--country", "DE").output
    assert bob.address in german and alice.address not in german

    trail = run("index", "audit", "--kind", "recoveries", "--kind", "freezes", "--csv", "-")
    entries = list(csv.DictReader(io.StringIO(trail.output)))
    events = [e["event"] for e in entries]
    assert "WalletFrozen" in events and "WalletRecovered" in events
    recovery = next(e for e in entries if e["event"] == "WalletRecovered")
    assert "0x" + b"ticket-4711".hex() in recovery["details"]  # the operator data
    assert recovery["wallet"] == bob.address.lower()


def test_bad_input_is_one_clear_message(suite: Suite, run: Callable[..., Result]) -> None:
    empty = run("index", "status", expect=2).output
    assert "no index at" in empty and "ape run index sync" in empty
    bad_url = run("index", "sync", "--db", "not a url", expect=2).output
    assert "is not a database URL" in bad_url
    bad_wallet = run("index", "audit", "--wallet", "0x1234", expect=2).output
    assert "0x1234" in bad_wallet
