"""A throw-away PostgreSQL server for the index's tests and benchmark (development tooling).

``ThrowawayCluster.find()`` locates Debian's server binaries (package ``postgresql``:
``/usr/lib/postgresql/<version>/bin``, or the folder in SECTOKEN_PG_BIN, or ``initdb`` on PATH).
``start()`` makes a cluster in a new temp dir (``initdb``, trust authentication, no fsync) and
starts it on 127.0.0.1 on a free port with its unix socket in the temp dir; ``stop()`` stops it
and deletes the dir. ``initdb`` and ``postgres`` refuse to run as root: as root both run as the
``postgres`` user (``runuser``), which gets the temp dir.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from sectoken.dev.system_deps import postgres_bin_dir

__all__ = ["ThrowawayCluster", "find_binaries"]


def find_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None (``system_deps.postgres_bin_dir``:
    the one lookup that ``make test``'s install check uses too)."""
    found = postgres_bin_dir()
    return Path(found) if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ThrowawayCluster:
    """A PostgreSQL cluster in a temp dir, for as long as the caller needs it."""

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
            owner = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
            self.root.chmod(0o755)
            self.as_user = ["runuser", "-u", "postgres", "--"]
            self.user = "postgres"

    @classmethod
    def find(cls) -> ThrowawayCluster | None:
        """A cluster (not started) if the binaries are installed."""
        bin_dir = find_binaries()
        return None if bin_dir is None else cls(bin_dir)

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        """initdb and start; raises ``subprocess.CalledProcessError`` (stderr attached)."""
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                  "-U", self.user, "--no-sync")  # fmt: skip
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.socket_dir} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.root / "server.log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        """Stop the server (if it runs) and delete the temp dir."""
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str) -> str:
        """A new empty database; its SQLAlchemy URL (psycopg 3)."""
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", self.user, name)  # fmt: skip
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{name}"
