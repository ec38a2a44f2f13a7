"""dividends and vote commands end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from e2e_support import register, wallet

from sectoken.chain.suite import Suite, open_suite
from sectoken.errors import SectokenError
from sectoken.jobs.deploy import apply_deploy, plan_deploy
from sectoken.jobs.dividends import create_distribution, distribution_status, push_dividends
from sectoken.jobs.operations import freeze_wallet, issue, schedule_record_date
from sectoken.jobs.voting import ballot_results
from sectoken.model.spec import load_spec

DAY = 86_400
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def record_date(chain: Any, suite: Suite, deployer: Any, alice: Any, bob: Any) -> int:
    """alice 600, bob 300 (withholding), 10 others 10 each, then a passed record date."""
    register(suite, deployer, [alice.address])
    register(suite, deployer, [bob.address], withholding=True)
    register(suite, deployer, [wallet(i) for i in range(10)])
    issue(suite, deployer, alice.address, 600)
    issue(suite, deployer, bob.address, 300)
    for i in range(10):
        issue(suite, deployer, wallet(i), 10)
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    record_id, _ = schedule_record_date(suite, deployer, now + 50)
    chain.mine(deltatime=51)
    return record_id


def test_dividend_create_claim_push_status_reclaim(
    run: Any,
    chain: Any,
    suite: Suite,
    deployer: Any,
    alice: Any,
    bob: Any,
    accounts: Any,
    record_date: int,
    deployments: Path,
) -> None:
    tax = accounts[9]
    created = run(
        "dividends",
        "create",
        "--record-date",
        record_date,
        "--amount",
        "1",
        "--expiry",
        "2099-01-01",
        "--withholding-bps",
        1000,
        "--tax-wallet",
        tax.address,
        "--deployments",
        deployments,
    )
    assert "distribution 1: 1 ETH" in created.output
    before = alice.balance
    run("dividends", "claim", 1, "--deployments", deployments, "--account", "TEST::4")
    assert alice.balance > before
    alice_nonce = alice.nonce
    again = run(
        "dividends", "claim", 1, "--deployments", deployments, "--account", "TEST::4", expect=2
    )
    assert "has already been paid its share of distribution 1" in again.output
    assert "Traceback" not in again.output
    assert alice.nonce == alice_nonce  # refused by the pre-check: nothing estimated, nothing sent

    partial = push_dividends(suite, deployer, 1, batch_size=4, max_batches=1)
    assert partial.pushed_to == 4 and partial.already_paid == 1
    pushed = run("dividends", "push", 1, "--batch-size", 4, "--deployments", deployments)
    assert "pushed to 7 in 2 transaction(s)" in pushed.output
    nonce = deployer.nonce
    none_left = run("dividends", "push", 1, "--deployments", deployments)
    assert "pushed to 0 in 0 transaction(s)" in none_left.output
    assert deployer.nonce == nonce

    status = distribution_status(suite, 1)
    assert status.claims == 12
    assert status.withheld == 10**18 * 300 // 1000 // 10  # 10% of bob's 30%
    assert status.paid + status.withheld + status.unclaimed == status.deposit
    assert status.unclaimed <= 12
    shown = run("dividends", "status", 1, "--deployments", deployments)
    assert "paid to holders" in shown.output and "withheld (tax)" in shown.output

    tax_before = tax.balance
    run("dividends", "withdraw-withheld", 1, "--deployments", deployments)
    assert tax.balance == tax_before + status.withheld
    nothing = run("dividends", "withdraw-withheld", 1, "--deployments", deployments, expect=2)
    assert "no withheld tax waiting" in nothing.output

    early = run("dividends", "reclaim", 1, "--deployments", deployments, expect=2)
    assert "reclaiming starts after expiry" in early.output
    chain.mine(timestamp=4070908800 + 1)  # 2099-01-01
    run("dividends", "reclaim", 1, "--deployments", deployments)
    assert distribution_status(suite, 1).is_reclaimed


def test_push_reports_a_frozen_holder_as_skipped(
    run: Any, suite: Suite, deployer: Any, alice: Any, record_date: int, deployments: Path
) -> None:
    """A holder frozen on the token is skipped by the push (its share is kept) and the command
    says so, with the reason; once unfrozen, the next push pays it."""
    create_distribution(suite, deployer, record_date_id=record_date, amount="1", expiry=4070908800)
    freeze_wallet(suite, deployer, alice.address)
    pushed = run("dividends", "push", 1, "--deployments", deployments)
    assert f"skipped {alice.address}: frozen" in pushed.output
    assert not suite.require("dividends").isPaid(1, alice.address)
    freeze_wallet(suite, deployer, alice.address, frozen=False)
    report = push_dividends(suite, deployer, 1)
    assert (report.pushed_to, report.skipped) == (1, [])
    assert suite.require("dividends").isPaid(1, alice.address)


def test_dividend_refusals(suite: Suite, deployer: Any, alice: Any, record_date: int) -> None:
    with pytest.raises(SectokenError, match="needs a tax wallet"):
        create_distribution(
            suite,
            deployer,
            record_date_id=record_date,
            amount="1",
            expiry=4070908800,
            withholding_bps=100,
        )
    with pytest.raises(SectokenError, match="ISSUER_ROLE"):
        create_distribution(suite, alice, record_date_id=record_date, amount="1", expiry=4070908800)
    with pytest.raises(SectokenError, match="does not exist"):
        create_distribution(suite, deployer, record_date_id=9, amount="1", expiry=4070908800)


def test_erc20_dividend(project: Any, suite: Suite, deployer: Any, record_date: int) -> None:
    coin = deployer.deploy(project.MockStablecoin)
    coin.mint(deployer, 1_000 * 10 ** int(coin.decimals()), sender=deployer)
    dist_id, _ = create_distribution(
        suite,
        deployer,
        record_date_id=record_date,
        amount="100",
        asset=coin.address,
        expiry=4070908800,
    )
    report = push_dividends(suite, deployer, dist_id)
    assert report.pushed_to == 12
    status = distribution_status(suite, dist_id)
    assert status.asset_symbol == str(coin.symbol())
    assert status.paid + status.unclaimed == status.deposit


def test_vote_create_cast_results(
    run: Any, chain: Any, suite: Suite, record_date: int, deployments: Path
) -> None:
    created = run(
        "vote",
        "create",
        "--title",
        "Approve the merger",
        "--option",
        "For",
        "--option",
        "Against",
        "--record-date",
        record_date,
        "--end",
        "2099-01-01",
        "--quorum-bps",
        5000,
        "--document-uri",
        "https://example.com/merger.pdf",
        "--deployments",
        deployments,
    )
    assert "ballot 1: 'Approve the merger'" in created.output
    run("vote", "cast", 1, 0, "--deployments", deployments, "--account", "TEST::4")
    run("vote", "cast", 1, 1, "--deployments", deployments, "--account", "TEST::5")
    twice = run(
        "vote", "cast", 1, 1, "--deployments", deployments, "--account", "TEST::5", expect=2
    )
    assert "has already voted on ballot 1" in twice.output
    assert "Traceback" not in twice.output
    results = ballot_results(suite, 1)
    assert results.options == ["For", "Against"] and results.title == "Approve the merger"
    assert results.tallies == [600, 300] and results.turnout == 900
    assert results.quorum_reached and not results.ended
    chain.mine(timestamp=4070908800 + 1)
    shown = run("vote", "results", 1, "--deployments", deployments).output
    assert "Approve the merger" in shown and "passed: 'For' leads" in shown
    assert ballot_results(suite, 1).passed


@pytest.fixture
def second(project: Any, suite: Suite, deployer: Any, tmp_path: Path) -> Suite:
    """The issuer's second token, sharing the first suite's registry, distributor and voting."""
    from ape import networks

    data = yaml.safe_load((EXAMPLES / "spec.yaml").read_text())
    data["token"].update(name="Acme Robotics Series B", symbol="ACMEB")
    data["registry"] = suite.registry.address
    data["corporate"] = {"dividends": suite.dividends.address, "voting": suite.voting.address}
    path = tmp_path / "second.yaml"
    path.write_text(yaml.safe_dump(data))
    w3 = networks.provider.web3
    directory = tmp_path / "second"
    plan = plan_deploy(
        project, load_spec(path), deployer, w3=w3, network="local", directory=directory
    )
    apply_deploy(project, plan, deployer, w3=w3)
    return open_suite(project, directory, network="local")


def test_two_tokens_share_the_corporate_contracts_command_by_command(
    run: Any,
    chain: Any,
    suite: Suite,
    second: Suite,
    deployer: Any,
    alice: Any,
    bob: Any,
    record_date: int,
    deployments: Path,
    tmp_path: Path,
) -> None:
    """Dividends and ballots of the second token run through the same contracts as the first's,
    with the same commands (pointed at its deployment file); ids run across both tokens, and a
    command refuses the other token's distribution or ballot."""
    assert second.dividends.address == suite.dividends.address
    assert second.voting.address == suite.voting.address
    issue(second, deployer, alice.address, 30)  # alice and bob are in the shared registry
    issue(second, deployer, bob.address, 70)
    now = int(second.w3.eth.get_block("latest")["timestamp"])
    second_record, _ = schedule_record_date(second, deployer, now + 50)
    chain.mine(deltatime=51)
    first_id, _ = create_distribution(
        suite, deployer, record_date_id=record_date, amount="1", expiry=4070908800
    )
    second_dir = tmp_path / "second"
    created = run(
        "dividends",
        "create",
        "--record-date",
        second_record,
        "--amount",
        "2",
        "--expiry",
        "2099-01-01",
        "--deployments",
        second_dir,
    )
    assert first_id == 1 and "distribution 2: 2 ETH" in created.output
    before = bob.balance
    run("dividends", "claim", 2, "--deployments", second_dir, "--account", "TEST::5")
    assert bob.balance > before
    assert suite.dividends.isPaid(2, bob.address) and not suite.dividends.isPaid(1, bob.address)
    assert distribution_status(second, 2).claims == 1
    refused = run("dividends", "status", 1, "--deployments", second_dir, expect=2)
    assert "belongs to the token" in refused.output and "Traceback" not in refused.output
    with pytest.raises(SectokenError, match="belongs to the token"):
        distribution_status(suite, 2)
    report = push_dividends(second, deployer, 2)
    assert report.pushed_to == 1  # alice; bob claimed, the first token's other holders hold none

    run(
        "vote", "create", "--title", "A", "--option", "For", "--option", "Against",
        "--record-date", record_date, "--end", "2099-01-01", "--quorum-bps", 0,
        "--deployments", deployments,
    )  # fmt: skip
    run(
        "vote", "create", "--title", "B", "--option", "Yes", "--option", "No",
        "--record-date", second_record, "--end", "2099-01-01", "--quorum-bps", 0,
        "--deployments", second_dir,
    )  # fmt: skip
    run("vote", "cast", 2, 1, "--deployments", second_dir, "--account", "TEST::4")
    wrong = run("vote", "cast", 1, 0, "--deployments", second_dir, "--account", "TEST::4", expect=2)
    assert "belongs to the token" in wrong.output
    assert ballot_results(second, 2).tallies == [0, 30]
    assert ballot_results(suite, 1).tallies == [0, 0]
