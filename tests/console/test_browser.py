"""The console in a real headless Chromium (selenium + Debian's chromium and chromium-driver):
the import flow with a bad CSV, its errors, the fix, the plan and the apply; the transfer check;
the cap table; a screenshot of every page under out/console-screenshots/ (SECTOKEN_SCREENSHOTS
moves it) for a person to look at.

Skipped, saying why, when /usr/bin/chromium or /usr/bin/chromedriver is missing (CI installs
them: apt-get install chromium chromium-driver).
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from console_support import HEADER, ROOT, Populated, corporate_actions, investor_lines, wallet

CHROMIUM = os.environ.get("SECTOKEN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SECTOKEN_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = Path(os.environ.get("SECTOKEN_SCREENSHOTS", ROOT / "out" / "console-screenshots"))
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1600",
)

_missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
pytestmark = pytest.mark.skipif(
    bool(_missing),
    reason=f"browser tests need Debian's chromium and chromium-driver ({', '.join(_missing)} "
    "missing): apt-get install chromium chromium-driver",
)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def _shot(driver: Any, name: str) -> Path:
    """Screenshot of the whole page (window grown to the page's height)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.set_window_size(1400, max(900, min(height + 40, 6000)))
    path = SCREENSHOTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), path
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    return path


def _wait_for(driver: Any, css: str, *, timeout: float = 60, text: str | None = None) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)
    if text is not None:
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def _upload(driver: Any, url: str, path: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/import")
    driver.find_element(By.ID, "csv-file").send_keys(str(path))
    driver.find_element(By.ID, "check").click()


def test_import_bad_csv_errors_fix_plan_apply(
    browser: Any, live_console: str, populated: Populated, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    new = [wallet(20 + i) for i in range(5)]
    lines = investor_lines(new)
    bad = [
        HEADER,
        lines[0],
        lines[1].replace(",US,", ",Atlantis,"),
        lines[2].replace("2030-12-31", "31/12/2030"),
        lines[3],
        "0x1234," + lines[4].split(",", 1)[1],
    ]
    bad_file = tmp_path / "investors-bad.csv"
    bad_file.write_text("\n".join(bad) + "\n", encoding="utf-8")
    _upload(browser, live_console, bad_file)
    summary = _wait_for(browser, "#errors-summary")
    assert "3 error(s)" in summary.text
    cells = [
        [td.text for td in row.find_elements(By.TAG_NAME, "td")]
        for row in browser.find_elements(By.CSS_SELECTOR, "#errors tr")[1:]
    ]
    assert [(c[0], c[1]) for c in cells] == [("3", "country"), ("4", "kyc_expiry"), ("6", "wallet")]
    assert not browser.find_elements(By.ID, "apply")
    _shot(browser, "import-1-errors")

    fixed = tmp_path / "investors.csv"
    fixed.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    _upload(browser, live_console, fixed)
    plan = _wait_for(browser, "#plan-summary")
    assert "5 to add, 0 to update, 0 to remove" in plan.text
    batches = browser.find_elements(By.CSS_SELECTOR, "#batches tr")[1:]
    assert len(batches) == 1 and "registry.setInvestors(5 wallets)" in batches[0].text
    _shot(browser, "import-2-plan")

    browser.find_element(By.ID, "apply").click()  # without the confirmation box
    assert "tick the box" in _wait_for(browser, "#error").text
    assert populated.suite.registry.recordOf(new[0]) == 0
    browser.back()
    browser.refresh()
    _wait_for(browser, "#confirm").click()
    browser.find_element(By.ID, "apply").click()
    progress = _wait_for(browser, "#progress", text="Done.", timeout=120)
    assert "1 of 1 transaction(s), 5 investor(s) sent" in progress.text
    assert "applied: 5 to add" in progress.text
    _shot(browser, "import-3-applied")
    assert all(populated.suite.registry.recordOf(w) != 0 for w in new)

    browser.get(f"{live_console}/registry?q={new[0][2:10]}")
    assert new[0] in _wait_for(browser, "#investors").text


def test_transfer_check_in_the_browser(
    browser: Any, live_console: str, populated: Populated
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{live_console}/transfer-check")
    browser.find_element(By.NAME, "sender").send_keys(populated.first)
    browser.find_element(By.NAME, "receiver").send_keys(populated.stranger)
    browser.find_element(By.NAME, "amount").send_keys("10")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    answer = _wait_for(browser, "#answer.bad")
    assert "Refused (code" in answer.text and "not verified" in answer.text.lower()
    _shot(browser, "transfer-check-refused")

    receiver = browser.find_element(By.NAME, "receiver")
    receiver.clear()
    receiver.send_keys(populated.second)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert "Allowed:" in _wait_for(browser, "#answer.ok").text
    _shot(browser, "transfer-check-allowed")


def test_cap_table_in_the_browser(browser: Any, live_console: str, populated: Populated) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(f"{live_console}/captable")
    holders = _wait_for(browser, "#holders").text
    assert populated.first in holders and "70.00%" in holders
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) == 2
    _shot(browser, "captable-now")

    Select(browser.find_element(By.NAME, "record_date")).select_by_value("1")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    _wait_for(browser, "h1", text="at record date 1")
    holders = browser.find_element(By.ID, "holders").text
    assert populated.second not in holders and "100.00%" in holders
    _shot(browser, "captable-record-date-1")

    link = browser.find_element(By.ID, "csv").get_attribute("href")
    with urllib.request.urlopen(link, timeout=30) as reply:
        body = reply.read().decode()
    assert body.splitlines() == [
        "wallet,balance,share_percent,country",
        f"{populated.first},700,100.000000,US",
    ]


@pytest.mark.parametrize(
    ("path", "name", "expect"),
    [
        ("/", "dashboard", "Holders per country"),
        ("/registry", "registry", "investors shown"),
        ("/corporate", "dividends-ballots", "Dividends"),
        ("/audit", "audit-trail", "RoleGranted"),
    ],
)
def test_every_other_page_renders(
    browser: Any, live_console: str, path: str, name: str, expect: str
) -> None:
    browser.get(f"{live_console}{path}")
    assert expect in _wait_for(browser, "main").text
    _shot(browser, name)


def test_dividends_and_ballots_in_the_browser(
    browser: Any, live_console: str, populated: Populated, deployer: Any, alice: Any, chain: Any
) -> None:
    from selenium.webdriver.common.by import By

    corporate_actions(populated, deployer, alice, chain)
    browser.get(f"{live_console}/corporate")
    table = _wait_for(browser, "#distributions").text
    assert "open for claims" in table
    assert "passed: 'yes' leads" in browser.find_element(By.TAG_NAME, "main").text
    _shot(browser, "dividends-ballots-with-data")


def test_access_token_login_in_the_browser(
    browser: Any, populated: Populated, console_settings: Any
) -> None:
    """With an access token, the browser gets the login page first, then the console."""
    from dataclasses import replace

    from selenium.webdriver.common.by import By

    from sectoken.console.app import create_app
    from sectoken.console.server import ConsoleServer
    from sectoken.console.suite_data import SuiteData

    token = "browser-test-token-0123456789"
    settings = replace(console_settings, access_token=token)
    server = ConsoleServer(
        create_app(SuiteData(populated.suite), settings), "127.0.0.1", 0, access_token=token
    )
    server.start()
    try:
        browser.get(f"{server.url}/captable")
        assert "access token needed" in _wait_for(browser, "h1").text
        assert populated.first not in browser.page_source
        browser.find_element(By.NAME, "token").send_keys("not-the-token-at-all")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert "not the console's access token" in _wait_for(browser, "#login-failed").text
        _shot(browser, "login-refused")
        browser.find_element(By.NAME, "token").send_keys(token)
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert populated.first in _wait_for(browser, "#holders").text
        cookie = browser.get_cookie("sectoken_access")
        assert cookie is not None and token not in cookie["value"] and cookie["httpOnly"]
    finally:
        server.stop()


def test_audit_trail_from_the_event_index_in_the_browser(
    browser: Any, populated: Populated, console_settings: Any, tmp_path: Path
) -> None:
    """`ape run console --index`: the audit trail is a query over the index (SQLite here)."""
    from dataclasses import replace

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from sectoken.console.app import create_app
    from sectoken.console.index_data import IndexedData
    from sectoken.console.server import ConsoleServer
    from sectoken.index.sync import open_index

    index = open_index(f"sqlite:///{tmp_path / 'index.sqlite'}")
    settings = replace(console_settings, source_label=f"event index {index.url}")
    server = ConsoleServer(
        create_app(IndexedData(populated.suite, index), settings),
        "127.0.0.1",
        0,
        access_token=None,
    )
    server.start()
    try:
        browser.get(f"{server.url}/audit")
        assert "RoleGranted" in _wait_for(browser, "#entries").text
        assert "event index sqlite" in browser.find_element(By.CSS_SELECTOR, ".source").text
        Select(browser.find_element(By.NAME, "event")).select_by_visible_text("InvestorAdded")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        _wait_for(browser, "#count", text="2 entries")
        rows = browser.find_elements(By.CSS_SELECTOR, "#entries tr")[1:]
        assert len(rows) == 2 and all("InvestorAdded" in r.text for r in rows)
        assert populated.first in rows[0].text or populated.first in rows[1].text
        _shot(browser, "audit-trail-index-filtered")
    finally:
        server.stop()
        index.close()
