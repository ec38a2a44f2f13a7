"""Slither over ``contracts/`` through the project's compiler, checked against a triage file.

``python -m sectoken.dev.audit_slither`` (what ``make slither`` runs):

1. writes a Solidity standard-JSON input naming every ``.sol`` file under ``contracts/``
   (Slither's own directory mode only looks at the top folder, which holds none);
2. runs Slither on it with the registered compiler (``.solcx/solc-v<version>``, the solc-js shim
   or a native solc), the OpenZeppelin remapping from ``ape-config.yaml`` and
   ``--filter-paths`` for the dependency mirror and the test mocks;
3. compares the findings with ``audit/slither-triage.json`` and fails (exit 1) when

   - a finding has impact High (a triage entry does not excuse it),
   - a finding is not in the triage file, or its entry has no reason,
   - the triage file lists a finding that no longer occurs (the triage stays current).

Findings are identified by a *key* that survives line moves: the detector, the qualified name of
the first element (``Contract.function(args)``) and the source text of the first flagged
statement, e.g. ``incorrect-equality: Dist._known(<parameter types>) @ t.deposit == 0``. Editing a
flagged statement therefore asks for a fresh look at it. Inline ``slither-disable`` comments are
ignored (``--show-ignored-findings``): the triage file is the one place where a finding is
accepted, with its reason.

``--update`` rewrites the triage file with the current findings, keeping the reasons of those
still present and leaving ``"reason": ""`` (which fails the check) for new ones.

Slither runs from its own virtual environment (``.venv/audit``, see the Makefile): its
dependency ``solc-select`` installs a ``solc`` script that must not shadow the project's
compiler on ``PATH``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sectoken.errors import SectokenError

__all__ = [
    "DEFAULT_FILTER_PATHS",
    "TRIAGE_FILE",
    "Finding",
    "SlitherError",
    "TriageEntry",
    "Verdict",
    "compare",
    "finding_from_result",
    "findings_from_output",
    "load_triage",
    "main",
    "remappings",
    "run_slither",
    "slither_command",
    "standard_json_input",
    "triage_document",
]

TRIAGE_FILE = Path("audit") / "slither-triage.json"
CONTRACTS_DIR = Path("contracts")
#: The OpenZeppelin mirror (audited upstream) and the test mocks are not ours to ship.
DEFAULT_FILTER_PATHS = (r"\.deps/", r"contracts/test/")
DEFAULT_SLITHER = Path(".venv") / "audit" / "bin" / "slither"
SLITHER_ENV = "SECTOKEN_SLITHER"
IMPACTS = ("High", "Medium", "Low", "Informational", "Optimization")


class SlitherError(SectokenError):
    """Slither could not be run or its output could not be read."""


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One Slither result, reduced to what the triage needs."""

    check: str
    impact: str
    confidence: str
    key: str
    description: str  # first line of Slither's description (has file and line numbers)

    @property
    def is_high(self) -> bool:
        return self.impact == "High"


def _squash(text: str) -> str:
    return " ".join(text.split())


def _qualified_name(element: Mapping[str, Any]) -> str:
    """``Contract.function(args)``, ``Contract.function(args).variable``, ``Contract``."""
    fields = element.get("type_specific_fields") or {}
    own = str(fields.get("signature") or element.get("name") or "")
    parent = fields.get("parent")
    if isinstance(parent, Mapping) and element.get("type") != "contract":
        return f"{_qualified_name(parent)}.{own}"
    return own


def finding_from_result(result: Mapping[str, Any]) -> Finding:
    """Build a :class:`Finding` (and its stable key) from one entry of Slither's JSON output."""
    check = str(result["check"])
    elements: list[Mapping[str, Any]] = list(result.get("elements") or [])
    primary = next((e for e in elements if e.get("type") != "node"), None)
    subject = _qualified_name(primary) if primary is not None else ""
    statement = next(
        (_squash(str(e.get("name") or "")) for e in elements if e.get("type") == "node"),
        "",
    )
    key = f"{check}: {subject}"
    if statement:
        key += f" @ {statement}"
    description = str(result.get("description") or "").strip().splitlines()
    return Finding(
        check=check,
        impact=str(result.get("impact") or ""),
        confidence=str(result.get("confidence") or ""),
        key=key,
        description=description[0] if description else "",
    )


def findings_from_output(output: Mapping[str, Any]) -> list[Finding]:
    """The findings of a ``slither --json`` document, sorted by impact then key."""
    if not output.get("success", False):
        raise SlitherError(f"Slither reported a failure: {output.get('error')}")
    results = (output.get("results") or {}).get("detectors") or []
    findings = {f.key: f for f in (finding_from_result(r) for r in results)}
    order = {name: i for i, name in enumerate(IMPACTS)}
    return sorted(findings.values(), key=lambda f: (order.get(f.impact, len(order)), f.key))


