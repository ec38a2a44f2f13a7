"""`ape run bench_index`: the event index at scale (bench/index_bench.py), figures printed.

Indexing 100,000 transfers (target: under 60 s) and the cap table of 100,000 holders from the
index (target: under 2 s), on a private Anvil the bench starts and stops. ``make bench`` also
runs it (bench/report.py runs every bench/*.py into docs/GAS_REPORT.md).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "index_bench.py"


def main() -> None:
    spec = importlib.util.spec_from_file_location("index_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main([])
