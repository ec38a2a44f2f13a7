"""sectoken.dev.audit_slither: stable finding keys, the triage rules, the Slither command line.

Slither itself runs in ``make slither`` (CI); these tests feed the checker Slither-shaped JSON.
The last test checks the committed triage file's shape (every entry has a reason, no repeats).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sectoken.dev.audit_slither import (
    TRIAGE_FILE,
    Finding,
    SlitherError,
    TriageEntry,
    compare,
    finding_from_result,
    findings_from_output,
    load_triage,
    remappings,
    slither_command,
    standard_json_input,
    triage_document,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

CONTRACT = {"type": "contract", "name": "Dist"}


def function(name: str, signature: str) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "type_specific_fields": {"parent": CONTRACT, "signature": signature},
    }


def node(text: str, fn: dict[str, Any]) -> dict[str, Any]:
    return {"type": "node", "name": text, "type_specific_fields": {"parent": fn}}


def result(check: str, impact: str, *elements: dict[str, Any], line: int = 10) -> dict[str, Any]:
    return {
        "check": check,
        "impact": impact,
        "confidence": "High",
        "description": f"{check} in Dist (contracts/Dist.sol#{line})\n\t- detail\n",
        "elements": list(elements),
    }


KNOWN = function("_known", "_known(uint256)")
EQUALITY = result("incorrect-equality", "Medium", KNOWN, node("t.deposit  ==\n 0", KNOWN))


def test_key_names_contract_function_and_statement() -> None:
    finding = finding_from_result(EQUALITY)
    assert finding.key == "incorrect-equality: Dist._known(uint256) @ t.deposit == 0"
    assert finding.impact == "Medium"
    assert finding.description == "incorrect-equality in Dist (contracts/Dist.sol#10)"


def test_key_survives_line_moves() -> None:
    moved = result("incorrect-equality", "Medium", KNOWN, node("t.deposit == 0", KNOWN), line=99)
    assert finding_from_result(moved).key == finding_from_result(EQUALITY).key


def test_key_of_a_local_variable_and_of_a_contract() -> None:
    outcome = function("outcome", "outcome(uint256)")
    local = {"type": "variable", "name": "best", "type_specific_fields": {"parent": outcome}}
    assert (
        finding_from_result(result("uninitialized-local", "Medium", local)).key
        == "uninitialized-local: Dist.outcome(uint256).best"
    )
    unimplemented = result("unimplemented-functions", "Informational", CONTRACT, KNOWN)
    assert finding_from_result(unimplemented).key == "unimplemented-functions: Dist"


def test_output_is_sorted_by_impact_and_deduplicated() -> None:
    low = result("timestamp", "Low", KNOWN, node("block.timestamp < t", KNOWN))
    output = {"success": True, "error": None, "results": {"detectors": [low, EQUALITY, EQUALITY]}}
    findings = findings_from_output(output)
    assert [f.check for f in findings] == ["incorrect-equality", "timestamp"]
    assert findings_from_output({"success": True, "results": {}}) == []


def test_failed_run_is_an_error() -> None:
    with pytest.raises(SlitherError, match="compilation"):
        findings_from_output({"success": False, "error": "compilation failed"})


def finding(key: str, impact: str = "Medium") -> Finding:
    return Finding(
        check=key.split(":")[0], impact=impact, confidence="High", key=key, description=key
    )


def entry(key: str, reason: str = "because") -> TriageEntry:
    return TriageEntry(key=key, check=key.split(":")[0], impact="Medium", reason=reason)


def test_triaged_findings_pass() -> None:
    verdict = compare([finding("a: x")], {"a: x": entry("a: x")})
    assert verdict.ok and verdict.lines() == []


def test_high_fails_even_when_triaged() -> None:
    verdict = compare([finding("h: x", "High")], {"h: x": entry("h: x")})
    assert not verdict.ok
    assert [f.key for f in verdict.high] == ["h: x"]


def test_untriaged_finding_fails() -> None:
    verdict = compare([finding("a: x"), finding("b: y", "Informational")], {"a: x": entry("a: x")})
    assert [f.key for f in verdict.untriaged] == ["b: y"]
    assert not verdict.ok


def test_empty_reason_fails() -> None:
    verdict = compare([finding("a: x")], {"a: x": entry("a: x", reason="")})
    assert [e.key for e in verdict.no_reason] == ["a: x"]


def test_stale_triage_entry_fails() -> None:
    verdict = compare([], {"gone: x": entry("gone: x")})
    assert [e.key for e in verdict.stale] == ["gone: x"]
    assert "no longer found" in verdict.lines()[0]


def test_update_keeps_reasons_and_drops_gone_entries(tmp_path: Path) -> None:
    previous = {"a: x": entry("a: x", "kept"), "gone: y": entry("gone: y")}
    doc = triage_document([finding("a: x"), finding("new: z")], previous, "slither 0.11.6")
    path = tmp_path / "triage.json"
    path.write_text(json.dumps(doc))
    loaded = load_triage(path)
    assert {k: e.reason for k, e in loaded.items()} == {"a: x": "kept", "new: z": ""}


def test_duplicate_triage_entries_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "triage.json"
    path.write_text(json.dumps({"findings": [{"key": "a"}, {"key": "a"}]}))
    with pytest.raises(SlitherError, match="twice"):
        load_triage(path)
    assert load_triage(tmp_path / "missing.json") == {}


def test_standard_json_input_lists_every_contract_recursively(tmp_path: Path) -> None:
    (tmp_path / "contracts" / "token").mkdir(parents=True)
    (tmp_path / "contracts" / ".cache" / "dep").mkdir(parents=True)
    (tmp_path / "contracts" / "token" / "T.sol").write_text("")
    (tmp_path / "contracts" / "A.sol").write_text("")
    (tmp_path / "contracts" / ".cache" / "dep" / "D.sol").write_text("")
    data = standard_json_input(tmp_path, "prague")
    assert list(data["sources"]) == ["contracts/A.sol", "contracts/token/T.sol"]
    assert data["sources"]["contracts/A.sol"] == {"urls": ["contracts/A.sol"]}
    assert data["settings"] == {"evmVersion": "prague"}
    with pytest.raises(SlitherError):
        standard_json_input(tmp_path / "contracts" / "token", "prague")


def test_remappings_follow_ape_config() -> None:
    assert remappings(PROJECT_ROOT) == ["@openzeppelin/contracts/=.deps/openzeppelin-contracts/"]


def test_command_line() -> None:
    cmd = slither_command("slither", "in.json", ".solcx/solc-v0.8.30", ["@a/=b/"], ["x/", "y/"])
    assert cmd[:6] == [
        "slither",
        "in.json",
        "--compile-force-framework",
        "solc-json",
        "--solc",
        ".solcx/solc-v0.8.30",
    ]
    assert "--show-ignored-findings" in cmd
    assert cmd[cmd.index("--filter-paths") + 1] == "x/,y/"
    assert cmd[cmd.index("--solc-remaps") + 1] == "@a/=b/"
    assert cmd[cmd.index("--json") + 1] == "-"


def test_committed_triage_file_is_complete() -> None:
    """Every listed finding has a reason and is not High (make slither checks it is current)."""
    triage = load_triage(PROJECT_ROOT / TRIAGE_FILE)
    assert triage, "audit/slither-triage.json lists no findings"
    for key, item in triage.items():
        assert item.reason, f"no reason for {key}"
        assert item.impact != "High", f"a high finding cannot be triaged: {key}"
