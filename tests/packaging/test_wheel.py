"""The package works without this checkout: a wheel built with `python -m build`, installed with
the pinned constraints into a clean virtual environment (one per supported Python: 3.11 and 3.12)
that holds no compiler, deploys a suite on Anvil and issues, transfers and prints a cap table
through the public API (examples/library_quickstart.py, run from an empty folder).

Interpreters: ``python3.11`` / ``python3.12`` on PATH, else ~/.pyenv/versions/3.1x.*; the
environment variable SECTOKEN_WHEEL_PYTHONS (interpreters separated by spaces or commas)
replaces the search. A version with no interpreter is skipped, saying so. Anvil: SECTOKEN_ANVIL,
else ``anvil`` on PATH (`make install` links it into the venv). The durations (build, install
per Python, run per Python) are printed; pip's cache makes repeat installs faster.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "constraints" / "constraints.txt"
QUICKSTART = ROOT / "examples" / "library_quickstart.py"
VERSIONS = ("3.11", "3.12")
PYTHONS_ENV = "SECTOKEN_WHEEL_PYTHONS"
ANVIL_ENV = "SECTOKEN_ANVIL"
# What the wheel's build needs from the checkout (nothing else is copied: no tests, no contracts).
BUILD_INPUTS = ("pyproject.toml", "README.md", "src")
INSTALL_TIMEOUT = 900
RUN_TIMEOUT = 300


def _version_of(python: str) -> str | None:
    """ "3.12" for a working interpreter, None if it does not run (e.g. a pyenv shim for a
    version pyenv does not select here)."""
    try:
        proc = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def _candidates(version: str) -> Iterator[str]:
    on_path = shutil.which(f"python{version}")
    if on_path:
        yield on_path
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for folder in sorted(pyenv.glob(f"{version}.*"), reverse=True):
        yield str(folder / "bin" / f"python{version}")


def find_pythons() -> dict[str, str]:
    """Supported version -> interpreter, for the versions found."""
    override = os.environ.get(PYTHONS_ENV, "").replace(",", " ").split()
    found: dict[str, str] = {}
    if override:
        for python in override:
            version = _version_of(python)
            if version is None:
                raise pytest.UsageError(f"{PYTHONS_ENV}: {python} does not run")
            found.setdefault(version, python)
        return found
    for version in VERSIONS:
        for python in _candidates(version):
            if _version_of(python) == version:
                found[version] = python
                break
    return found


def find_anvil() -> str:
    anvil = os.environ.get(ANVIL_ENV) or shutil.which("anvil")
    if not anvil:
        pytest.fail(f"no anvil: set {ANVIL_ENV} or put anvil on PATH (make install links it)")
    return str(Path(anvil).resolve())


def clean_env(path: str, home: Path) -> dict[str, str]:
    """An environment that knows nothing of the checkout: no PYTHONPATH, no venv, no compiler
    folder, the given PATH, Ape's data folder in the test's temp dir."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "SOLCX", "APE_", "SECTOKEN_", "VIRTUAL_ENV"))
    }
    env.update(PATH=path, APE_DATA_FOLDER=str(home / "ape-data"), PYTHONNOUSERSITE="1")
    return env


