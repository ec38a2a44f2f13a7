"""The cap table rebuilt from events equals the balances on chain, now and at a record date."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from e2e_support import register, wallet

from sectoken.chain.suite import Suite
from sectoken.jobs.captable import build_cap_table, last_block_before
from sectoken.jobs.operations import (
    force_transfer,
    issue,
    recover_wallet,
    redeem,
    schedule_record_date,
    transfer,
)


def _table(suite: Suite, **kwargs: Any) -> Any:
    return build_cap_table(
        suite.w3,
        suite.token,
        start_block=suite.deployment.contracts["token"].block,
        registry=suite.reader(),
        **kwargs,
    )


def test_cap_table_matches_balances_now_and_at_a_record_date(
    run: Any,
    chain: Any,
    suite: Suite,
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    deployments: Path,
    tmp_path: Path,
) -> None:
    others = [wallet(i) for i in range(12)]
    register(suite, deployer, [alice.address, bob.address, *others])
    register(suite, deployer, [carol.address], country=276)
    issue(suite, deployer, alice.address, 1000)
    issue(suite, deployer, bob.address, 500)
    for i, w in enumerate(others):
        issue(suite, deployer, w, 10 + i)
    transfer(suite, alice, carol.address, 200)
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    record_id, _ = schedule_record_date(suite, deployer, now + 100)
    chain.mine(deltatime=101)
    transfer(suite, bob, carol.address, 500)  # bob leaves after the record date
    redeem(suite, alice, 100)
    force_transfer(suite, deployer, others[0], alice.address, 5, reason="order")
    recover_wallet(suite, deployer, others[1], bob.address, reason="lost key")

    table = _table(suite)
    assert table.matches_chain
    everyone = [alice.address, bob.address, carol.address, *others]
    expected = {w: b for w in everyone if (b := int(suite.token.balanceOf(w)))}
    assert {h.wallet: h.balance for h in table.holders} == expected
    assert sum(h.balance for h in table.holders) == suite.token.totalSupply()
    assert dict((c, n) for c, n, _b, _s in table.by_country())[276] == 1

    at_record = _table(suite, record_date_id=record_id)
    assert at_record.matches_chain
    balances = {h.wallet: h.balance for h in at_record.holders}
    assert balances[bob.address] == 500 and balances[alice.address] == 800
    assert at_record.total_supply == suite.token.totalSupplyAt(record_id)

    paged = _table(suite, page_size=1)
    assert paged.holders == table.holders

    out = tmp_path / "out"
    result = run(
        "captable",
        "--csv",
        out / "cap.csv",
        "--json",
        out / "cap.json",
        "--chart",
        out / "cap.png",
        "--deployments",
        deployments,
    )
    assert "every balance and the total supply match the chain" in result.output
    rows = list(csv.DictReader((out / "cap.csv").open()))
    assert len(rows) == len(table.holders)
    data = json.loads((out / "cap.json").read_text())
    assert data["matches_chain"] is True and data["holder_count"] == len(table.holders)
    assert (out / "cap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rec = run("captable", "--record-date", record_id, "--deployments", deployments)
    assert f"record date {record_id}" in rec.output


def test_record_date_not_passed_is_explained(
    run: Any, suite: Suite, deployer: Any, deployments: Path
) -> None:
    now = int(suite.w3.eth.get_block("latest")["timestamp"])
    schedule_record_date(suite, deployer, now + 1000)
    result = run("captable", "--record-date", 1, "--deployments", deployments, expect=2)
    assert "has not passed yet" in result.output
    missing = run("captable", "--record-date", 7, "--deployments", deployments, expect=2)
    assert "does not exist" in missing.output


def test_last_block_before(chain: Any, suite: Suite) -> None:
    chain.mine(3, deltatime=10)
    head = suite.w3.eth.get_block("latest")
    stamp = int(head["timestamp"])
    assert last_block_before(suite.w3, stamp + 1) == int(head["number"])
    found = last_block_before(suite.w3, stamp)
    assert int(suite.w3.eth.get_block(found)["timestamp"]) < stamp
    assert int(suite.w3.eth.get_block(found + 1)["timestamp"]) >= stamp
