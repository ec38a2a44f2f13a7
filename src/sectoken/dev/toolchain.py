"""Resolve the Solidity compiler and the Anvil node that sectoken builds and tests with.

The compiler version and the EVM version live in one place, the ``solidity:`` section of
``ape-config.yaml``. This module makes an executable of exactly that compiler version available
where py-solc-x and ape-solidity look for it (``$SOLCX_BINARY_PATH/solc-v<version>``, by default
the project-local folder ``.solcx/``), trying in order:

1. a native ``solc`` of the pinned version already in that folder or on ``PATH``;
2. py-solc-x's own ``install_solc`` (a download; it must fail fast where its host is unreachable);
3. the npm ``solc`` package (the official Emscripten build), behind a small Node program
   (``solc_shim.js``) registered as ``solc-v<version>``.

Whatever is chosen must report the configured version; anything else is an error. It also links
the npm Anvil into the virtual environment's ``bin/`` so that ape-foundry finds it on ``PATH``.

Command line (called by ``make install``)::

    python -m sectoken.dev.toolchain setup      # register compiler, link anvil, print what is used
    python -m sectoken.dev.toolchain check      # print what is registered, change nothing
    python -m sectoken.dev.toolchain env        # print the environment exports for a shell
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from sectoken.errors import SectokenError

__all__ = [
    "AnvilNotFoundError",
    "Compiler",
    "CompilerVersionMismatchError",
    "ConfigError",
    "NodeNotFoundError",
    "SolcPackageError",
    "SolidityConfig",
    "Toolchain",
    "ToolchainError",
    "compiler_version",
    "current_compiler",
    "find_anvil",
    "find_project_root",
    "link_anvil",
    "main",
    "mirror_solidity_package",
    "prepare_dependencies",
    "read_solidity_config",
    "register_solcjs",
    "resolve_compiler",
    "setup",
    "solcx_folder",
]

CONFIG_FILE = "ape-config.yaml"
SOLCX_ENV = "SOLCX_BINARY_PATH"
DEFAULT_SOLCX_DIR = ".solcx"
DEFAULT_APE_DATA_DIR = ".ape"
NO_DOWNLOAD_ENV = "SECTOKEN_SOLC_DOWNLOAD"
SHIM_MARKER = "# sectoken solc-js launcher"
SHIM_FILE = Path(__file__).with_name("solc_shim.js")
# npm packages of Solidity sources that ape-config.yaml declares as `local:` dependencies.
# Ape lists at most 500 files of a source folder (ape.managers.project: max_files=500) and
# unpacks each dependency into contracts/.cache; the npm OpenZeppelin package has 507 files
# (half of them build/*.json artifacts that Ape would also treat as sources), so it is mirrored
# with its .sol files only.
NPM_SOLIDITY_MIRRORS = {"@openzeppelin/contracts": Path(".deps") / "openzeppelin-contracts"}
MIRROR_STAMP = ".sectoken-mirror.json"
# The same pattern py-solc-x uses to read `solc --version`.
VERSION_REGEX = re.compile(r"(\d+\.\d+\.\d+)(?:-nightly\.\d+\.\d+\.\d+|)(\+commit\.\w+)")

CompilerKind = Literal["native", "downloaded", "solc-js"]


class ToolchainError(SectokenError, RuntimeError):
    """A toolchain problem, with the fix spelled out for the user (``hint`` is the fix)."""

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message, hint=fix)
        self.fix = fix
        # The toolchain's own layout: the fix on a line of its own.
        self.args = (f"{message}\n  Fix: {fix}" if fix else message,)


class ConfigError(ToolchainError):
    """ape-config.yaml is missing or does not name the compiler and EVM versions."""


class NodeNotFoundError(ToolchainError):
    """The ``node`` executable (needed for the npm solc package) is not available."""


class SolcPackageError(ToolchainError):
    """The npm ``solc`` package is missing or is not the configured version."""


class CompilerVersionMismatchError(ToolchainError):
    """A compiler reports a different version than ape-config.yaml names."""


class AnvilNotFoundError(ToolchainError):
    """No Anvil executable was found."""


@dataclass(frozen=True)
class SolidityConfig:
    """The compiler settings from ape-config.yaml."""

    version: str
    evm_version: str
    anvil_hardfork: str | None


@dataclass(frozen=True)
class Compiler:
    """A registered compiler executable and what it is."""

    path: Path
    version: str  # e.g. "0.8.30+commit.73712a01"
    kind: CompilerKind
    origin: str  # human-readable: where it came from

    @property
    def base_version(self) -> str:
        return self.version.split("+", 1)[0]

    def describe(self) -> str:
        return f"solc {self.version} ({self.kind}: {self.origin}) at {self.path}"


@dataclass(frozen=True)
class Toolchain:
    """The result of :func:`setup`."""

    compiler: Compiler
    anvil: Path
    anvil_version: str


# --------------------------------------------------------------------------- configuration


def find_project_root(start: Path | None = None) -> Path:
    """The nearest directory at or above ``start`` (default: cwd) holding ape-config.yaml."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise ConfigError(
        f"no {CONFIG_FILE} found in {here} or any parent directory",
        "run this from inside the sectoken project",
    )


