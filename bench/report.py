"""Run every benchmark in bench/ in one go and write the gas report (docs/GAS_REPORT.md).

Run: ``make bench`` (or ``.venv/bin/python bench/report.py`` from the project root after
``make install``). Options: ``--out FILE`` (default docs/GAS_REPORT.md), ``--json FILE`` (the raw
figures), ``--no-scale`` (skip the timing benchmarks, which take minutes), ``--strict`` (exit 1
when a target fails).

- Gas benchmarks (a module-level ``measure(ape)``: bench/token_gas.py, bench/corporate_gas.py,
  bench/deploy_gas.py)
  run in this process on one Anvil started by Ape; every figure is ``gas_used`` of a mined
  receipt. Their rows become Markdown tables: operation, gas, ratio to the plain OpenZeppelin
  ERC-20 transfer measured in the same run (printed like ``1.32x``), target, pass or fail.
- Every other bench/*.py (the scale benchmarks: investor import, cap-table rebuild, the event
  index's sync of 100,000 transfers and its cap table of 100,000 holders) runs as its own
  process, as ``make bench`` always ran it; its printed figures go into the report verbatim.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import inspect
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BASELINE = "plain ERC-20 transfer, existing holder"
SIZE_LIMIT = 24_576  # EIP-170
SCALE_TIMEOUT = 1800
LOG_LINE = re.compile(r"^(INFO|WARNING|SUCCESS|DEBUG):\s")


@dataclass(frozen=True)
class Row:
    operation: str
    gas: int
    target: str = ""
    ok: bool | None = None  # None: no target
    extra: str = ""  # e.g. the same operation with fewer holders


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def is_gas_bench(module: ModuleType) -> bool:
    """A gas benchmark exposes ``measure(ape)`` (one parameter) returning {"gas", "sizes"}."""
    measure: Callable[..., Any] | None = getattr(module, "measure", None)
    return measure is not None and len(inspect.signature(measure).parameters) == 1


def ratio(gas: int, base: int) -> str:
    return f"{gas / base:.2f}x"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("pass" if ok else "**FAIL**")


# --------------------------------------------------------------------------- the known benches


def token_rows(module: ModuleType, figures: dict[str, Any]) -> list[Row]:
    gas: dict[str, int] = figures["gas"]
    base = gas[BASELINE]
    transfer_target = float(getattr(module, "PLAIN_TRANSFER_TARGET", 1.5))
    batch_target = int(getattr(module, "BATCH_TARGET", 25_000))
    rows = []
    for name, used in gas.items():
        if name == "compliant transfer, existing holder":
            limit = base * transfer_target
            rows.append(
                Row(name, used, f"≤ {transfer_target:.2f}x ({int(limit):,})", used <= limit)
            )
        elif name == "registry add, batch of 100 (per investor)":
            rows.append(Row(name, used, f"≤ {batch_target:,}", used <= batch_target))
        else:
            rows.append(Row(name, used))
    return rows


def corporate_rows(
    module: ModuleType, figures: dict[str, Any]
) -> tuple[list[Row], tuple[int, int]]:
    sizes = tuple(int(n) for n in getattr(module, "SIZES", (10, 1000)))
    small_n, large_n = sizes[0], sizes[-1]
    small, large = figures["gas"][str(small_n)], figures["gas"][str(large_n)]
    targets: dict[str, int] = dict(getattr(module, "TARGETS", {}))
    tolerance = float(getattr(module, "FLAT_TOLERANCE", 0.03))
    rows = []
    for name, used in large.items():
        if name.startswith("holders"):
            continue
        before = int(small[name])
        flat = before == 0 or abs(used - before) / before <= tolerance
        target = targets.get(name)
        text = f"±{tolerance:.0%} of {small_n:,} holders"
        if target:
            text = f"< {target:,}; " + text
        ok = flat and (target is None or max(used, before) < target)
        rows.append(Row(name, int(used), text, ok, extra=f"{before:,}"))
    return rows, (small_n, large_n)


# --------------------------------------------------------------------------- rendering


def table(rows: list[Row], base: int, extra_header: str | None = None) -> list[str]:
    head = ["operation", "gas", "vs plain ERC-20", "target", "result"]
    if extra_header:
        head.insert(1, extra_header)
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---", *["---:"] * (len(head) - 3), "---", "---"]) + "|",
    ]
    for r in rows:
        cells = [r.operation, f"{r.gas:,}", ratio(r.gas, base), r.target, verdict(r.ok)]
        if extra_header:
            cells.insert(1, r.extra)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def git_describe() -> str:
    def run(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return proc.stdout.strip()

    commit = run("rev-parse", "--short", "HEAD") or "unknown"
    dirty = run("status", "--porcelain", "--untracked-files=no", "--", "contracts", "bench")
    return commit + (" with uncommitted changes to contracts/ or bench/" if dirty else "")


def render(
    figures: dict[str, Any],
    gas_sections: list[tuple[str, list[str]]],
    sizes: dict[str, int],
    scale: dict[str, str],
    rows: list[Row],
    toolchain: str,
    seconds: float,
) -> str:
    failed = [r for r in rows if r.ok is False]
    checked = [r for r in rows if r.ok is not None]
    out = [
        "# Gas report",
        "",
        "Generated by `make bench` (`bench/report.py`); do not edit by hand.",
        f"Commit {git_describe()}, {toolchain}; "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {seconds:.0f} s.",
        "",
        "Every figure is `gas_used` of a mined transaction on a local Anvil, nothing is estimated. "
        "The ratio column divides by the plain OpenZeppelin ERC-20 transfer between existing "
        f"holders measured in the same run ({figures['baseline']:,} gas).",
        "",
        f"**{len(checked) - len(failed)} of {len(checked)} targets pass.**"
        + (" Failing: " + "; ".join(r.operation for r in failed) + "." if failed else ""),
        "",
    ]
    for title, lines in gas_sections:
        out += [f"## {title}", "", *lines, ""]
    out += [
        "## Deployed bytecode",
        "",
        "| contract | bytes | limit | result |",
        "|---|---:|---:|---|",
    ]
    for name, size in sizes.items():
        out.append(f"| {name} | {size:,} | {SIZE_LIMIT:,} | {verdict(size <= SIZE_LIMIT)} |")
    out.append("")
    if scale:
        out += ["## Scale benchmarks", ""]
        targets = scale_targets(scale)
        if targets:
            out += ["| benchmark | target | result |", "|---|---|---|"]
            out += [f"| bench/{name}.py | {what} | {result} |" for name, what, result in targets]
            out.append("")
        for name, text in scale.items():
            out += [f"### bench/{name}.py", "", "```", text.rstrip(), "```", ""]
    return "\n".join(out)


SCALE_TARGET = re.compile(r"^\s*target: (?P<what>.+?): (?P<verdict>pass|FAIL)(?P<rest>.*)$")


def scale_targets(scale: dict[str, str]) -> list[tuple[str, str, str]]:
    """(benchmark, target, result) of every ``target: ...: pass|FAIL`` line a scale benchmark
    printed (the figures themselves stay in its section below)."""
    found = []
    for name, text in scale.items():
        for line in text.splitlines():
            match = SCALE_TARGET.match(line)
            if match:
                result = match["verdict"] + match["rest"]
                found.append((name, match["what"], result.strip()))
    return found


def run_scale(path: Path) -> str:
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(path.relative_to(ROOT))],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=SCALE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {SCALE_TIMEOUT} s"
    took = f"(ran in {time.perf_counter() - started:.0f} s, exit {proc.returncode})"
    # Ape's log lines ("INFO:     Starting 'anvil' process.") are not figures
    figures = "\n".join(line for line in proc.stdout.splitlines() if not LOG_LINE.match(line))
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        return f"{figures}\nFAILED {took}\n{tail}"
    return f"{figures.rstrip()}\n{took}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "GAS_REPORT.md")
    parser.add_argument("--json", type=Path, help="also write the raw figures as JSON")
    parser.add_argument("--no-scale", action="store_true", help="skip the timing benchmarks")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args()
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT / "src"))

    modules = {p.stem: p for p in sorted(BENCH.glob("*.py")) if p.stem != "report"}
    gas_benches = {name: load(path) for name, path in modules.items()}
    # the token bench first: it measures the baseline every ratio divides by
    order = sorted(gas_benches, key=lambda n: (n != "token_gas", n))
    gas_benches = {name: gas_benches[name] for name in order if is_gas_bench(gas_benches[name])}
    import ape

    raw: dict[str, Any] = {}
    with ape.networks.parse_network_choice("ethereum:local:foundry"):
        for name, module in gas_benches.items():
            print(f"== bench/{name}.py (gas)", flush=True)
            raw[name] = module.measure(ape)
        from sectoken.dev.toolchain import current_compiler, read_solidity_config

        compiler = current_compiler(ROOT)
        evm = read_solidity_config(ROOT).evm_version
        toolchain = f"solc {compiler.version} ({compiler.kind}), EVM {evm}"

    if "token_gas" not in raw:
        raise SystemExit("bench/token_gas.py (the plain ERC-20 baseline) is missing")
    base = int(raw["token_gas"]["gas"][BASELINE])
    sections: list[tuple[str, list[str]]] = []
    all_rows: list[Row] = []
    sizes: dict[str, int] = {}
    for name, figures in raw.items():
        module = gas_benches[name]
        sizes.update(figures.get("sizes", {}))
        if name == "token_gas":
            rows = token_rows(module, figures)
            sections.append(("Security token (bench/token_gas.py)", table(rows, base)))
        elif name == "corporate_gas":
            rows, (small_n, large_n) = corporate_rows(module, figures)
            title = f"Corporate actions at {large_n:,} holders (bench/corporate_gas.py)"
            sections.append((title, table(rows, base, f"gas at {small_n:,} holders")))
        elif name == "deploy_gas":
            lines = ["| deployment | gas | reference |", "|---|---:|---|"]
            lines += [f"| {op} | {gas:,} | {note} |" for op, gas, note in module.rows(figures)]
            sections.append(
                ("Deployment (bench/deploy_gas.py, the deploy job's transactions)", lines)
            )
            rows = []
        else:  # an unknown gas benchmark: its own text report, or its raw rows
            text = module.report(figures) if hasattr(module, "report") else json.dumps(figures)
            sections.append((f"bench/{name}.py", ["```", text, "```"]))
            rows = []
        all_rows += rows

    scale: dict[str, str] = {}
    if not args.no_scale:
        for name, path in modules.items():
            if name not in gas_benches:
                print(f"== bench/{name}.py (scale, own process)", flush=True)
                scale[name] = run_scale(path)

    report = render(
        {"baseline": base},
        sections,
        sizes,
        scale,
        all_rows,
        toolchain,
        time.perf_counter() - started,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report + "\n")
    if args.json:
        args.json.write_text(json.dumps({"gas": raw, "scale": scale}, indent=2) + "\n")
    failed = [r.operation for r in all_rows if r.ok is False]
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    print(f"{len(failed)} target(s) failing" + (f": {', '.join(failed)}" if failed else ""))
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
