"""Every command, every class of bad input: one message, exit status 2, never a traceback.

Two halves. Inputs refused before any connection (an unknown network name, no node at a URL, a
malformed address, amount or date) run the real ``ape run`` in a subprocess, as a user types
it. Inputs that need the chain (too many decimals for the token, an unknown ballot, no ETH for
gas, a revert) run in-process on the test chain with a suite deployed, with click's
``catch_exceptions=True`` and a check that no exception escaped the command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from e2e_support import register, wallet

from sectoken.chain.client import ChainClient
from sectoken.chain.suite import Suite
from sectoken.dev.devnode import free_port
from sectoken.jobs.operations import issue, schedule_record_date

ROOT = Path(__file__).resolve().parents[2]
GOOD = wallet(1)
SPEC = "examples/spec.yaml"


NO_NODE = f"http://127.0.0.1:{free_port()}"

# One command of each group (deploy, investors, token, dividends, vote, captable), with otherwise
# valid arguments, so the bad part is the only problem.
GROUPS: list[list[str]] = [
    ["deploy", SPEC],
    ["investors", "import", "examples/investors.csv"],
    ["investors", "export"],
    ["token", "issue", GOOD, "5"],
    ["token", "documents"],
    ["dividends", "status", "1"],
    ["dividends", "claim", "1"],
    ["vote", "results", "1"],
    ["vote", "cast", "1", "0"],
    ["captable"],
]

DIVIDEND = ["dividends", "create", "--record-date", "1", "--amount", "1"]
BALLOT = ["vote", "create", "--title", "t", "--option", "a", "--option", "b", "--record-date", "1"]

# (command line, what the message must say)
BEFORE_CONNECTING: list[tuple[list[str], str]] = [
    *(
        ([*cmd, "--network", "nosuch"], "No ecosystem named 'nosuch'. Use ecosystem:network")
        for cmd in GROUPS
    ),
    *(([*cmd, "--network", NO_NODE], f"no node answers at {NO_NODE}") for cmd in GROUPS),
    (["token", "issue", "0xabc", "5"], "'0xabc' is not an address"),
    (["token", "transfer", GOOD.lower()[:-1] + "G", "5"], "is not an address"),
    (["investors", "freeze", "nobody"], "'nobody' is not an address"),
    (
        ["token", "force-transfer", GOOD, GOOD[:-4] + GOOD[-4:].swapcase(), "1", "--reason", "x"],
        "fails its EIP-55 checksum",
    ),
    (
        [*DIVIDEND, "--expiry", "2099-01-01", "--tax-wallet", "0x123"],
        "'0x123' is not an address",
    ),
    (
        [*BALLOT, "--end", "2099-01-01", "--quorum-bps", "1", "--exclude", "treasury"],
        "'treasury' is not an address",
    ),
    (["token", "issue", GOOD, "1.x"], "'1.x' is not a number"),
    (["token", "redeem", "lots"], "'lots' is not a number"),
    (["token", "freeze", GOOD, "--amount", "-5"], "'-5' is negative"),
    (
        ["dividends", "create", "--record-date", "1", "--amount", "1e", "--expiry", "2099-01-01"],
        "'1e' is not a number",
    ),
    (["token", "record-date", "20271231"], "looks like a compact date: write it as 2027-12-31"),
    (["token", "record-date", "2027-02-30"], "is not a calendar date"),
    (
        ["dividends", "create", "--record-date", "1", "--amount", "1", "--expiry", "31/12/2099"],
        "is not an ISO 8601 date",
    ),
    (
        [*BALLOT, "--end", "20991231", "--quorum-bps", "1"],
        "looks like a compact date",
    ),
]


def _ape_run(args: list[str], deployments: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("SECTOKEN_DEBUG", None)
    return subprocess.run(
        [str(Path(sys.executable).with_name("ape")), "run", *args, "--deployments", deployments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _check(cases: list[tuple[list[str], str]], deployments: Path) -> None:
    """Run the cases (three at a time: each `ape run` start costs seconds) and check each."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda case: _ape_run(case[0], deployments), cases))
    failures = []
    for (args, expected), done in zip(cases, results, strict=True):
        output = done.stdout + done.stderr
        flat = " ".join(output.split())
        problems = []
        if done.returncode != 2:
            problems.append(f"exit {done.returncode}")
        if "Traceback" in output:
            problems.append("traceback")
        if " ".join(expected.split()) not in flat:
            problems.append(f"message {expected!r} missing")
        if len(output.splitlines()) > 12:
            problems.append(f"{len(output.splitlines())} lines of output")
        if problems:
            failures.append(f"ape run {' '.join(args)}: {', '.join(problems)}\n{output}")
    assert not failures, "\n\n".join(failures)
    assert not deployments.exists()  # nothing was written by any of them