def read_solidity_config(root: Path) -> SolidityConfig:
    """Read ``solidity.version``, ``solidity.evm_version`` and ``foundry.evm_version``."""
    path = root / CONFIG_FILE
    try:
        data: Any = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    solidity = data.get("solidity") if isinstance(data, dict) else None
    if not isinstance(solidity, dict):
        raise ConfigError(f"{path} has no `solidity:` section", "add `solidity: {version: ...}`")
    version = str(solidity.get("version") or "").strip()
    if not re.fullmatch(r"\d+\.\d+\.\d+", version):
        raise ConfigError(
            f"{path}: `solidity.version` must be an exact version like 0.8.30, got {version!r}",
            "pin one exact compiler version in ape-config.yaml",
        )
    evm_version = str(solidity.get("evm_version") or "").strip()
    if not evm_version:
        raise ConfigError(
            f"{path}: `solidity.evm_version` is not set",
            "name the EVM version (e.g. prague) in ape-config.yaml",
        )
    foundry = data.get("foundry")
    hardfork = foundry.get("evm_version") if isinstance(foundry, dict) else None
    return SolidityConfig(
        version=version,
        evm_version=evm_version,
        anvil_hardfork=str(hardfork) if hardfork else None,
    )


def solcx_folder(root: Path) -> Path:
    """Where compilers are registered: ``$SOLCX_BINARY_PATH`` or ``<project>/.solcx``."""
    configured = os.environ.get(SOLCX_ENV)
    return Path(configured).resolve() if configured else root / DEFAULT_SOLCX_DIR


# --------------------------------------------------------------------------- compilers


