"""THREAT_MODEL.md names, for each threat, the tests that cover it: they must exist."""

from __future__ import annotations

import re
from pathlib import Path

REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def test_every_test_named_in_the_threat_model_exists(project_root: Path) -> None:
    text = (project_root / "THREAT_MODEL.md").read_text()
    references = REFERENCE.findall(text)
    assert len(references) > 40
    missing = []
    for path, name in sorted(set(references)):
        source = project_root / path
        if not source.is_file() or not re.search(rf"^def {name}\(", source.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert missing == [], "THREAT_MODEL.md names tests that do not exist"