# One case of each class, quick enough for every run of the suite.
ONE_OF_EACH = [
    BEFORE_CONNECTING[0],  # unknown network name
    BEFORE_CONNECTING[len(GROUPS)],  # no node at the URL
    *(case for case in BEFORE_CONNECTING[2 * len(GROUPS) :] if case[0][:2] == ["token", "issue"]),
    next(case for case in BEFORE_CONNECTING if case[0][:2] == ["token", "record-date"]),
]


def test_each_class_refused_before_connecting(tmp_path: Path) -> None:
    """The real `ape run`: bad network, no node, bad address, amount and date."""
    _check(ONE_OF_EACH, tmp_path / "deployments")


@pytest.mark.slow
def test_every_group_refused_before_connecting(tmp_path: Path) -> None:
    """The whole matrix: each command group with each class refused before connecting."""
    _check(BEFORE_CONNECTING, tmp_path / "deployments")


# ---------------------------------------------------------------------------------------------
# After connecting: in-process on the test chain
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def invoke(chain: Any) -> Callable[..., Result]:
    """Run a command the way `ape run` does, catching whatever escapes it."""
    import importlib

    def run(script: str, *args: Any, env: dict[str, str] | None = None) -> Result:
        module = importlib.import_module(f"scripts.{script}")
        return CliRunner().invoke(
            module.cli,
            [str(a) for a in args],
            obj={"provider": chain.provider},
            catch_exceptions=True,
            env=env,
        )

    return run


def _refused(result: Result, *expected: str) -> str:
    """Exit 2, no exception escaped, no traceback, and every expected phrase in the output."""
    output = result.output
    assert result.exit_code == 2, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in output, output
    flat = " ".join(output.split())
    for phrase in expected:
        assert " ".join(phrase.split()) in flat, output
    return output


@pytest.fixture
def holders(chain: Any, suite: Suite, deployer: Any, alice: Any) -> int:
    """alice holds 600 at a passed record date; returns its id."""
    register(suite, deployer, [alice.address])
    issue(suite, deployer, alice.address, 600)
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    record_id, _ = schedule_record_date(suite, deployer, now + 50)
    chain.mine(deltatime=51)
    return record_id


def test_every_group_refuses_chain_level_mistakes(
    invoke: Callable[..., Result],
    suite: Suite,
    holders: int,
    alice: Any,
    deployments: Path,
    tmp_path: Path,
) -> None:
    d = ("--deployments", deployments)
    cases: list[tuple[tuple[Any, ...], tuple[str, ...]]] = [
        (("deploy", "examples/nothing.yaml", *d), ("does not exist",)),
        (("investors", "import", "examples/investors.csv", "--account", "nobody", *d), ("nobody",)),
        (("investors", "export", "--deployments", tmp_path / "none"), ("no deployment file",)),
        (("token", "issue", alice.address, "1.5", *d), ("has more than 0 decimal places",)),
        (("token", "transfer", alice.address, "0", *d), ("the amount must be positive",)),
        (("token", "documents", "--deployments", tmp_path / "none"), ("no deployment file",)),
        (("dividends", "status", 9, *d), ("distribution 9 does not exist",)),
        (("dividends", "claim", 9, "--account", "TEST::4", *d), ("distribution 9 does not exist",)),
        (("vote", "results", 9, *d), ("ballot 9 does not exist",)),
        (("vote", "cast", 9, 0, "--account", "TEST::4", *d), ("ballot 9 does not exist",)),
        (("captable", "--record-date", 7, *d), ("record date",)),
    ]
    for args, expected in cases:
        _refused(invoke(*args), *expected)


