"""sectoken.dev.toolchain: compiler resolution order, version checks, errors that name the fix.

Fake compilers are small shell scripts in temporary folders; the solc-js step runs the real
npm ``solc`` package of this project (it needs ``node`` and ``npm ci``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
import solcx

from sectoken.dev import toolchain
from sectoken.dev.toolchain import (
    AnvilNotFoundError,
    CompilerVersionMismatchError,
    ConfigError,
    NodeNotFoundError,
    SolcPackageError,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VERSION = toolchain.read_solidity_config(PROJECT_ROOT).version
NODE = shutil.which("node")
NPM_SOLC = PROJECT_ROOT / "node_modules" / "solc"
needs_npm_solc = pytest.mark.skipif(
    NODE is None or not NPM_SOLC.is_dir(), reason="needs node and `npm ci`"
)


def fake_solc(path: Path, version: str, commit: str = "deadbeef") -> Path:
    """A shell script that answers `--version` like a native solc."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then\n'
        "  echo 'solc, the solidity compiler commandline interface'\n"
        f"  echo 'Version: {version}+commit.{commit}.Linux.g++'\n"
        "  exit 0\n"
        "fi\n"
        "exit 1\n"
    )
    path.chmod(0o755)
    return path


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway project: ape-config.yaml naming VERSION, no node_modules, empty PATH."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "ape-config.yaml").write_text(
        textwrap.dedent(
            f"""\
            solidity:
              version: {VERSION}
              evm_version: &evm prague
            foundry:
              evm_version: *evm
            """
        )
    )
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    monkeypatch.delenv("SOLCX_BINARY_PATH", raising=False)
    monkeypatch.delenv("SECTOKEN_NODE", raising=False)
    monkeypatch.delenv("SECTOKEN_SOLC_DOWNLOAD", raising=False)
    return root


