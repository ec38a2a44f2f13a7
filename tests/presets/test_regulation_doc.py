"""docs/REGULATION.md keeps up with the catalogue: every preset, rule, paragraph and duty."""

from __future__ import annotations

from pathlib import Path

import pytest

from sectoken.model.presets import CATALOGUE, RULE_OF_RESTRICTION, build_preset

_DOC = (Path(__file__).resolve().parents[2] / "docs" / "REGULATION.md").read_text()
_EXAMPLE = {"reg_s": {"category": 3, "offering_start": "2026-07-01", "closing_date": "2026-07-10"}}


def _section(name: str) -> str:
    start = _DOC.index(f"### `{name}`")
    end = _DOC.find("\n### ", start + 1)
    return _DOC[start : end if end > 0 else None]


def test_the_doc_says_it_is_not_legal_advice() -> None:
    assert "**This is not legal advice.**" in _DOC


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_each_preset_documents_its_rules_paragraphs_and_duties(name: str) -> None:
    section = _section(name)
    use = build_preset(name, _EXAMPLE.get(name, {}))
    for setting in use.settings:
        row = f"| `{setting.key.split(':')[0]}` |"
        assert row in section, f"{name}: {setting.key} not documented"
        assert f"| {setting.meaning} | {setting.cite} |" in section
        if setting.key in RULE_OF_RESTRICTION.values():  # a refusal code names this rule
            assert setting.refusal in _DOC, f"{name}: refusal of {setting.key} not in the table"
    for duty in CATALOGUE[name].off_chain:
        assert f"- {duty}" in section
    for param in CATALOGUE[name].params:
        assert f"`{param.name}`" in section