def test_second_vote_and_second_claim_are_refused_before_any_estimate(
    invoke: Callable[..., Result],
    suite: Suite,
    holders: int,
    alice: Any,
    deployments: Path,
) -> None:
    d = ("--deployments", deployments)
    created = invoke(
        *("dividends", "create", "--record-date", holders, "--amount", 1, "--expiry", "2099-01-01"),
        *d,
    )
    assert created.exit_code == 0, created.output
    made = invoke(
        "vote",
        "create",
        "--title",
        "Merger",
        "--option",
        "For",
        "--option",
        "Against",
        "--record-date",
        holders,
        "--end",
        "2099-01-01",
        "--quorum-bps",
        1,
        *d,
    )
    assert made.exit_code == 0, made.output
    _refused(
        invoke("vote", "cast", 1, "maybe", "--account", "TEST::4", *d),
        "'maybe' is not an option of this ballot",
        "0 'For', 1 'Against'",
    )
    voted = invoke("vote", "cast", 1, "for", "--account", "TEST::4", *d)  # by label, any case
    assert voted.exit_code == 0 and "voted option 0 on ballot 1" in voted.output
    assert invoke("dividends", "claim", 1, "--account", "TEST::4", *d).exit_code == 0
    nonce = alice.nonce
    _refused(
        invoke("vote", "cast", 1, 1, "--account", "TEST::4", *d),
        f"{alice.address} has already voted on ballot 1",
    )
    _refused(
        invoke("vote", "cast", 1, 5, "--account", "TEST::4", *d),
        "'5' is not an option of this ballot",
    )
    _refused(
        invoke("dividends", "claim", 1, "--account", "TEST::4", *d),
        "has already been paid its share of distribution 1",
    )
    _refused(
        invoke("vote", "cast", 1, 0, "--account", "TEST::6", *d),
        "held no tokens at record date",
    )
    assert alice.nonce == nonce  # nothing signed, nothing estimated on chain


def test_no_funds_names_the_account_and_its_balance(
    invoke: Callable[..., Result], suite: Suite, deployer: Any, deployments: Path
) -> None:
    ChainClient(suite.w3).request("anvil_setBalance", [deployer.address, "0x0"])
    output = _refused(
        invoke("token", "pause", "--deployments", deployments),
        f"account {deployer.address} holds 0 ETH",
        "send ETH to that account",
    )
    assert "gas limit manually" not in output


def test_revert_shows_the_rule_first_and_ape_trace_only_when_verbose(
    invoke: Callable[..., Result], suite: Suite, holders: int, alice: Any, deployments: Path
) -> None:
    """A duplicate excluded wallet is refused by the distributor alone (no pre-check): the
    decoded custom error is the message; Ape's call trace appears only with -v."""
    args = (
        "dividends",
        "create",
        "--record-date",
        holders,
        "--amount",
        "1",
        "--expiry",
        "2099-01-01",
        "--exclude",
        alice.address,
        "--exclude",
        alice.address,
        "--deployments",
        deployments,
    )
    quiet = _refused(invoke(*args), "DuplicateExcluded")
    assert "createDistribution" not in quiet and "tx.origin" not in quiet
    assert "underlying error" not in quiet
    # The journaled send path estimates through web3, so the detail under -v is the node's own
    # revert (the raw error data), after the decoded rule.
    loud = _refused(invoke(*args, "-v"), "DuplicateExcluded")
    assert loud.index("DuplicateExcluded") < loud.index("underlying error")
    debug = _refused(invoke(*args, env={"SECTOKEN_DEBUG": "1"}), "DuplicateExcluded")
    assert "underlying error" in debug
