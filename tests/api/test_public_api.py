"""The public API (``import sectoken``), each entry point once, on the Anvil Ape starts for the
test session. Contracts come from the package's ABI (the API's default), not the project."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import sectoken
from sectoken.chain.suite import Suite

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "spec.yaml"
HEADER = (
    "wallet,country,kyc_expiry,lockup_until,accredited,qualified_purchaser,affiliate,"
    "withholding,frozen\n"
)
DAY = 86_400


def _csv(path: Path, *rows: tuple[str, str]) -> Path:
    lines = [
        f"{wallet},{country},2099-12-31,,true,false,false,false,false\n" for wallet, country in rows
    ]
    path.write_text(HEADER + "".join(lines))
    return path


def test_import_sectoken_loads_neither_web3_nor_ape() -> None:
    code = (
        "import sys, sectoken\n"
        "heavy = ('ape', 'web3', 'eth_abi', 'sectoken.api')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves() -> None:
    from sectoken import api

    assert set(api.__all__) <= set(sectoken.__all__)
    for name in sectoken.__all__:
        assert getattr(sectoken, name) is not None, name
    assert sectoken.deploy.__doc__
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sectoken.nope  # type: ignore[attr-defined]


@pytest.fixture
def suite(deployer: Any, tmp_path: Path) -> Suite:
    return sectoken.deploy(SPEC, deployer, deployments=tmp_path / "deployments")


@pytest.mark.e2e
def test_deploy_attach_registry_issue_check_transfer_captable(
    suite: Suite, deployer: Any, alice: Any, bob: Any, carol: Any, tmp_path: Path
) -> None:
    deployments = tmp_path / "deployments"
    assert set(suite.deployment.contracts) == {"registry", "module", "token", "dividends", "voting"}
    # deploying again sends nothing; attach opens the same suite from the file
    assert sectoken.plan_deployment(SPEC, deployer, deployments=deployments).is_empty
    attached = sectoken.attach(deployments)
    assert attached.token.address == suite.token.address

    csv_file = _csv(tmp_path / "investors.csv", (alice.address, "US"), (bob.address, "DE"))
    outcome = sectoken.import_investors(attached, deployer, csv_file)
    assert (len(outcome.parsed.rows), outcome.transactions) == (2, 1)
    assert sectoken.import_investors(attached, deployer, csv_file).transactions == 0
    exported = io.StringIO()
    assert sectoken.export_investors(attached, exported) == 2
    wallets = {line.split(",")[0] for line in exported.getvalue().splitlines()[1:]}
    assert wallets == {alice.address, bob.address}

    done = sectoken.issue(attached, deployer, alice.address, "1000")
    assert done.summary == f"issued 1,000 to {alice.address}"
    allowed = sectoken.check_transfer(attached, alice.address, bob.address, "10")
    assert allowed and allowed.code == 0
    refused = sectoken.check_transfer(attached, alice.address, carol.address, "10")
    assert not refused
    assert refused.code == 3 and "not verified" in refused.reason
    with pytest.raises(sectoken.TransferRefused, match="code 3"):
        sectoken.transfer(attached, alice, carol.address, "10")
    sectoken.transfer(attached, alice, bob.address, "250")

    table = sectoken.cap_table(attached)
    assert table.matches_chain
    assert [(h.wallet, h.balance) for h in table.holders] == [
        (alice.address, 750),
        (bob.address, 250),
    ]
    printed = io.StringIO()
    sectoken.print_cap_table(table, file=printed)
    assert "2 holders, supply 1,000" in printed.getvalue()


@pytest.mark.e2e
def test_dividend_and_ballot(
    suite: Suite, deployer: Any, alice: Any, bob: Any, chain: Any, tmp_path: Path
) -> None:
    csv_file = _csv(tmp_path / "investors.csv", (alice.address, "US"), (bob.address, "DE"))
    sectoken.import_investors(suite, deployer, csv_file)
    sectoken.issue(suite, deployer, alice.address, 600)
    sectoken.issue(suite, deployer, bob.address, 400)
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    record_id = sectoken.schedule_record_date(suite, deployer, now + 50)
    chain.mine(deltatime=51)
    now += 51

    dist_id = sectoken.create_dividend(
        suite, deployer, record_date_id=record_id, amount="1", expiry=now + 30 * DAY
    )
    before = alice.balance
    claimed = sectoken.claim_dividend(suite, alice, dist_id)
    assert claimed.tx_hash
    status = sectoken.dividend_status(suite, dist_id)
    assert (status.deposit, status.paid, status.claims) == (10**18, 6 * 10**17, 1)
    assert alice.balance > before

    ballot_id = sectoken.create_ballot(
        suite,
        deployer,
        title="Approve the merger",
        options=["yes", "no"],
        record_date_id=record_id,
        start=now + 10,
        end=now + DAY,
        quorum_bps=5000,
    )
    chain.mine(deltatime=11)
    sectoken.vote(suite, alice, ballot_id, "yes")
    sectoken.vote(suite, bob, ballot_id, 1)
    chain.mine(deltatime=DAY)
    results = sectoken.ballot_results(suite, ballot_id)
    assert (results.title, results.tallies, results.turnout) == (
        "Approve the merger",
        [600, 400],
        1000,
    )
    assert results.ended and results.quorum_reached and results.passed
    assert results.options[results.winning_option] == "yes"


def test_chart_without_matplotlib_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sectoken.jobs.captable import CapTable

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    table = CapTable(
        token="0x" + "00" * 20,
        symbol="T",
        decimals=0,
        block=1,
        timestamp=0,
        record_date_id=None,
        total_supply=0,
    )
    with pytest.raises(sectoken.SectokenError, match=r"sectoken\[plot\]"):
        table.write_chart(tmp_path / "chart.png")
    assert not (tmp_path / "chart.png").exists()
