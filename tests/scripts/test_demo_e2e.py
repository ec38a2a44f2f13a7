"""The demo runs end to end, well under a minute, and leaves its artifacts where it says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sectoken.dev.demo import run_demo


def test_demo_runs(accounts: Any, chain: Any, project: Any, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    report = run_demo(project, accounts, chain, out_dir=out)
    assert report.seconds < 60
    assert len(report.refused) == 3
    assert any("accredited" in r for r in report.refused)
    assert any("lockup" in r for r in report.refused)
    assert report.cap_table is not None and report.cap_table.matches_chain
    for name in (
        "captable.csv",
        "captable.json",
        "captable.png",
        "investors-export.csv",
        "deployments/local.json",
    ):
        assert (out / name).is_file(), name
    data = json.loads((out / "captable.json").read_text())
    assert data["holder_count"] == 24 and data["matches_chain"]
    assert (out / "investors-export.csv").read_text() == Path("examples/investors.csv").read_text()


def test_demo_command(run: Any, tmp_path: Path) -> None:
    result = run("demo", "--out", tmp_path / "cmd")
    assert "Demo finished" in result.output
    assert "refused before sending" in result.output