def compiler_version(executable: Path | str, timeout: float = 60.0) -> str:
    """Run ``<executable> --version`` and return e.g. ``0.8.30+commit.73712a01``."""
    try:
        proc = subprocess.run(
            [str(executable), "--version"],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolchainError(f"cannot run `{executable} --version`: {exc}") from exc
    match = VERSION_REGEX.search(proc.stdout)
    if proc.returncode != 0 or match is None:
        detail = (proc.stderr or proc.stdout).strip()
        raise ToolchainError(
            f"`{executable} --version` did not report a solc version "
            f"(exit {proc.returncode}): {detail[:500]}"
        )
    return match.group(1) + match.group(2)


def _is_solcjs_launcher(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    return SHIM_MARKER.encode() in head


def _version_matches(executable: Path, version: str) -> str | None:
    """The full version if ``executable`` is solc ``version``; None if not runnable/other."""
    try:
        full = compiler_version(executable)
    except ToolchainError:
        return None
    return full if full.split("+", 1)[0] == version else None


def _check_version(executable: Path, version: str) -> str:
    full = compiler_version(executable)
    if full.split("+", 1)[0] != version:
        raise CompilerVersionMismatchError(
            f"{executable} is solc {full}, but ape-config.yaml names solc {version}",
            f"remove {executable} and run `make install`, or change `solidity.version` in "
            "ape-config.yaml together with the `solc` version in package.json",
        )
    return full


def _place(source: Path, target: Path) -> None:
    """Make ``target`` a symlink to ``source``, atomically replacing what was there."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(source.resolve())
    os.replace(tmp, target)


def _write_executable(target: Path, text: str) -> None:
    """Write an executable file atomically (other processes may be running it)."""
    if not target.is_symlink() and target.is_file() and target.read_text() == text:
        return
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.chmod(0o755)
    os.replace(tmp, target)


def find_native_solc(version: str, folder: Path) -> Compiler | None:
    """Step 1: a native solc of ``version`` registered in ``folder`` or on PATH."""
    registered = folder / f"solc-v{version}"
    if registered.exists() and not _is_solcjs_launcher(registered):
        full = _check_version(registered, version)
        return Compiler(registered, full, "native", f"already in {folder}")
    for name in (f"solc-{version}", f"solc-v{version}", "solc"):
        found = shutil.which(name)
        if not found or Path(found).resolve() == registered.resolve():
            continue
        on_path = _version_matches(Path(found), version)
        if on_path is not None:
            _place(Path(found), registered)
            return Compiler(registered, on_path, "native", f"found on PATH as {found}")
    return None


def download_solc(version: str, folder: Path, timeout: float = 5.0) -> Compiler | None:
    """Step 2: py-solc-x's ``install_solc``; None when its host cannot be reached in time."""
    import solcx

    folder.mkdir(parents=True, exist_ok=True)
    saved_env = os.environ.pop(SOLCX_ENV, None)  # it would override solcx_binary_path
    saved_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)  # requests/urllib3 use it when given no timeout
    try:
        with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as tmp:
            try:
                solcx.install_solc(version, solcx_binary_path=tmp)
            except Exception as exc:  # network, HTTP status, unsupported platform, ...
                print(
                    f"sectoken: solc {version} download not available ({type(exc).__name__}); "
                    "falling back",
                    file=sys.stderr,
                )
                return None
            fetched = Path(tmp) / f"solc-v{version}"
            if not fetched.exists():
                return None
            target = folder / f"solc-v{version}"
            os.replace(fetched, target)
    finally:
        socket.setdefaulttimeout(saved_timeout)
        if saved_env is not None:
            os.environ[SOLCX_ENV] = saved_env
    full = _check_version(target, version)
    return Compiler(target, full, "downloaded", "py-solc-x install_solc")


def _find_node() -> Path:
    node = os.environ.get("SECTOKEN_NODE") or shutil.which("node")
    if not node:
        raise NodeNotFoundError(
            "`node` was not found on PATH; it runs the npm solc compiler and Anvil's installer",
            "install Node.js 18 or newer (e.g. `apt-get install nodejs npm`), then `make install`",
        )
    return Path(node)


def _npm_solc_version(root: Path) -> str:
    package_json = root / "node_modules" / "solc" / "package.json"
    try:
        return str(json.loads(package_json.read_text())["version"])
    except (OSError, ValueError, KeyError) as exc:
        raise SolcPackageError(
            f"the npm package `solc` is not installed ({package_json} is missing)",
            "run `npm ci` in the project (or `make install`)",
        ) from exc


def register_solcjs(version: str, folder: Path, root: Path) -> Compiler:
    """Step 3: register the npm ``solc`` package as ``folder/solc-v<version>``."""
    node = _find_node()
    npm_version = _npm_solc_version(root)
    if npm_version != version:
        raise SolcPackageError(
            f"node_modules has npm solc {npm_version}, but ape-config.yaml names {version}",
            "pin `solc` to the same version in package.json and run `npm ci`",
        )
    target = folder / f"solc-v{version}"
    folder.mkdir(parents=True, exist_ok=True)
    launcher = (
        "#!/bin/sh\n"
        f"{SHIM_MARKER} (generated by `python -m sectoken.dev.toolchain setup`; do not edit)\n"
        f"SECTOKEN_SOLC_MODULE={shlex.quote(str((root / 'node_modules' / 'solc').resolve()))}\n"
        "export SECTOKEN_SOLC_MODULE\n"
        f'exec {shlex.quote(str(node))} {shlex.quote(str(SHIM_FILE.resolve()))} "$@"\n'
    )
    _write_executable(target, launcher)
    full = _check_version(target, version)
    return Compiler(target, full, "solc-js", f"npm solc {npm_version} on node {node}")


def resolve_compiler(
    root: Path | None = None,
    *,
    allow_download: bool | None = None,
    download_timeout: float = 5.0,
) -> Compiler:
    """Make the configured compiler available and return it (see the module docstring)."""
    root = root or find_project_root()
    config = read_solidity_config(root)
    folder = solcx_folder(root)
    if allow_download is None:
        allow_download = os.environ.get(NO_DOWNLOAD_ENV, "1").lower() not in ("0", "no", "false")

    compiler = find_native_solc(config.version, folder)
    if compiler is None and allow_download:
        compiler = download_solc(config.version, folder, timeout=download_timeout)
    if compiler is None:
        compiler = register_solcjs(config.version, folder, root)
    if compiler.base_version != config.version:  # each step checks; keep the promise explicit
        raise CompilerVersionMismatchError(
            f"resolved {compiler.describe()}, but ape-config.yaml names solc {config.version}"
        )
    return compiler


def current_compiler(root: Path | None = None) -> Compiler:
    """The compiler registered now, without changing anything (raises if none or wrong)."""
    root = root or find_project_root()
    config = read_solidity_config(root)
    path = solcx_folder(root) / f"solc-v{config.version}"
    if not path.exists():
        raise ToolchainError(
            f"no compiler registered at {path}", "run `make install` (or `make test`)"
        )
    full = _check_version(path, config.version)
    if _is_solcjs_launcher(path):
        return Compiler(path, full, "solc-js", "npm solc package via node")
    return Compiler(path, full, "native", "registered")


# --------------------------------------------------------------------------- dependencies


def _config_dependency_versions(root: Path) -> dict[str, str]:
    """``local:`` path (relative, normalised) → declared version, from ape-config.yaml."""
    data: Any = yaml.safe_load((root / CONFIG_FILE).read_text())
    found: dict[str, str] = {}
    for dep in (data or {}).get("dependencies") or []:
        if isinstance(dep, dict) and dep.get("local"):
            found[os.path.normpath(str(dep["local"]))] = str(dep.get("version", ""))
    return found


def mirror_solidity_package(package_dir: Path, dest: Path, version: str) -> int:
    """Copy the ``.sol`` files of ``package_dir`` to ``dest`` (idempotent); return the count."""
    stamp = dest / MIRROR_STAMP
    sources = sorted(
        p.relative_to(package_dir)
        for p in package_dir.rglob("*.sol")
        if "node_modules" not in p.relative_to(package_dir).parts
    )
    record = {"version": version, "files": len(sources)}
    try:
        if json.loads(stamp.read_text()) == record:
            return len(sources)
    except (OSError, ValueError):
        pass
    if dest.exists():
        shutil.rmtree(dest)
    for rel in sources:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(package_dir / rel, target)
    stamp.write_text(json.dumps(record))
    return len(sources)


def prepare_dependencies(root: Path) -> list[str]:
    """Mirror the npm Solidity packages that ape-config.yaml uses; return a summary per package.

    When a mirror changes, Ape's unpacked copies in ``contracts/.cache`` are removed so that
    Ape unpacks the new sources.
    """
    declared = _config_dependency_versions(root)
    summary: list[str] = []
    changed = False
    for package, mirror in NPM_SOLIDITY_MIRRORS.items():
        key = os.path.normpath(str(mirror))
        if key not in declared:
            continue
        package_dir = root / "node_modules" / package
        try:
            npm_version = str(json.loads((package_dir / "package.json").read_text())["version"])
        except (OSError, ValueError, KeyError) as exc:
            raise ToolchainError(
                f"the npm package {package} is not installed", "run `npm ci` (or `make install`)"
            ) from exc
        if npm_version != declared[key]:
            raise ToolchainError(
                f"node_modules has {package} {npm_version}, but ape-config.yaml declares "
                f"{declared[key]}",
                "keep the version in package.json and ape-config.yaml (dependency and "
                "import_remapping) the same, then run `npm ci`",
            )
        dest = root / mirror
        before = (dest / MIRROR_STAMP).read_text() if (dest / MIRROR_STAMP).exists() else None
        count = mirror_solidity_package(package_dir, dest, npm_version)
        changed = changed or (dest / MIRROR_STAMP).read_text() != before
        summary.append(f"{package} {npm_version} ({count} .sol files) in {mirror}")
    if changed:
        shutil.rmtree(root / "contracts" / ".cache", ignore_errors=True)
    return summary


# --------------------------------------------------------------------------- anvil


def _anvil_platform_package() -> str | None:
    systems = {"linux": "linux", "darwin": "darwin", "win32": "win32"}
    machines = {"x86_64": "amd64", "amd64": "amd64", "arm64": "arm64", "aarch64": "arm64"}
    system = systems.get(sys.platform)
    machine = machines.get(platform.machine().lower())
    if system is None or machine is None:
        return None
    return f"anvil-{system}-{machine}"


def find_anvil(root: Path) -> Path:
    """The npm Anvil binary (the platform package, else its launcher), else one on PATH."""
    scope = root / "node_modules" / "@foundry-rs"
    package = _anvil_platform_package()
    candidates = []
    if package:
        candidates.append(scope / package / "bin" / "anvil")
    candidates.append(root / "node_modules" / ".bin" / "anvil")
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate.resolve()
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path).resolve()
    raise AnvilNotFoundError(
        "no Anvil found: neither node_modules/@foundry-rs/anvil nor `anvil` on PATH",
        "run `npm ci` in the project (package.json pins @foundry-rs/anvil), then `make install`",
    )


