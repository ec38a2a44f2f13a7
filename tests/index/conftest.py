"""Fixtures for the event index tests: a deployed suite, and the two database back ends.

Every test taking ``db_url`` runs twice: on SQLite (a file in the test's temp dir) and on
PostgreSQL. The PostgreSQL server is a throw-away cluster made for the session with Debian's
binaries (``initdb``, ``pg_ctl``; package ``postgresql``): created in a temp dir, started on
127.0.0.1 on a free port with its unix socket in the temp dir, stopped and deleted at the end.
``initdb`` refuses to run as root: as root the cluster is made and run as the ``postgres``
user (``runuser``), with the temp dir handed to that user. Without the binaries the PostgreSQL
half is skipped with the reason (set SECTOKEN_PG_BIN to their folder if they live elsewhere).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sectoken.chain.client import ChainClient
from sectoken.chain.suite import Suite, open_suite
from sectoken.index.sync import EventIndex, Source, open_index, sources_of
from sectoken.jobs.deploy import apply_deploy, plan_deploy
from sectoken.model.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
# The test modules here import their helpers from index_support (pytest runs in importlib mode).
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))
PG_BIN_CANDIDATES = [
    os.environ.get("SECTOKEN_PG_BIN", ""),
    *sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), reverse=True),
]
_databases = itertools.count()


def _pg_bin() -> Path | None:
    for candidate in PG_BIN_CANDIDATES:
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Cluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="sectoken-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.socket_dir.mkdir()
        self.port = _free_port()
        self.as_user: list[str] = []
        self.user = pwd.getpwuid(os.getuid()).pw_name
        if os.getuid() == 0:
            # initdb and postgres refuse root: run them as the postgres user
            owner = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            self.root.chmod(0o755)
            self.as_user = ["runuser", "-u", "postgres", "--"]
            self.user = "postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            self.user,
            "--no-sync",
        )
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.socket_dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        self._run(
            str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
            "-U", self.user, name,
        )  # fmt: skip
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[_Cluster]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's postgresql "
            "package, or set SECTOKEN_PG_BIN"
        )
    cluster = _Cluster(bin_dir)
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
        cluster: _Cluster = request.getfixturevalue("pg_cluster")
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
