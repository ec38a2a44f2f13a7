"""A persistent local Anvil for real work: started once, kept across restarts, stopped cleanly.

Not the throw-away node of the tests and the demo (Ape starts and stops that one on a free port):
this one listens on ``127.0.0.1:8545`` by default, keeps its chain in ``.node/state.json``
(``anvil --state``: loaded at start, dumped every few seconds and on exit), and runs in the
background with its pid in ``.node/anvil.pid`` and its output in ``.node/anvil.log``.

Command line: ``python -m sectoken.dev.devnode start|stop|status [--port N] [--dir DIR]`` (``make
node`` / ``make node-stop`` / ``make node-status``). From Python (tests, other tools)::

    with running_node(state_dir=tmp_path) as node:   # a free port, its own state folder
        ...node.url...
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sectoken.chain.rpc import NodeNotRunning, rpc_call
from sectoken.errors import SectokenError

__all__ = [
    "DEFAULT_DIR",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEV_CHAIN_ID",
    "DevNode",
    "NodeNotRunning",
    "find_anvil",
    "free_port",
    "rpc_call",
    "running_node",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8545
DEFAULT_DIR = Path(".node")
DEV_CHAIN_ID = 31337
# Ape's default test mnemonic: the node's funded accounts are Ape's `accounts.test_accounts`.
MNEMONIC = "test test test test test test test test test test test junk"
ACCOUNTS = 10
STATE_INTERVAL = 2  # seconds between state dumps while running (a crash loses at most this)
ROOT = Path(__file__).resolve().parents[3]


def find_anvil() -> str:
    """The anvil binary: ``$SECTOKEN_ANVIL``, then PATH, then the project's node_modules."""
    candidates = [os.environ.get("SECTOKEN_ANVIL"), shutil.which("anvil")]
    candidates.append(str(ROOT / "node_modules" / ".bin" / "anvil"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise SectokenError(
        "anvil not found (PATH, node_modules/.bin)",
        hint="run `make install` (it installs Anvil from npm and links it into .venv/bin)",
    )


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited child not yet reaped) is not alive
    with contextlib.suppress(OSError):
        status = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()
        if status and status[0] == "Z":
            return False
    return True


@dataclass(frozen=True, slots=True)
class NodeStatus:
    url: str
    running: bool
    pid: int | None
    chain_id: int | None = None
    block: int | None = None
    timestamp: int | None = None

    def describe(self) -> str:
        from sectoken.model.dates import format_timestamp

        if not self.running:
            return f"no node at {self.url}" + (f" (stale pid {self.pid})" if self.pid else "")
        when = format_timestamp(self.timestamp) if self.timestamp is not None else "?"
        owner = f"pid {self.pid}" if self.pid else "not started by this folder"
        return (
            f"node at {self.url} ({owner}): chain {self.chain_id}, block {self.block}, "
            f"chain time {when}"
        )


@dataclass(frozen=True, slots=True)
class DevNode:
    """One persistent Anvil: where it listens and the folder holding its state, pid and log."""

    state_dir: Path = DEFAULT_DIR
    port: int = DEFAULT_PORT
    host: str = DEFAULT_HOST

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "anvil.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "anvil.log"

    def pid(self) -> int | None:
        """The pid recorded in the pid file if that process still runs."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    def answers(self) -> bool:
        try:
            rpc_call(self.url, "eth_chainId", timeout=2)
        except SectokenError:
            return False
        return True

    def command(self, anvil: str | None = None) -> list[str]:
        from sectoken.dev.toolchain import read_solidity_config

        cmd = [
            anvil or find_anvil(),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--chain-id",
            str(DEV_CHAIN_ID),
            "--mnemonic",
            MNEMONIC,
            "--accounts",
            str(ACCOUNTS),
            "--state",
            str(self.state_file.resolve()),
            "--state-interval",
            str(STATE_INTERVAL),
        ]
        # Not --preserve-historical-states: it stores every block's state in the file (about
        # 100 kB a block here), so a few thousand blocks would make gigabytes to dump every few
        # seconds. Blocks, receipts and logs are kept; after a restart, calls at a block mined
        # before it are answered from the latest state only (`captable --block N`).
        with contextlib.suppress(Exception):
            cmd += ["--hardfork", read_solidity_config(ROOT).evm_version]
        return cmd

    def start(self, *, timeout: float = 30.0) -> NodeStatus:
        """Start Anvil in the background (or find it running); return once it answers."""
        pid = self.pid()
        if pid is not None and self.answers():
            return self.status()
        if self.answers():
            raise SectokenError(
                f"something else already answers at {self.url} (not started from {self.state_dir})",
                hint="stop that node, or start this one on another port (--port N)",
            )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self.state_file.is_file() and self.state_file.stat().st_size == 0:
            self.state_file.unlink()  # an empty dump (killed mid-write) would refuse to load
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives `make node`; not killed by the shell's ^C
            )
        self.pid_file.write_text(f"{process.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise SectokenError(
                    f"anvil exited at start with status {process.returncode}",
                    hint=f"see {self.log_file} (last lines: {self._log_tail()})",
                )
            if self.answers():
                self._resume_clock()
                return self.status()
            time.sleep(0.1)
        self._terminate(process.pid, timeout=5)
        raise SectokenError(
            f"anvil did not answer at {self.url} within {timeout:.0f} s",
            hint=f"see {self.log_file}",
        )

    def _resume_clock(self) -> None:
        """Keep block times increasing across a restart.

        Anvil's state file keeps the blocks but not a clock moved forward (``ape run chain
        advance``): restarted, the node would stamp the next block with the wall-clock time, before
        the latest block. When the chain is ahead of the wall clock, its clock restarts from the
        latest block's time (the time the node was stopped does not pass on the chain).
        """
        latest = rpc_call(self.url, "eth_getBlockByNumber", ["latest", False])
        stamp = int(latest["timestamp"], 16)
        if stamp >= int(time.time()):
            rpc_call(self.url, "evm_setTime", [stamp + 1])

    def stop(self, *, timeout: float = 20.0) -> bool:
        """Stop the node started from this folder (it dumps its state on the way out)."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        self._terminate(pid, timeout=timeout)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _terminate(self, pid: int, *, timeout: float) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
            if not _pid_alive(pid):
                return
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    def status(self) -> NodeStatus:
        pid = self.pid()
        try:
            chain_id = int(rpc_call(self.url, "eth_chainId", timeout=2), 16)
            block = rpc_call(self.url, "eth_getBlockByNumber", ["latest", False], timeout=2)
        except SectokenError:
            return NodeStatus(self.url, False, pid)
        return NodeStatus(
            self.url,
            True,
            pid,
            chain_id=chain_id,
            block=int(block["number"], 16),
            timestamp=int(block["timestamp"], 16),
        )

    def _log_tail(self, lines: int = 3) -> str:
        try:
            text = self.log_file.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return " | ".join(text[-lines:])


@contextlib.contextmanager
def running_node(state_dir: str | Path, *, port: int | None = None) -> Iterator[DevNode]:
    """A persistent node on a free port with its own state folder, stopped on exit."""
    node = DevNode(state_dir=Path(state_dir), port=port or free_port())
    node.start()
    try:
        yield node
    finally:
        node.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sectoken.dev.devnode",
        description="The persistent local Anvil (state kept in DIR/state.json across restarts).",
    )
    parser.add_argument("action", choices=["start", "stop", "status", "restart"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="state, pid and log folder")
    args = parser.parse_args(argv)
    node = DevNode(state_dir=args.dir, port=args.port)
    try:
        if args.action in ("stop", "restart"):
            stopped = node.stop()
            print(f"stopped the node at {node.url}" if stopped else f"no node from {args.dir}")
            if args.action == "stop":
                return 0
        if args.action == "status":
            status = node.status()
            print(status.describe())
            return 0 if status.running else 3
        kept = node.state_file.is_file()
        status = node.start()
        print(status.describe())
        print(
            f"state: {node.state_file} ({'loaded' if kept else 'new chain'}); "
            f"log: {node.log_file}; stop it with `make node-stop`"
        )
    except SectokenError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"what to do: {exc.hint}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