@dataclass(slots=True)
class Installed:
    version: str
    venv: Path
    seconds: float
    how: str  # "offline from the wheelhouse" or "from the index"
    log: str  # the commands and pip's output


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """The wheel, built from a copy of the package's sources (the checkout stays untouched)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        item = ROOT / name
        if item.is_dir():
            shutil.copytree(item, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(item, source / name)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(work / "dist"), str(source)],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (built,) = (work / "dist").glob("sectoken-*.whl")
    return built, time.perf_counter() - started


def _run(command: list[str], where: Path, log: list[str]) -> subprocess.CompletedProcess[str]:
    env = clean_env(os.environ.get("PATH", ""), where)
    proc = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=where, timeout=INSTALL_TIMEOUT
    )
    log.append(f"$ {' '.join(command)}\n{proc.stdout}{proc.stderr}")
    return proc


def _pip(venv: Path, *args: str) -> list[str]:
    return [_py(venv), "-m", "pip", *args, "--quiet", "--disable-pip-version-check"]


# No byte-compiling of ~100 packages up front (halves pip's CPU time): Python compiles what the
# run imports.
INSTALL = ("install", "--no-compile", "-c", str(CONSTRAINTS))


def _platform_specific(house: Path) -> list[str]:
    """``name==version`` of the downloaded wheels built for one Python and platform."""
    pins = []
    for wheel in house.glob("*.whl"):
        name, version, *_, abi, platform = wheel.stem.split("-")
        if (abi, platform) != ("none", "any"):
            pins.append(f"{name}=={version}")
    return sorted(pins)


def install_all(pythons: dict[str, str], wheel: Path, where: Path) -> dict[str, Installed]:
    """A clean venv per Python, each holding the wheel and its dependencies at the pinned versions.

    pip resolves the pins against the index once (the first Python, ``pip wheel`` into a
    wheelhouse: downloaded wheels, and wheels built from the three sdists). Then, in parallel,
    each other Python fetches only the wheels built per Python (numpy, pydantic-core and the
    like), and every venv installs from the wheelhouse offline. Where that falls short (say, a
    dependency only another Python needs), the venv is installed from the index instead.
    ``seconds``: the first Python's include the resolution.
    """
    if not pythons:
        return {}
    house = where / "wheelhouse"
    first, *others = sorted(pythons)
    common = house / first
    logs: dict[str, list[str]] = {version: [] for version in pythons}
    started = time.perf_counter()

    def make_venv(version: str) -> Path:
        venv = where / f"venv-{version}"
        proc = _run([pythons[version], "-m", "venv", str(venv)], where, logs[version])
        assert proc.returncode == 0, "\n".join(logs[version])
        return venv

    venv = make_venv(first)
    fetch = _pip(venv, "wheel", "-c", str(CONSTRAINTS), "-w", str(common), str(wheel))
    resolved = _run(fetch, where, logs[first]).returncode == 0

    def install(version: str) -> Installed:
        began = started if version == first else time.perf_counter()
        log = logs[version]
        venv = make_venv(version) if version != first else where / f"venv-{first}"
        own = house / version
        ready = resolved
        if ready and version != first:
            pins = _platform_specific(common)
            ready = _run(_pip(venv, "wheel", "--no-deps", "-w", str(own), *pins), where, log)
            ready = ready.returncode == 0
        links = [a for folder in {common, own} for a in ("--find-links", str(folder))]
        offline = (
            ready
            and _run(_pip(venv, *INSTALL, "--no-index", *links, str(wheel)), where, log).returncode
            == 0
        )
        if not offline:
            online = _run(_pip(venv, *INSTALL, str(wheel)), where, log)
            assert online.returncode == 0, "\n".join(log)
        how = "offline from the wheelhouse" if offline else "from the index"
        return Installed(version, venv, time.perf_counter() - began, how, "\n".join(log))

    with ThreadPoolExecutor(max_workers=1 + len(others)) as pool:
        futures = {version: pool.submit(install, version) for version in [first, *others]}
        return {version: future.result() for version, future in futures.items()}


@pytest.fixture(scope="module")
def installed(
    wheel: tuple[Path, float], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Installed]:
    return install_all(find_pythons(), wheel[0], tmp_path_factory.mktemp("venvs"))


def _py(venv: Path) -> str:
    return str(venv / "bin" / "python")


@pytest.mark.parametrize("version", VERSIONS)
def test_wheel_deploys_issues_transfers_and_prints_a_cap_table(
    version: str,
    wheel: tuple[Path, float],
    installed: dict[str, Installed],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if version not in installed:
        pytest.skip(
            f"no Python {version} here (looked for python{version} on PATH and under "
            f"~/.pyenv/versions; {PYTHONS_ENV} names interpreters explicitly)"
        )
    setup = installed[version]
    venv = setup.venv

    # No compiler anywhere the run can see: not in the venv, not on its PATH.
    pip_list = subprocess.run(
        [_py(venv), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.lower()
    names = {line.split("==")[0] for line in pip_list.splitlines()}
    assert "eth-ape" in names and "sectoken" in names
    assert not names & {"ape-solidity", "py-solc-x", "solc-select", "py-solc"}
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "anvil").symlink_to(find_anvil())
    path = os.pathsep.join([str(venv / "bin"), str(tools), "/usr/bin", "/bin"])
    assert shutil.which("solc", path=path) is None
    assert not any((venv / "bin").glob("solc*"))

    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    env = clean_env(path, tmp_path)
    where = subprocess.run(
        [_py(venv), "-I", "-c", "import sectoken, sys; print(sectoken.__file__, sys.version)"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=True,
    ).stdout
    assert where.startswith(str(venv)), where
    assert f"{version}." in where

    script = cwd / QUICKSTART.name
    shutil.copy2(QUICKSTART, script)
    started = time.perf_counter()
    proc = subprocess.run(
        [_py(venv), "-I", str(script)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=RUN_TIMEOUT,
    )
    run_seconds = time.perf_counter() - started
    out = proc.stdout
    assert proc.returncode == 0, out[-4000:] + proc.stderr[-4000:]

    wallet = r"0x[0-9a-fA-F]{40}"
    assert re.search(rf"^token {wallet}$", out, re.M), out
    assert "investors: 2 rows, 1 transaction(s)" in out
    alice = re.search(rf"^issued 1,000 to ({wallet})$", out, re.M)
    assert alice, out
    bob = re.search(rf"^transferred 250 from {alice[1]} to ({wallet})$", out, re.M)
    assert bob, out
    assert "bob -> carol (not an investor): code 3: Receiver is not verified" in out
    holders = re.findall(rf"^holder ({wallet}) (\d+) ([\d.]+)%$", out, re.M)
    assert holders == [(alice[1], "750", "75.00"), (bob[1], "250", "25.00")]
    assert "supply 1000, holders 2, matches chain: True" in out
    assert "EXS cap table at block" in out and "2 holders, supply 1,000" in out
    assert (cwd / "deployments" / "local.json").is_file()

    # The Ape plugin is registered by the wheel.
    helped = subprocess.run(
        [str(venv / "bin" / "ape"), "sectoken", "--help"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=RUN_TIMEOUT,
    )
    assert helped.returncode == 0, helped.stdout + helped.stderr
    listed = helped.stdout.split("Commands:")[1]
    for name in ("captable", "chain", "deploy", "dividends", "investors", "token", "vote"):
        assert re.search(rf"^  {name}\s", listed, re.M), helped.stdout

    with capsys.disabled():
        print(
            f"\n[wheel] Python {version}: build {wheel[1]:.1f} s (shared), clean venv + pip "
            f"wheel + install {setup.seconds:.1f} s ({setup.how}), quickstart on Anvil "
            f"{run_seconds:.1f} s"
        )