def anvil_version(anvil: Path) -> str:
    try:
        proc = subprocess.run(
            [str(anvil), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AnvilNotFoundError(
            f"cannot run {anvil}: {exc}", "run `npm ci` to reinstall @foundry-rs/anvil"
        ) from exc
    match = re.search(r"(\d+\.\d+\.\d+\S*)", proc.stdout)
    if proc.returncode != 0 or match is None:
        raise AnvilNotFoundError(
            f"`{anvil} --version` failed: {(proc.stderr or proc.stdout).strip()[:300]}",
            "run `npm ci` to reinstall @foundry-rs/anvil",
        )
    return match.group(1)


def default_bin_dir() -> Path:
    """The running virtual environment's ``bin/``."""
    if sys.prefix == sys.base_prefix:
        raise ToolchainError(
            "not running inside a virtual environment: nowhere to link `anvil`",
            "run `make install` (it creates .venv), or pass --bin-dir DIR (a folder on PATH)",
        )
    return Path(sys.prefix) / ("Scripts" if sys.platform == "win32" else "bin")


def link_anvil(root: Path, bin_dir: Path | None = None) -> Path:
    """Link Anvil into ``bin_dir`` (default: the venv's bin) and return the link."""
    anvil = find_anvil(root)
    link = (bin_dir or default_bin_dir()) / "anvil"
    if link.resolve() != anvil:
        _place(anvil, link)
    return link


# --------------------------------------------------------------------------- entry points


def setup(
    root: Path | None = None,
    *,
    bin_dir: Path | None = None,
    allow_download: bool | None = None,
    out: Any = None,
) -> Toolchain:
    """Register the compiler and link Anvil; print once what is in use."""
    out = out or sys.stdout
    root = root or find_project_root()
    config = read_solidity_config(root)
    if config.anvil_hardfork and config.anvil_hardfork != config.evm_version:
        raise ConfigError(
            f"ape-config.yaml: foundry.evm_version ({config.anvil_hardfork}) differs from "
            f"solidity.evm_version ({config.evm_version})",
            "keep them the same (the config links them with a YAML anchor)",
        )
    compiler = resolve_compiler(root, allow_download=allow_download)
    dependencies = prepare_dependencies(root)
    link = link_anvil(root, bin_dir)
    version = anvil_version(link)
    print(f"sectoken: compiler {compiler.describe()}", file=out)
    print(
        f"sectoken: evm_version {config.evm_version}; anvil {version} "
        f"(hardfork {config.anvil_hardfork or 'anvil default'}) linked at {link}",
        file=out,
    )
    for line in dependencies:
        print(f"sectoken: dependency {line}", file=out)
    return Toolchain(compiler=compiler, anvil=link, anvil_version=version)


def shell_env(root: Path) -> str:
    """``export`` lines that let a shell run ``ape`` by hand like the Makefile does."""
    venv_bin = root / ".venv" / "bin"
    lines = [
        f"export {SOLCX_ENV}={shlex.quote(str(solcx_folder(root)))}",
        "export APE_DATA_FOLDER="
        + shlex.quote(os.environ.get("APE_DATA_FOLDER") or str(root / DEFAULT_APE_DATA_DIR)),
        f'export PATH={shlex.quote(str(venv_bin))}:"$PATH"',
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sectoken.dev.toolchain",
        description="Register the Solidity compiler and Anvil for this project.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_setup = sub.add_parser("setup", help="register the compiler and link anvil (idempotent)")
    p_setup.add_argument("--bin-dir", type=Path, help="where to link anvil (default: venv bin)")
    p_setup.add_argument(
        "--no-download", action="store_true", help="skip py-solc-x's download attempt"
    )
    sub.add_parser("check", help="print the registered compiler; change nothing")
    sub.add_parser("env", help="print shell exports for running ape by hand")
    args = parser.parse_args(argv)

    try:
        root = find_project_root()
        if args.command == "setup":
            setup(root, bin_dir=args.bin_dir, allow_download=False if args.no_download else None)
        elif args.command == "check":
            print(f"sectoken: compiler {current_compiler(root).describe()}")
        else:
            print(shell_env(root))
    except ToolchainError as exc:
        print(f"sectoken: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
