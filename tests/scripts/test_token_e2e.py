"""token operations end to end: pre-flight messages, roles, controller operations, documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_support import register, wallet

from sectoken.chain.suite import Suite
from sectoken.errors import SectokenError
from sectoken.jobs.operations import TransferRefused, issue, preflight, set_paused, transfer
from sectoken.model.restrictions import RESTRICTIONS


def test_restriction_mirror_matches_the_token(suite: Suite) -> None:
    token = suite.token
    for code, restriction in RESTRICTIONS.items():
        assert token.messageForTransferRestriction(code) == restriction.message
        assert int.from_bytes(bytes(token.statusForTransferRestriction(code)), "big") == (
            restriction.status
        )


def test_issue_transfer_and_refusals(
    run: Any, suite: Suite, deployer: Any, alice: Any, bob: Any, carol: Any, deployments: Path
) -> None:
    register(suite, deployer, [alice.address, bob.address])
    register(suite, deployer, [carol.address], accredited=False)
    run("token", "issue", alice.address, 1000, "--deployments", deployments)
    assert suite.token.balanceOf(alice) == 1000

    nonce = deployer.nonce
    refused = run("token", "issue", carol.address, 5, "--deployments", deployments, expect=2)
    assert "code 11 NOT_ACCREDITED" in refused.output
    assert "Receiver must be an accredited investor" in refused.output
    assert deployer.nonce == nonce

    run("token", "transfer", bob.address, 250, "--deployments", deployments, "--account", "TEST::4")
    assert suite.token.balanceOf(bob) == 250
    out = run(
        "token",
        "transfer",
        carol.address,
        1,
        "--deployments",
        deployments,
        "--account",
        "TEST::4",
        expect=2,
    ).output
    assert "Receiver must be an accredited investor" in out
    check = run("token", "check", alice.address, bob.address, 1, "--deployments", deployments)
    assert "allowed" in check.output
    unknown = run(
        "token", "check", alice.address, wallet(9), 1, "--deployments", deployments, expect=2
    )
    assert "RECEIVER_NOT_VERIFIED" in unknown.output


def test_pause_blocks_transfers_with_the_rules_message(
    run: Any, suite: Suite, deployer: Any, alice: Any, bob: Any, deployments: Path
) -> None:
    register(suite, deployer, [alice.address, bob.address])
    issue(suite, deployer, alice.address, 10)
    run("token", "pause", "--deployments", deployments)
    with pytest.raises(TransferRefused, match="All transfers are paused"):
        transfer(suite, alice, bob.address, 1)
    again = run("token", "pause", "--deployments", deployments, expect=2)
    assert "already paused" in again.output
    run("token", "unpause", "--deployments", deployments)
    transfer(suite, alice, bob.address, 1)


def test_account_without_role_gets_one_line(
    run: Any, suite: Suite, deployer: Any, alice: Any, deployments: Path
) -> None:
    register(suite, deployer, [alice.address])
    result = run(
        "token",
        "issue",
        alice.address,
        1,
        "--deployments",
        deployments,
        "--account",
        "TEST::4",
        expect=2,
    )
    assert f"account {alice.address} does not hold ISSUER_ROLE on the token" in result.output
    assert "Traceback" not in result.output
    with pytest.raises(SectokenError, match="PAUSER_ROLE"):
        set_paused(suite, alice, paused=True)


def test_controller_operations(
    run: Any, suite: Suite, deployer: Any, alice: Any, bob: Any, carol: Any, deployments: Path
) -> None:
    register(suite, deployer, [alice.address, bob.address, carol.address])
    issue(suite, deployer, alice.address, 100)
    issue(suite, deployer, bob.address, 50)
    missing = run(
        "token",
        "force-transfer",
        alice.address,
        bob.address,
        10,
        "--reason",
        " ",
        "--deployments",
        deployments,
        expect=2,
    )
    assert "needs a reason" in missing.output
    run(
        "token",
        "force-transfer",
        alice.address,
        bob.address,
        10,
        "--reason",
        "Court order 2026-17",
        "--deployments",
        deployments,
    )
    assert suite.token.balanceOf(bob) == 60
    run(
        "token",
        "force-redeem",
        bob.address,
        5,
        "--reason",
        "Order 18",
        "--deployments",
        deployments,
    )
    assert suite.token.balanceOf(bob) == 55
    run(
        "token",
        "recover",
        alice.address,
        carol.address,
        "--reason",
        "Lost key, ticket 9",
        "--deployments",
        deployments,
    )
    assert suite.token.balanceOf(carol) == 90 and suite.token.balanceOf(alice) == 0
    assert suite.token.successorOf(alice) == carol.address
    bad = run(
        "token",
        "recover",
        bob.address,
        wallet(3),
        "--reason",
        "x",
        "--deployments",
        deployments,
        expect=2,
    )
    assert "is not verified in the investor registry" in bad.output


def test_freeze_wallet_and_amount(
    run: Any, suite: Suite, deployer: Any, alice: Any, bob: Any, deployments: Path
) -> None:
    register(suite, deployer, [alice.address, bob.address])
    issue(suite, deployer, alice.address, 100)
    run("token", "freeze", alice.address, "--amount", 60, "--deployments", deployments)
    with pytest.raises(TransferRefused, match="unfrozen balance"):
        preflight(suite, alice.address, bob.address, 50)
    transfer(suite, alice, bob.address, 40)
    run(
        "token", "freeze", alice.address, "--amount", 60, "--unfreeze", "--deployments", deployments
    )
    run("token", "freeze", alice.address, "--deployments", deployments)
    with pytest.raises(TransferRefused, match="Sender wallet is frozen"):
        transfer(suite, alice, bob.address, 1)
    run("token", "freeze", alice.address, "--unfreeze", "--deployments", deployments)
    too_much = run(
        "token", "freeze", alice.address, "--amount", 1000, "--deployments", deployments, expect=2
    )
    assert "FreezeExceedsBalance" in too_much.output


def test_redeem_and_close_issuance(
    run: Any, suite: Suite, deployer: Any, alice: Any, deployments: Path
) -> None:
    register(suite, deployer, [alice.address])
    issue(suite, deployer, alice.address, 100)
    run("token", "redeem", 30, "--deployments", deployments, "--account", "TEST::4")
    assert suite.token.balanceOf(alice) == 70
    run("token", "close-issuance", "--deployments", deployments)
    closed = run("token", "issue", alice.address, 1, "--deployments", deployments, expect=2)
    assert "issuance is closed" in closed.output


def test_documents(run: Any, suite: Suite, deployments: Path, tmp_path: Path) -> None:
    doc = tmp_path / "circular.pdf"
    doc.write_bytes(b"%PDF the circular")
    run(
        "token",
        "set-document",
        "circular",
        "https://example.com/c.pdf",
        "--file",
        doc,
        "--deployments",
        deployments,
    )
    listing = run("token", "documents", "--deployments", deployments).output
    assert "circular" in listing and "prospectus" in listing
    run("token", "remove-document", "circular", "--deployments", deployments)
    assert "circular" not in run("token", "documents", "--deployments", deployments).output
    gone = run("token", "remove-document", "circular", "--deployments", deployments, expect=2)
    assert "there is no document 'circular'" in gone.output


def test_record_date_must_be_in_the_future(run: Any, suite: Suite, deployments: Path) -> None:
    past = run("token", "record-date", "2001-01-01", "--deployments", deployments, expect=2)
    assert "must lie in the future" in past.output
    run("token", "record-date", "2099-01-01", "--deployments", deployments)
    assert suite.token.latestRecordDateId() == 1


def test_cancel_record_date_set_by_mistake(run: Any, suite: Suite, deployments: Path) -> None:
    run("token", "record-date", "2099-01-01", "--deployments", deployments)
    rid = int(suite.token.latestRecordDateId())
    wrong = run("token", "cancel-record-date", rid + 1, "--deployments", deployments, expect=2)
    assert "is not scheduled" in wrong.output
    done = run("token", "cancel-record-date", rid, "--deployments", deployments)
    assert f"cancelled record date {rid}" in done.output
    assert suite.token.latestRecordDateId() == rid - 1
    # a re-run (say after a lost reply) sends nothing and says why
    again = run("token", "cancel-record-date", rid, "--deployments", deployments, expect=2)
    assert "perhaps it was cancelled already" in again.output
    run("token", "record-date", "2098-06-30", "--deployments", deployments)
    assert suite.token.latestRecordDateId() == rid
