"""The operating-system programs some tests need, installed from Debian's packages where missing.

The event index is tested on PostgreSQL as well as SQLite (a throw-away cluster started by the
tests from the server's own binaries), and the console is tested in headless Chromium driven
through ChromeDriver. Both come from the distribution, not from PyPI, so ``make test`` asks this
module first: it looks for each program, and installs the missing packages with ``apt-get`` when
it can (root, or password-less sudo). Where it cannot, it prints the command to run; the tests
that need the program are then skipped with that reason, except under CI (``CI=true``), where a
missing program is an error: a CI run must not pass by skipping them.

``python -m sectoken.dev.system_deps [--check]``
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["PACKAGES", "SystemPackage", "main", "missing_packages", "postgres_bin_dir"]


def postgres_bin_dir() -> str | None:
    """The folder with the PostgreSQL server binaries (initdb, pg_ctl), if any: SECTOKEN_PG_BIN,
    else the newest Debian install (by major version), else ``initdb`` on PATH."""
    chosen = os.environ.get("SECTOKEN_PG_BIN", "")
    if chosen and os.path.isfile(os.path.join(chosen, "initdb")):
        return chosen
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _program(name: str, *paths: str) -> Callable[[], bool]:
    def present() -> bool:
        return shutil.which(name) is not None or any(os.path.exists(p) for p in paths)

    return present


@dataclass(frozen=True)
class SystemPackage:
    """One Debian package and how to tell that what it provides is present."""

    package: str
    needed_for: str
    present: Callable[[], bool]


PACKAGES: tuple[SystemPackage, ...] = (
    SystemPackage(
        "postgresql", "the event index's PostgreSQL tests", lambda: postgres_bin_dir() is not None
    ),
    SystemPackage(
        "chromium", "the console's browser tests", _program("chromium", "/usr/bin/chromium")
    ),
    SystemPackage(
        "chromium-driver",
        "the console's browser tests",
        _program("chromedriver", "/usr/bin/chromedriver"),
    ),
)


def missing_packages() -> list[SystemPackage]:
    """The packages whose programs are not found on this machine."""
    return [p for p in PACKAGES if not p.present()]


def _apt_prefix() -> list[str] | None:
    """How to run apt-get as root here, or None when it cannot be done without a password."""
    if shutil.which("apt-get") is None:
        return None
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if (
        sudo
        and subprocess.run([sudo, "-n", "true"], capture_output=True, check=False).returncode == 0
    ):
        return [sudo, "-n"]
    return None


def _install(names: list[str], prefix: list[str]) -> bool:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [*prefix, "apt-get", "install", "-y", "-q", *names]
    if subprocess.run(install, env=env, check=False).returncode == 0:
        return True
    # A fresh machine may have no package lists yet: refresh them once and try again.
    subprocess.run([*prefix, "apt-get", "update", "-q"], env=env, check=False)
    return subprocess.run(install, env=env, check=False).returncode == 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report what is missing")
    args = parser.parse_args(argv)
    missing = missing_packages()
    if not missing:
        return 0
    names = [p.package for p in missing]
    for p in missing:
        print(f"system-deps: {p.package} is missing (needed for {p.needed_for})", file=sys.stderr)
    prefix = None if args.check else _apt_prefix()
    if prefix is not None:
        print(f"system-deps: installing {' '.join(names)} with apt-get", file=sys.stderr)
        if _install(names, prefix) and not missing_packages():
            return 0
    still = [p.package for p in missing_packages()]
    print(
        f"system-deps: run `sudo apt-get install {' '.join(still)}`; until then the tests needing "
        "them are skipped",
        file=sys.stderr,
    )
    return 1 if os.environ.get("CI") == "true" else 0


if __name__ == "__main__":
    sys.exit(main())