def add_to_path(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    monkeypatch.setenv("PATH", f"{directory}{os.pathsep}{os.environ['PATH']}")


def with_node(monkeypatch: pytest.MonkeyPatch, proj: Path) -> None:
    """Put the real node on PATH and the real npm solc package in the throwaway project."""
    assert NODE is not None
    add_to_path(monkeypatch, Path(NODE).parent)
    (proj / "node_modules").mkdir(exist_ok=True)
    (proj / "node_modules" / "solc").symlink_to(NPM_SOLC)


def no_download(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make py-solc-x's download fail like it does without access to its host."""
    calls: list[str] = []

    def unreachable(version: Any, **kwargs: Any) -> None:
        calls.append(str(version))
        raise ConnectionError("binaries.soliditylang.org: Name or service not known")

    monkeypatch.setattr(solcx, "install_solc", unreachable)
    return calls


def forbid_download(monkeypatch: pytest.MonkeyPatch) -> None:
    def must_not_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("install_solc must not run when a native solc is present")

    monkeypatch.setattr(solcx, "install_solc", must_not_run)


# --------------------------------------------------------------------------- configuration


def test_project_config_names_one_compiler_and_hardfork() -> None:
    config = toolchain.read_solidity_config(PROJECT_ROOT)
    assert config.version == "0.8.30"
    assert config.evm_version == "prague"
    assert config.anvil_hardfork == config.evm_version


def test_npm_solc_pin_matches_config() -> None:
    package = json.loads((PROJECT_ROOT / "package.json").read_text())
    assert package["dependencies"]["solc"] == VERSION
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/solc"]["version"] == VERSION


def test_config_without_exact_version_is_rejected(proj: Path) -> None:
    (proj / "ape-config.yaml").write_text("solidity:\n  version: ^0.8.0\n  evm_version: prague\n")
    with pytest.raises(ConfigError, match="exact version"):
        toolchain.read_solidity_config(proj)


def test_project_root_is_found_from_a_subfolder(proj: Path) -> None:
    sub = proj / "a" / "b"
    sub.mkdir(parents=True)
    assert toolchain.find_project_root(sub) == proj.resolve()


def test_solcx_folder_is_project_local_unless_configured(
    proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert toolchain.solcx_folder(proj) == proj / ".solcx"
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path / "elsewhere"))
    assert toolchain.solcx_folder(proj) == (tmp_path / "elsewhere").resolve()


# --------------------------------------------------------------------------- resolution order


def test_native_in_solcx_folder_is_used_first(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_download(monkeypatch)
    fake_solc(proj / ".solcx" / f"solc-v{VERSION}", VERSION)
    compiler = toolchain.resolve_compiler(proj)
    assert compiler.kind == "native"
    assert compiler.version == f"{VERSION}+commit.deadbeef"
    assert compiler.path == proj / ".solcx" / f"solc-v{VERSION}"


def test_native_on_path_is_registered(
    proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forbid_download(monkeypatch)
    native = fake_solc(tmp_path / "native" / "solc", VERSION)
    add_to_path(monkeypatch, native.parent)
    compiler = toolchain.resolve_compiler(proj)
    registered = proj / ".solcx" / f"solc-v{VERSION}"
    assert compiler.kind == "native"
    assert compiler.path == registered
    assert registered.resolve() == native.resolve()
    assert "PATH" in compiler.origin


def test_native_of_another_version_on_path_is_skipped(
    proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = fake_solc(tmp_path / "native" / "solc", "0.8.19")
    add_to_path(monkeypatch, other.parent)
    calls = no_download(monkeypatch)
    with pytest.raises(NodeNotFoundError):  # no node on PATH: the last step fails
        toolchain.resolve_compiler(proj)
    assert calls == [VERSION]
    assert not (proj / ".solcx" / f"solc-v{VERSION}").exists()


def test_download_is_second(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_install(version: Any, solcx_binary_path: Any = None, **kwargs: Any) -> str:
        seen["timeout"] = socket.getdefaulttimeout()
        seen["env"] = os.environ.get("SOLCX_BINARY_PATH")
        fake_solc(Path(solcx_binary_path) / f"solc-v{version}", str(version), "cafe0001")
        return str(version)

    monkeypatch.setenv("SOLCX_BINARY_PATH", str(proj / ".solcx"))
    monkeypatch.setattr(solcx, "install_solc", fake_install)
    compiler = toolchain.resolve_compiler(proj, download_timeout=3.0)
    assert compiler.kind == "downloaded"
    assert compiler.version == f"{VERSION}+commit.cafe0001"
    assert compiler.path == proj / ".solcx" / f"solc-v{VERSION}"
    assert seen == {"timeout": 3.0, "env": None}  # short timeout; our folder, not the env's
    assert socket.getdefaulttimeout() is None
    assert os.environ["SOLCX_BINARY_PATH"] == str(proj / ".solcx")
    assert [p.name for p in (proj / ".solcx").iterdir()] == [f"solc-v{VERSION}"]


def test_download_can_be_switched_off(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_download(monkeypatch)
    monkeypatch.setenv("SECTOKEN_SOLC_DOWNLOAD", "0")
    with pytest.raises(NodeNotFoundError):
        toolchain.resolve_compiler(proj)


@needs_npm_solc
def test_solcjs_is_the_fallback(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = no_download(monkeypatch)
    with_node(monkeypatch, proj)
    compiler = toolchain.resolve_compiler(proj)
    assert calls == [VERSION]
    assert compiler.kind == "solc-js"
    assert compiler.base_version == VERSION
    assert compiler.path == proj / ".solcx" / f"solc-v{VERSION}"
    # py-solc-x reads the same version from it.
    assert str(solcx.wrapper.get_solc_version(compiler.path)) == VERSION
    # Running setup again replaces the launcher, and a native solc still wins later.
    assert toolchain.resolve_compiler(proj).kind == "solc-js"


@needs_npm_solc
def test_native_replaces_a_registered_solcjs(
    proj: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_download(monkeypatch)
    with_node(monkeypatch, proj)
    assert toolchain.resolve_compiler(proj).kind == "solc-js"
    native = fake_solc(tmp_path / "native" / "solc", VERSION)
    add_to_path(monkeypatch, native.parent)
    compiler = toolchain.resolve_compiler(proj)
    assert compiler.kind == "native"
    assert compiler.path.resolve() == native.resolve()


# --------------------------------------------------------------------------- errors


def test_error_when_node_is_missing(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_download(monkeypatch)
    with pytest.raises(NodeNotFoundError) as info:
        toolchain.resolve_compiler(proj)
    assert info.value.fix and "Node.js" in info.value.fix
    assert "Fix:" in str(info.value)


@needs_npm_solc
def test_error_when_npm_solc_is_missing(proj: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    no_download(monkeypatch)
    assert NODE is not None
    add_to_path(monkeypatch, Path(NODE).parent)
    with pytest.raises(SolcPackageError) as info:
        toolchain.resolve_compiler(proj)
    assert info.value.fix and "npm ci" in info.value.fix


@needs_npm_solc
def test_error_when_npm_solc_is_another_version(
    proj: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_download(monkeypatch)
    assert NODE is not None
    add_to_path(monkeypatch, Path(NODE).parent)
    package = proj / "node_modules" / "solc"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": "solc", "version": "0.8.19"}))
    with pytest.raises(SolcPackageError, match=r"0\.8\.19") as info:
        toolchain.resolve_compiler(proj)
    assert info.value.fix and "npm ci" in info.value.fix


def test_registered_compiler_of_another_version_is_an_error(
    proj: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forbid_download(monkeypatch)
    fake_solc(proj / ".solcx" / f"solc-v{VERSION}", "0.8.29")
    with pytest.raises(CompilerVersionMismatchError, match=r"0\.8\.29.*" + VERSION):
        toolchain.resolve_compiler(proj)


def test_downloaded_compiler_of_another_version_is_an_error(
    proj: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def wrong_install(version: Any, solcx_binary_path: Any = None, **kwargs: Any) -> str:
        fake_solc(Path(solcx_binary_path) / f"solc-v{version}", "0.8.29")
        return str(version)

    monkeypatch.setattr(solcx, "install_solc", wrong_install)
    with pytest.raises(CompilerVersionMismatchError):
        toolchain.resolve_compiler(proj)


def test_unregistered_compiler_is_reported(proj: Path) -> None:
    with pytest.raises(toolchain.ToolchainError, match="make install"):
        toolchain.current_compiler(proj)


def test_cli_reports_errors_with_exit_code(
    proj: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(proj)
    assert toolchain.main(["check"]) == 1
    assert "make install" in capsys.readouterr().err


# --------------------------------------------------------------------------- anvil


def test_error_when_no_anvil(proj: Path) -> None:
    with pytest.raises(AnvilNotFoundError) as info:
        toolchain.find_anvil(proj)
    assert info.value.fix and "npm ci" in info.value.fix


def test_anvil_from_npm_is_linked(proj: Path, tmp_path: Path) -> None:
    package = toolchain._anvil_platform_package()
    assert package is not None
    binary = proj / "node_modules" / "@foundry-rs" / package / "bin" / "anvil"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\necho 'anvil Version: 1.7.1'\n")
    binary.chmod(0o755)
    bin_dir = tmp_path / "venv-bin"
    bin_dir.mkdir()
    link = toolchain.link_anvil(proj, bin_dir)
    assert link == bin_dir / "anvil"
    assert link.resolve() == binary.resolve()
    assert toolchain.anvil_version(link) == "1.7.1"
    assert toolchain.link_anvil(proj, bin_dir) == link  # idempotent


def test_project_anvil_is_on_path_for_ape() -> None:
    anvil = shutil.which("anvil")
    if anvil is None:
        pytest.skip("run through `make test` (it links anvil into .venv/bin)")
    assert toolchain.anvil_version(Path(anvil)).startswith("1.7.1")


# --------------------------------------------------------------------------- the solc-js shim


@needs_npm_solc
def test_shim_compiles_standard_json_with_imports_and_extra_args(
    proj: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_download(monkeypatch)
    with_node(monkeypatch, proj)
    compiler = toolchain.resolve_compiler(proj)
    (proj / "lib").mkdir()
    (proj / "lib" / "Base.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n"
        "contract Base { function one() external pure returns (uint256) { return 1; } }\n"
    )
    source = (
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n"
        'import {Base} from "lib/Base.sol";\ncontract Child is Base {}\n'
    )
    request = {
        "language": "Solidity",
        "sources": {"Child.sol": {"content": source}},
        "settings": {
            "evmVersion": "prague",
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
        },
    }
    proc = subprocess.run(
        [
            str(compiler.path),
            "--standard-json",
            "--base-path",
            str(proj),
            "--allow-paths",
            f"{proj},{proj / 'lib'}",
            "--include-path",
            str(proj / "node_modules"),
            "--optimize",
        ],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    output = json.loads(proc.stdout)
    errors = [e for e in output.get("errors", []) if e["severity"] == "error"]
    assert errors == []
    assert output["contracts"]["Child.sol"]["Child"]["evm"]["bytecode"]["object"]
    assert "lib/Base.sol" in output["sources"]


@needs_npm_solc
def test_shim_rejects_modes_it_does_not_support(
    proj: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_download(monkeypatch)
    with_node(monkeypatch, proj)
    compiler = toolchain.resolve_compiler(proj)
    proc = subprocess.run(
        [str(compiler.path), "--combined-json", "abi", "X.sol"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "--standard-json" in proc.stderr


# --------------------------------------------------------------------------- dependencies


def fake_npm_package(proj: Path, version: str) -> Path:
    package = proj / "node_modules" / "@openzeppelin" / "contracts"
    (package / "token").mkdir(parents=True)
    (package / "build" / "contracts").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": version}))
    (package / "token" / "T.sol").write_text("// SPDX-License-Identifier: MIT\n")
    (package / "build" / "contracts" / "T.json").write_text("{}")
    (package / "README.md").write_text("readme\n")
    return package


def declare_openzeppelin(proj: Path, version: str) -> None:
    with (proj / "ape-config.yaml").open("a") as fh:
        fh.write(
            "dependencies:\n"
            f"  - name: openzeppelin\n    version: {version}\n"
            "    local: ./.deps/openzeppelin-contracts\n"
        )


def test_openzeppelin_is_mirrored_with_sources_only(proj: Path) -> None:
    fake_npm_package(proj, "5.7.0")
    declare_openzeppelin(proj, "5.7.0")
    stale = proj / "contracts" / ".cache" / "openzeppelin"
    stale.mkdir(parents=True)
    summary = toolchain.prepare_dependencies(proj)
    mirror = proj / ".deps" / "openzeppelin-contracts"
    files = sorted(str(p.relative_to(mirror)) for p in mirror.rglob("*") if p.is_file())
    assert files == [toolchain.MIRROR_STAMP, "token/T.sol"]
    assert summary == [
        "@openzeppelin/contracts 5.7.0 (1 .sol files) in .deps/openzeppelin-contracts"
    ]
    assert not stale.exists()  # Ape re-unpacks the new sources
    stale.mkdir(parents=True)
    toolchain.prepare_dependencies(proj)  # unchanged: nothing rewritten or removed
    assert stale.exists()


def test_openzeppelin_version_must_match_config(proj: Path) -> None:
    fake_npm_package(proj, "5.6.0")
    declare_openzeppelin(proj, "5.7.0")
    with pytest.raises(toolchain.ToolchainError, match=r"5\.6\.0.*5\.7\.0") as info:
        toolchain.prepare_dependencies(proj)
    assert info.value.fix and "npm ci" in info.value.fix


def test_project_declares_the_npm_openzeppelin_version() -> None:
    package = json.loads((PROJECT_ROOT / "package.json").read_text())
    oz = package["dependencies"]["@openzeppelin/contracts"]
    config = (PROJECT_ROOT / "ape-config.yaml").read_text()
    assert f"version: {oz}" in config
    assert f"@openzeppelin/contracts=openzeppelin/{oz}" in config
