"""The console's web layer with Flask's test client on an in-memory ConsoleData: pages, filters,
downloads, the access token, CSRF and read-only mode. No chain, no browser."""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

sys.path.insert(0, str(Path(__file__).parent))

from fake_data import ALICE, BOB, CAROL, DAVE, FakeData

from sectoken.console.app import ConsoleSettings, create_app
from sectoken.console.security import (
    ACCESS_COOKIE,
    ListenRefused,
    check_listen_address,
    is_loopback,
)
from sectoken.console.server import ConsoleServer

TOKEN = "s3cret-token-for-tests-0123456789"


@pytest.fixture
def data() -> FakeData:
    return FakeData()


@pytest.fixture
def client(data: FakeData) -> FlaskClient:
    return create_app(data).test_client()


@pytest.fixture
def guarded(data: FakeData) -> FlaskClient:
    return create_app(data, ConsoleSettings(access_token=TOKEN)).test_client()


def _text(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined,no-any-return]


def _csrf(client: FlaskClient) -> str:
    page = _text(client.get("/"))
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_dashboard_shows_supply_holders_and_charts(client: FlaskClient) -> None:
    page = _text(client.get("/"))
    assert 'id="supply">10,000<' in page
    assert 'id="holders">3<' in page
    assert page.count("<svg") == 3
    assert "Holders per country" in page and "Holders per investor class" in page
    # two US holders, one DE: the country chart labels them
    assert ">US<" in page and ">DE<" in page
    assert "read-only" in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("q=" + BOB[:10], [BOB], [ALICE, CAROL, DAVE]),
        ("country=DE", [BOB], [ALICE, CAROL, DAVE]),
        ("class=accredited", [ALICE], [BOB, CAROL, DAVE]),
        ("frozen=1", [CAROL], [ALICE, BOB, DAVE]),
        ("expiring=15", [BOB], [ALICE, CAROL, DAVE]),
        ("expiring=30", [BOB, CAROL], [ALICE, DAVE]),
        ("", [ALICE, BOB, CAROL, DAVE], []),
    ],
)
def test_registry_filters(
    client: FlaskClient, query: str, shown: list[str], hidden: list[str]
) -> None:
    page = _text(client.get(f"/registry?{query}"))
    for wallet in shown:
        assert wallet in page, query
    for wallet in hidden:
        assert wallet not in page, query
    assert f"{len(shown)} of 4 investors shown" in page


def test_registry_bad_filter_is_a_message_not_a_crash(client: FlaskClient) -> None:
    response = client.get("/registry?country=Atlantis")
    assert response.status_code == 400
    assert 'id="error"' in _text(response)
    response = client.get("/registry?expiring=soon")
    assert response.status_code == 400
    assert "whole number" in _text(response)


def test_transfer_check_shows_the_rule_and_its_message(client: FlaskClient, data: FakeData) -> None:
    refused = _text(client.get(f"/transfer-check?sender={ALICE}&receiver={DAVE}&amount=5"))
    assert "Refused (code 3):" in refused and "Receiver not verified" in refused
    assert "renew the receiver" in refused
    allowed = _text(client.get(f"/transfer-check?sender={ALICE}&receiver={BOB}&amount=5"))
    assert "Allowed:" in allowed
    assert data.checked == [(ALICE, DAVE, "5"), (ALICE, BOB, "5")]
    assert 'id="answer"' not in _text(client.get("/transfer-check"))


