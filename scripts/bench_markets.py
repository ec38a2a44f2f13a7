"""`ape run bench_markets`: gas of the money flows (bench/markets_gas.py), printed as a table.

``make bench`` also measures it (bench/report.py runs every bench/*.py into docs/GAS_REPORT.md).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "markets_gas.py"


def main() -> None:
    spec = importlib.util.spec_from_file_location("markets_gas", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import ape

    with ape.networks.parse_network_choice("ethereum:local:foundry"):
        print(module.report(module.measure(ape)))
