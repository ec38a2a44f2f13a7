"""Fixtures of the console tests: a deployed example suite with holders, the console on it.

The unit tests (test_app.py) need none of this: they run the web layer on an in-memory
ConsoleData. The chain-backed tests run the console in this process, on the chain Ape started
for the session, so the pages read exactly the state the test built; Ape's isolation undoes
what the console sends.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sectoken.chain.suite import open_suite
from sectoken.console.app import ConsoleSettings, create_app
from sectoken.console.imports import Importer
from sectoken.console.server import ConsoleServer
from sectoken.console.suite_data import SuiteData
from sectoken.jobs.deploy import apply_deploy, plan_deploy
from sectoken.model.records import InvestorRecord
from sectoken.model.spec import load_spec

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from console_support import KYC_2030, ROOT, Populated, wallet  # noqa: E402


@pytest.fixture
def populated(
    project: Any, deployer: Any, alice: Any, bob: Any, tmp_path: Path, chain: Any
) -> Populated:
    from ape import networks

    w3 = networks.provider.web3
    spec = load_spec(ROOT / "examples" / "spec.yaml")
    deployments = tmp_path / "deployments"
    plan = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=deployments)
    apply_deploy(project, plan, deployer, w3=w3)
    suite = open_suite(project, deployments, network="local")
    first, second, stranger = alice.address, bob.address, wallet(3)
    record = InvestorRecord(kyc_expiry=KYC_2030, country=840, accredited=True).pack()
    suite.registry.setInvestors([first, second], [record, record], sender=deployer)
    token = suite.require("token")
    token.issue(first, 700, b"", sender=deployer)
    now = int(w3.eth.get_block("latest")["timestamp"])
    token.scheduleRecordDate(now + 100, sender=deployer)
    chain.mine(deltatime=101)
    token.issue(second, 300, b"", sender=deployer)
    return Populated(suite, first, second, stranger)


@pytest.fixture
def importer(populated: Populated, deployer: Any, tmp_path: Path) -> Importer:
    return Importer(populated.suite, deployer, tmp_path / "uploads")


@pytest.fixture
def console_settings(importer: Importer) -> ConsoleSettings:
    return ConsoleSettings(importer=importer, account_label="deployer")


@pytest.fixture
def live_console(populated: Populated, console_settings: ConsoleSettings) -> Iterator[str]:
    """The console served on 127.0.0.1 (a free port) for the test; stopped after it."""
    app = create_app(SuiteData(populated.suite), console_settings)
    server = ConsoleServer(app, "127.0.0.1", 0, access_token=None)
    server.start()
    try:
        yield server.url
    finally:
        assert console_settings.importer is not None
        console_settings.importer.wait(60)
        server.stop()