def test_cap_table_now_and_at_a_record_date_with_csv(client: FlaskClient) -> None:
    now = _text(client.get("/captable"))
    assert ALICE in now and BOB in now and "60.00%" in now
    at = _text(client.get("/captable?record_date=1"))
    assert "at record date 1" in at and BOB not in at and "100.00%" in at
    response = client.get("/captable.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(_text(response))))
    assert rows[0] == ["wallet", "balance", "share_percent", "country"]
    assert rows[1] == [ALICE, "6000", "60.000000", "US"]
    assert len(rows) == 4
    dated = list(csv.reader(io.StringIO(_text(client.get("/captable.csv?record_date=1")))))
    assert [r[0] for r in dated[1:]] == [ALICE]


def test_dividends_and_ballots(client: FlaskClient) -> None:
    page = _text(client.get("/corporate"))
    assert "Elect the board" in page and "passed" in page
    assert "open for claims" in page
    # paid 0.6 of 1 ETH, 0.4 unclaimed
    assert ">0.6<" in page and ">0.4<" in page


def test_audit_trail_filters_and_csv(client: FlaskClient) -> None:
    page = _text(client.get("/audit"))
    assert "2 entries" in page and "RoleGranted" in page and "ISSUER_ROLE" in page
    frozen = _text(client.get("/audit?event=InvestorFrozen"))
    assert "1 entries" in frozen and "ISSUER_ROLE" not in frozen
    by_address = _text(client.get(f"/audit?address={BOB[2:12]}"))
    assert "1 entries" in by_address and "RoleGranted" in by_address
    by_block = _text(client.get("/audit?from_block=11&to_block=20"))
    assert "1 entries" in by_block and "InvestorFrozen" in by_block
    rows = list(csv.reader(io.StringIO(_text(client.get("/audit.csv?contract=token")))))
    assert rows[0][:6] == ["block", "time_utc", "tx_hash", "log_index", "contract", "event"]
    assert len(rows) == 2 and rows[1][5] == "RoleGranted" and "role=ISSUER_ROLE" in rows[1][6]


# ---------------------------------------------------------------------------------------------
# Access token
# ---------------------------------------------------------------------------------------------


def test_without_the_token_every_page_is_401(guarded: FlaskClient) -> None:
    for path in ("/", "/registry", "/captable.csv", "/audit.csv", "/import", "/transfer-check"):
        response = guarded.get(path)
        assert response.status_code == 401, path
        assert "access token needed" in _text(response)
        assert ALICE not in _text(response)
    assert (
        guarded.get("/", headers={"Authorization": "Bearer wrong-token-xxxxxxxx"}).status_code
        == 401
    )
    assert guarded.get("/", headers={"X-Sectoken-Token": TOKEN[:-1]}).status_code == 401


def test_the_token_in_a_header_opens_the_pages(guarded: FlaskClient) -> None:
    assert guarded.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert guarded.get("/registry", headers={"X-Sectoken-Token": TOKEN}).status_code == 200


def test_login_sets_a_cookie_that_is_not_the_token(guarded: FlaskClient) -> None:
    wrong = guarded.post("/login", data={"token": "nope", "next": "/registry"})
    assert wrong.status_code == 401 and "not the console's access token" in _text(wrong)
    assert guarded.get_cookie(ACCESS_COOKIE) is None
    right = guarded.post("/login", data={"token": TOKEN, "next": "/registry"})
    assert right.status_code == 303 and right.headers["Location"] == "/registry"
    cookie = guarded.get_cookie(ACCESS_COOKIE)
    assert cookie is not None and TOKEN not in cookie.value and cookie.http_only
    assert guarded.get("/").status_code == 200


def test_login_returns_only_to_a_path_of_the_console(guarded: FlaskClient) -> None:
    response = guarded.post("/login", data={"token": TOKEN, "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"
    response = guarded.post("/login", data={"token": TOKEN, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_listen_address_needs_a_token_off_loopback() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert is_loopback(host)
        check_listen_address(host, None)
    for host in ("0.0.0.0", "192.168.1.10", "::", "example.org"):
        assert not is_loopback(host)
        with pytest.raises(ListenRefused, match="refusing to listen"):
            check_listen_address(host, None)
        check_listen_address(host, TOKEN)
    with pytest.raises(ListenRefused, match="at least 16"):
        check_listen_address("0.0.0.0", "short")


def test_the_server_refuses_before_binding(data: FakeData) -> None:
    with pytest.raises(ListenRefused):
        ConsoleServer(create_app(data), "0.0.0.0", 0, access_token=None)


def test_the_server_serves_on_loopback_and_stops(data: FakeData) -> None:
    import urllib.request

    server = ConsoleServer(create_app(data), "127.0.0.1", 0, access_token=None)
    server.start()
    try:
        with urllib.request.urlopen(f"{server.url}/registry", timeout=10) as reply:
            assert reply.status == 200 and ALICE in reply.read().decode()
    finally:
        server.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{server.url}/", timeout=2)


# ---------------------------------------------------------------------------------------------
# CSRF and read-only mode
# ---------------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_does_nothing(client: FlaskClient) -> None:
    files = {"csv": (io.BytesIO(b"wallet\n"), "x.csv")}
    response = client.post("/import", data=files, content_type="multipart/form-data")
    assert response.status_code == 400 and "CSRF" in _text(response)
    _csrf(client)  # the session now has a token; a wrong one is refused too
    files = {"csv": (io.BytesIO(b"wallet\n"), "x.csv"), "csrf_token": "forged"}
    response = client.post("/import", data=files, content_type="multipart/form-data")
    assert response.status_code == 400 and "CSRF" in _text(response)


def test_the_csrf_token_is_per_browser(data: FakeData) -> None:
    app = create_app(data)
    first, second = app.test_client(), app.test_client()
    token = _csrf(first)
    response = second.post("/import/abc/apply", data={"csrf_token": token, "confirm": "1"})
    assert response.status_code == 400 and "CSRF" in _text(response)


def test_read_only_console_refuses_to_apply(client: FlaskClient) -> None:
    token = _csrf(client)
    response = client.post("/import/abc/apply", data={"csrf_token": token, "confirm": "1"})
    assert response.status_code == 403
    assert "read-only" in _text(response)


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
