"""The console on a deployed suite through Flask's test client: every page reads the chain
(SuiteData), and the import goes through the same import_investors as the command."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from console_support import HEADER, Populated, corporate_actions, investor_lines, wallet
from flask.testing import FlaskClient

from sectoken.console.app import ConsoleSettings, create_app
from sectoken.console.imports import Importer
from sectoken.console.index_data import IndexedData
from sectoken.console.suite_data import SuiteData
from sectoken.index.sync import open_index


@pytest.fixture
def client(populated: Populated, console_settings: ConsoleSettings) -> FlaskClient:
    return create_app(SuiteData(populated.suite), console_settings).test_client()


@pytest.fixture(params=["chain", "index"])
def reader(
    request: pytest.FixtureRequest,
    populated: Populated,
    console_settings: ConsoleSettings,
    tmp_path: Path,
) -> FlaskClient:
    """The console reading the chain directly, or the event index (SQLite, synced per page);
    ``reader.kind`` says which."""
    data: SuiteData = SuiteData(populated.suite)
    if request.param == "index":
        data = IndexedData(populated.suite, open_index(f"sqlite:///{tmp_path / 'index.sqlite'}"))
    client = create_app(data, console_settings).test_client()
    client.kind = request.param  # type: ignore[attr-defined]
    return client


CHECKED = {"chain": "every balance matches the chain", "index": "the supply matches the token"}


def _text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def _csrf(client: FlaskClient) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', _text(client.get("/import")))
    assert found
    return found.group(1)


def _upload(client: FlaskClient, body: str, name: str = "investors.csv") -> str:
    response = client.post(
        "/import",
        data={
            "csrf_token": _csrf(client),
            "batch_size": "2",
            "csv": (io.BytesIO(body.encode()), name),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, _text(response)
    return str(response.headers["Location"])


def _wait_done(client: FlaskClient, location: str, importer: Importer) -> str:
    importer.wait(120)
    page = _text(client.get(location))
    assert 'id="progress"' in page
    return page


def test_dashboard_reads_the_chain(reader: FlaskClient) -> None:
    page = _text(reader.get("/"))
    assert "Acme Robotics Preferred Shares" in page
    assert 'id="supply">1,000<' in page and 'id="holders">2<' in page
    expected = {"chain": "checked against the chain", "index": "supply matches the token"}
    assert expected[reader.kind] in page  # type: ignore[attr-defined]


def test_import_errors_then_plan_then_apply_then_nothing_left(
    client: FlaskClient, populated: Populated, importer: Importer
) -> None:
    new = [wallet(10), wallet(11), wallet(12)]
    bad = "\n".join(
        [
            HEADER,
            f"{new[0]},US,2030-12-31,,true,false,false,false,false",
            f"{new[1]},Narnia,2030-12-31,,true,false,false,false,false",
            f"{new[2]},US,2030-13-45,,maybe,false,false,false,false",
        ]
    )
    page = _text(client.get(_upload(client, bad)))
    assert "error(s): nothing can be sent" in page
    rows = re.findall(r"<tr><td class=\"num\">(\d+)</td><td>([^<]+)</td>", page)
    assert ("3", "country") in rows and ("4", "kyc_expiry") in rows and ("4", "accredited") in rows
    assert 'id="apply"' not in page
    assert populated.suite.registry.recordOf(new[0]) == 0

    fixed = "\n".join([HEADER, *investor_lines(new)])
    location = _upload(client, fixed)
    page = _text(client.get(location))
    assert "3 to add, 0 to update, 0 to remove" in page
    assert page.count("registry.setInvestors(") == 2
    assert all(w in page for w in new)
    token = _csrf(client)
    refused = client.post(f"{location}/apply", data={"csrf_token": token})
    assert refused.status_code == 400 and "tick the box" in _text(refused)
    assert populated.suite.registry.recordOf(new[0]) == 0

    applied = client.post(f"{location}/apply", data={"csrf_token": token, "confirm": "1"})
    assert applied.status_code == 303
    page = _wait_done(client, location, importer)
    assert "Done." in page and "2 of 2 transaction(s), 3 investor(s) sent" in page
    assert all(populated.suite.registry.recordOf(w) != 0 for w in new)

    # retry: the same session and the same file again send nothing
    again = client.post(f"{location}/apply", data={"csrf_token": token, "confirm": "1"})
    assert again.status_code == 303
    page = _wait_done(client, location, importer)
    assert "nothing to send: the registry already matches the file" in page
    assert "0 of 0 transaction(s)" in page
    page = _text(client.get(_upload(client, fixed)))
    assert "0 to add, 0 to update, 0 to remove, 3 unchanged" in page
    assert 'id="nothing"' in page


def test_destructive_changes_need_their_own_confirmation(
    client: FlaskClient, populated: Populated, importer: Importer
) -> None:
    body = "\n".join([HEADER, f"{populated.first},US,2029-01-01,,true,false,false,false,false"])
    location = _upload(client, body)
    page = _text(client.get(location))
    assert "1 destructive change(s)" in page
    token = _csrf(client)
    refused = client.post(f"{location}/apply", data={"csrf_token": token, "confirm": "1"})
    assert refused.status_code == 400 and "destructive" in _text(refused)
    before = populated.suite.registry.recordOf(populated.first)
    assert (
        client.post(
            f"{location}/apply",
            data={"csrf_token": token, "confirm": "1", "confirm_destructive": "1"},
        ).status_code
        == 303
    )
    assert "Done." in _wait_done(client, location, importer)
    assert populated.suite.registry.recordOf(populated.first) != before


def test_transfer_check_gives_the_rules_answer(client: FlaskClient, populated: Populated) -> None:
    refused = _text(
        client.get(
            f"/transfer-check?sender={populated.first}&receiver={populated.stranger}&amount=10"
        )
    )
    assert "Refused (code" in refused and "not verified" in refused.lower()
    allowed = _text(
        client.get(
            f"/transfer-check?sender={populated.first}&receiver={populated.second}&amount=10"
        )
    )
    assert "Allowed:" in allowed
    too_much = _text(
        client.get(
            f"/transfer-check?sender={populated.second}&receiver={populated.first}&amount=301"
        )
    )
    assert "Refused (code" in too_much
    bad = client.get("/transfer-check?sender=0x123&receiver=x&amount=1")
    assert bad.status_code == 400 and 'id="error"' in _text(bad)


def test_cap_table_now_at_the_record_date_and_csv(
    reader: FlaskClient, populated: Populated
) -> None:
    client = reader
    now = _text(client.get("/captable"))
    assert CHECKED[reader.kind] in now  # type: ignore[attr-defined]
    assert populated.first in now and populated.second in now and "70.00%" in now
    at = _text(client.get("/captable?record_date=1"))
    assert populated.second not in at and "100.00%" in at
    rows = list(csv.reader(io.StringIO(_text(client.get("/captable.csv")))))
    assert rows[1:] == [
        [populated.first, "700", "70.000000", "US"],
        [populated.second, "300", "30.000000", "US"],
    ]
    missing = client.get("/captable?record_date=9")
    assert missing.status_code == 400
    expected = {"chain": "does not exist", "index": "no scheduled record date 9"}
    assert expected[reader.kind] in _text(missing)  # type: ignore[attr-defined]


def test_registry_and_audit(reader: FlaskClient, populated: Populated) -> None:
    client = reader
    page = _text(client.get("/registry?expiring=36500"))
    assert populated.first in page and "2 of 2 investors shown" in page
    audit = _text(client.get("/audit"))
    assert "RoleGranted" in audit and "ISSUER_ROLE" in audit and "InvestorAdded" in audit
    assert "RecordDateScheduled" in audit
    rows = list(csv.reader(io.StringIO(_text(client.get("/audit.csv?event=InvestorAdded")))))
    assert len(rows) == 3 and {r[5] for r in rows[1:]} == {"InvestorAdded"}
    assert "Transfer" not in {r[5] for r in rows[1:]}


def test_dividends_and_ballots_page(
    client: FlaskClient, populated: Populated, deployer: Any, alice: Any, chain: Any
) -> None:
    page = _text(client.get("/corporate"))
    assert "No distribution for this token yet" in page and "No ballot" in page
    corporate_actions(populated, deployer, alice, chain)
    page = _text(client.get("/corporate"))
    row = re.search(r'<table id="distributions">.*?</table>', page, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(0))
    # id, asset, record date, deposit, paid, withheld, unclaimed, claims, expiry, status
    assert cells[:8] == ["1", "ETH", "1", "1", "1", "0", "0", "1"]
    assert cells[9] == "open for claims"
    assert "Ballot 1: Approve the merger" in page
    assert "passed: &#39;yes&#39; leads" in page
    assert re.search(r"<td>yes</td><td class=\"num\">700</td>", page)


def test_the_command_refuses_another_address_without_a_token(
    chain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sectoken.cli.console import cli

    monkeypatch.delenv("SECTOKEN_CONSOLE_TOKEN", raising=False)
    started = time.perf_counter()
    result = CliRunner().invoke(
        cli, ["--host", "0.0.0.0", "--port", "0"], obj={"provider": chain.provider}
    )
    assert result.exit_code == 2, result.output
    assert "refusing to listen on 0.0.0.0" in result.output
    assert time.perf_counter() - started < 30


def test_index_pages_follow_the_chain(
    populated: Populated, console_settings: ConsoleSettings, tmp_path: Path, deployer: Any
) -> None:
    """Each page syncs the index first: a change on chain shows on the next page."""
    data = IndexedData(populated.suite, open_index(f"sqlite:///{tmp_path / 'index.sqlite'}"))
    client = create_app(data, console_settings).test_client()
    assert "2 of 2 investors shown" in _text(client.get("/registry"))
    populated.suite.registry.setFrozen(populated.second, True, sender=deployer)
    page = _text(client.get("/registry?frozen=1"))
    assert "1 of 2 investors shown" in page and populated.second in page
    assert data.last_sync is not None and data.last_sync.events >= 1
    audit = _text(client.get(f"/audit?address={populated.second[2:12]}"))
    assert "InvestorAdded" in audit


class _FailsOnce(Importer):
    """Sends like the console does, but the second batch of the first run is refused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls = 0

    def batch_sender(self, account: Any) -> Any:
        send = super().batch_sender(account)

        def flaky(batch: Any) -> Any:
            self.calls += 1
            if self.calls == 2:
                raise ConnectionError("the node went away")
            return send(batch)

        return flaky


