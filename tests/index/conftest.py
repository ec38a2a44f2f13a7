"""Fixtures for the event index tests: a deployed suite, and the two database back ends.

Every test taking ``db_url`` runs twice: on SQLite (a file in the test's temp dir) and on
PostgreSQL. The PostgreSQL server is a throw-away cluster made for the session with Debian's
binaries (``initdb``, ``pg_ctl``; package ``postgresql``) by ``sectoken.dev.pgcluster``: created
in a temp dir, started on 127.0.0.1 on a free port with its unix socket in the temp dir, stopped
and deleted at the end (as root it runs as the ``postgres`` user: initdb refuses root). Without
the binaries the PostgreSQL half is skipped with the reason (set SECTOKEN_PG_BIN to their folder
if they live elsewhere).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sectoken.chain.client import ChainClient
from sectoken.chain.suite import Suite, open_suite
from sectoken.dev.pgcluster import ThrowawayCluster
from sectoken.index.sync import EventIndex, Source, open_index, sources_of
from sectoken.jobs.deploy import apply_deploy, plan_deploy
from sectoken.model.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
# The test modules here import their helpers from index_support (pytest runs in importlib mode).
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
_databases = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[ThrowawayCluster]:
    cluster = ThrowawayCluster.find()
    if cluster is None:
        pytest.skip(
            "PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's postgresql "
            "package, or set SECTOKEN_PG_BIN"
        )
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        cluster.stop()
        pytest.fail(f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """A factory of empty databases of the back end (each call: a new database)."""

    def make() -> str:
        number = next(_databases)
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / f'index{number}.sqlite'}"
        cluster: ThrowawayCluster = request.getfixturevalue("pg_cluster")
        return cluster.create_database(f"index{os.getpid()}_{number}")

    return make


@pytest.fixture
def open_db() -> Iterator[Callable[[str], EventIndex]]:
    """``open_db(url)``: an ``EventIndex`` closed at the end of the test."""
    opened: list[EventIndex] = []

    def make(url: str) -> EventIndex:
        index = open_index(url)
        opened.append(index)
        return index

    yield make
    for index in opened:
        index.close()


@pytest.fixture
def suite(project: Any, deployer: Any, tmp_path: Path) -> Suite:
    """The example suite deployed by ``deployer`` (every role held by the deployer)."""
    from ape import networks

    w3 = networks.provider.web3
    directory = tmp_path / "deployments"
    spec = load_spec(ROOT / "examples" / "spec.yaml")
    plan = plan_deploy(project, spec, deployer, w3=w3, network="local", directory=directory)
    apply_deploy(project, plan, deployer, w3=w3)
    return open_suite(project, directory, network="local")


@pytest.fixture
def client(suite: Suite) -> ChainClient:
    return suite.client


@pytest.fixture
def sources(suite: Suite) -> list[Source]:
    return sources_of(suite.deployment)