# --------------------------------------------------------------------------- triage


@dataclass(frozen=True)
class TriageEntry:
    """A finding that was looked at, and why it stays."""

    key: str
    check: str
    impact: str
    reason: str


def load_triage(path: Path) -> dict[str, TriageEntry]:
    """Read the triage file (missing file: nothing triaged)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SlitherError(f"cannot read {path}: {exc}") from exc
    entries: dict[str, TriageEntry] = {}
    for raw in data.get("findings", []):
        entry = TriageEntry(
            key=str(raw["key"]),
            check=str(raw.get("check", "")),
            impact=str(raw.get("impact", "")),
            reason=str(raw.get("reason", "")).strip(),
        )
        if entry.key in entries:
            raise SlitherError(f"{path}: finding listed twice: {entry.key}")
        entries[entry.key] = entry
    return entries


def triage_document(
    findings: Iterable[Finding], previous: Mapping[str, TriageEntry], tool: str
) -> dict[str, Any]:
    """The triage file for ``findings``: reasons kept from ``previous``, empty for new ones."""
    return {
        "tool": tool,
        "about": (
            "Every Slither finding on contracts/ (excluding .deps/ and contracts/test/) with the "
            "reason it stays. Checked by `make slither` (sectoken.dev.audit_slither): High "
            "findings always fail; an unlisted finding, an empty reason or a listed finding that "
            "no longer occurs fails too."
        ),
        "findings": [
            {
                "key": f.key,
                "check": f.check,
                "impact": f.impact,
                "reason": previous[f.key].reason if f.key in previous else "",
            }
            for f in findings
        ],
    }


@dataclass
class Verdict:
    """What the comparison of findings with the triage file found wrong (empty: pass)."""

    high: list[Finding] = field(default_factory=list)
    untriaged: list[Finding] = field(default_factory=list)
    no_reason: list[TriageEntry] = field(default_factory=list)
    stale: list[TriageEntry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.high or self.untriaged or self.no_reason or self.stale)

    def lines(self) -> list[str]:
        out: list[str] = []
        out += [f"HIGH (never accepted): {f.key}\n    {f.description}" for f in self.high]
        out += [f"not triaged ({f.impact}): {f.key}\n    {f.description}" for f in self.untriaged]
        out += [f"triaged without a reason: {e.key}" for e in self.no_reason]
        out += [f"triaged but no longer found (remove it): {e.key}" for e in self.stale]
        return out


def compare(findings: Sequence[Finding], triage: Mapping[str, TriageEntry]) -> Verdict:
    """Check ``findings`` against ``triage`` (see the module docstring for the rules)."""
    verdict = Verdict()
    found = {f.key for f in findings}
    for f in findings:
        if f.is_high:
            verdict.high.append(f)
        elif f.key not in triage:
            verdict.untriaged.append(f)
        elif not triage[f.key].reason:
            verdict.no_reason.append(triage[f.key])
    verdict.stale = [e for key, e in triage.items() if key not in found]
    return verdict


def summary(findings: Sequence[Finding]) -> str:
    counts = {impact: 0 for impact in IMPACTS}
    for f in findings:
        counts[f.impact] = counts.get(f.impact, 0) + 1
    return ", ".join(f"{n} {impact.lower()}" for impact, n in counts.items() if n)


# --------------------------------------------------------------------------- running Slither


def standard_json_input(
    root: Path, evm_version: str, contracts: Path = CONTRACTS_DIR
) -> dict[str, Any]:
    """A standard-JSON input naming every ``.sol`` file under ``contracts`` (paths relative)."""
    files = sorted(p.relative_to(root).as_posix() for p in (root / contracts).rglob("*.sol"))
    files = [f for f in files if "/.cache/" not in f]
    if not files:
        raise SlitherError(f"no .sol files under {root / contracts}")
    return {
        "language": "Solidity",
        "sources": {f: {"urls": [f]} for f in files},
        "settings": {"evmVersion": evm_version},
    }


def remappings(root: Path) -> list[str]:
    """``prefix/=local/path/`` for each ape-config import remapping onto a ``local:`` dependency."""
    data: Any = yaml.safe_load((root / "ape-config.yaml").read_text()) or {}
    locals_by_name = {
        str(d.get("name")): str(d["local"])
        for d in data.get("dependencies") or []
        if isinstance(d, dict) and d.get("local")
    }
    result = []
    for remap in (data.get("solidity") or {}).get("import_remapping") or []:
        prefix, _, target = str(remap).partition("=")
        dependency = target.split("/", 1)[0]
        if dependency in locals_by_name:
            local = Path(locals_by_name[dependency]).as_posix().removeprefix("./")
            result.append(f"{prefix.rstrip('/')}/={local.rstrip('/')}/")
    return result


def slither_command(
    slither: Path | str,
    input_json: Path | str,
    solc: Path | str,
    remaps: Sequence[str],
    filter_paths: Sequence[str] = DEFAULT_FILTER_PATHS,
) -> list[str]:
    """The Slither command line (JSON report on stdout)."""
    cmd = [
        str(slither),
        str(input_json),
        "--compile-force-framework",
        "solc-json",
        "--solc",
        str(solc),
        "--solc-disable-warnings",
        "--show-ignored-findings",
        "--disable-color",
        "--json",
        "-",
    ]
    if remaps:
        cmd += ["--solc-remaps", " ".join(remaps)]
    if filter_paths:
        cmd += ["--filter-paths", ",".join(filter_paths)]
    return cmd


def find_slither(root: Path, explicit: str | None = None) -> Path:
    """``--slither``, else ``$SECTOKEN_SLITHER``, else ``.venv/audit/bin/slither``."""
    candidate = explicit or os.environ.get(SLITHER_ENV)
    path = Path(candidate) if candidate else root / DEFAULT_SLITHER
    if not path.is_absolute():
        path = root / path
    if not path.exists():
        raise SlitherError(
            f"Slither not found at {path}",
            hint="run `make slither` (it installs Slither into .venv/audit first)",
        )
    return path


def run_slither(
    root: Path,
    slither: Path,
    solc: Path,
    evm_version: str,
    filter_paths: Sequence[str] = DEFAULT_FILTER_PATHS,
    timeout: float = 900.0,
) -> tuple[list[Finding], str]:
    """Run Slither over ``contracts/``; returns the findings and Slither's version."""
    env = dict(os.environ)
    # solc-select (imported by crytic-compile) makes its folder under $VIRTUAL_ENV, else $HOME.
    env["VIRTUAL_ENV"] = str(slither.parent.parent.resolve())
    version = subprocess.run(
        [str(slither), "--version"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="sectoken-slither-") as tmp:
        input_json = Path(tmp) / "contracts.json"
        input_json.write_text(json.dumps(standard_json_input(root, evm_version), indent=1))
        cmd = slither_command(slither, input_json, solc, remappings(root), filter_paths)
        cmd += ["--triage-database", str(Path(tmp) / "slither.db.json")]
        proc = subprocess.run(
            cmd, cwd=root, env=env, capture_output=True, text=True, check=False, timeout=timeout
        )
    try:
        output = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-20:])
        raise SlitherError(
            f"Slither produced no JSON report (exit {proc.returncode}):\n{tail}"
        ) from exc
    return findings_from_output(output), f"slither-analyzer {version}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sectoken.dev.audit_slither", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--slither", help="the slither executable (default .venv/audit/bin/slither)"
    )
    parser.add_argument("--triage", type=Path, default=TRIAGE_FILE, help="the triage file")
    parser.add_argument(
        "--update", action="store_true", help="rewrite the triage file from the current findings"
    )
    parser.add_argument("--report", type=Path, help="also write Slither's findings as JSON here")
    args = parser.parse_args(argv)

    from sectoken.dev.toolchain import (
        ToolchainError,
        current_compiler,
        find_project_root,
        read_solidity_config,
    )

    try:
        root = find_project_root()
        compiler = current_compiler(root)
        config = read_solidity_config(root)
        slither = find_slither(root, args.slither)
        findings, tool = run_slither(root, slither, compiler.path, config.evm_version)
    except (ToolchainError, SectokenError, subprocess.TimeoutExpired) as exc:
        print(f"slither: {exc}", file=sys.stderr)
        return 2

    triage_path = args.triage if args.triage.is_absolute() else root / args.triage
    triage = load_triage(triage_path)
    print(f"{tool} over {CONTRACTS_DIR}/ with {compiler.describe()}")
    print(f"findings: {len(findings)} ({summary(findings) or 'none'})")
    if args.report:
        args.report.write_text(json.dumps([f.__dict__ for f in findings], indent=2) + "\n")
    if args.update:
        document = triage_document(findings, triage, tool)
        triage_path.parent.mkdir(parents=True, exist_ok=True)
        triage_path.write_text(json.dumps(document, indent=2) + "\n")
        print(f"wrote {triage_path.relative_to(root)}; fill in every empty reason")
        triage = load_triage(triage_path)

    verdict = compare(findings, triage)
    for line in verdict.lines():
        print(line)
    if verdict.ok:
        print(f"triage current: all {len(findings)} findings listed with a reason, none high")
        return 0
    print(
        f"slither check FAILED; triage file: {triage_path.relative_to(root)} "
        "(`python -m sectoken.dev.audit_slither --update` lists the current findings)"
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