def test_an_interrupted_import_is_finished_by_applying_again(
    populated: Populated, deployer: Any, tmp_path: Path
) -> None:
    importer = _FailsOnce(populated.suite, deployer, tmp_path / "uploads")
    settings = ConsoleSettings(importer=importer, account_label="deployer")
    client = create_app(SuiteData(populated.suite), settings).test_client()
    new = [wallet(30 + i) for i in range(5)]
    location = _upload(client, "\n".join([HEADER, *investor_lines(new)]))  # batches of 2
    token = _csrf(client)
    client.post(f"{location}/apply", data={"csrf_token": token, "confirm": "1"})
    page = _wait_done(client, location, importer)
    assert "Stopped." in page and "1 of 3 transaction(s), 2 investor(s) sent" in page
    assert "only what is missing will be sent" in page
    assert [populated.suite.registry.recordOf(w) != 0 for w in new] == [True] * 2 + [False] * 3

    client.post(f"{location}/apply", data={"csrf_token": token, "confirm": "1"})
    page = _wait_done(client, location, importer)
    assert "Done." in page and "2 of 2 transaction(s), 3 investor(s) sent" in page
    assert "applied: 3 to add, 0 to update, 0 to remove, 2 unchanged" in page
    assert all(populated.suite.registry.recordOf(w) != 0 for w in new)
    assert importer.calls == 4  # 1 landed, 1 refused, then the 2 that were missing


def test_an_account_without_the_compliance_role_is_refused_before_sending(
    populated: Populated, alice: Any, tmp_path: Path
) -> None:
    importer = Importer(populated.suite, alice, tmp_path / "uploads")
    settings = ConsoleSettings(importer=importer, account_label="alice")
    client = create_app(SuiteData(populated.suite), settings).test_client()
    location = _upload(client, "\n".join([HEADER, *investor_lines([wallet(40)])]))
    response = client.post(f"{location}/apply", data={"csrf_token": _csrf(client), "confirm": "1"})
    assert response.status_code == 400
    assert "does not hold COMPLIANCE_ROLE" in _text(response)
    assert populated.suite.registry.recordOf(wallet(40)) == 0
