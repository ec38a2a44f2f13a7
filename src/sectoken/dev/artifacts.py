"""Generate (and check) the package's ABI data from the compiler's output.

``python -m sectoken.dev.artifacts export`` compiles the project through Ape and writes, for
every contract of a suite, its ABI with the creation and runtime bytecode into
``src/sectoken/abi/data/<Name>.json``: what the installed package uses to talk to and deploy the
contracts with no compiler. ``check`` exits 1 when the files differ from a fresh compile.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sectoken.abi import DELEGATES_TO, SHARED_CODE, SUITE_CONTRACTS, merged_abi

__all__ = ["DATA_DIR", "main", "packaged_form", "stale_contracts"]

DATA_DIR = Path(__file__).resolve().parents[1] / "abi" / "data"
#: Contract types packaged besides the suite: the shared code its tokens use (the admin module)
#: and the money-flow contracts the jobs drive; mocks stay out of the package.
EXTRA_CONTRACTS: tuple[str, ...] = (
    *SHARED_CODE.values(),
    "PrimaryOffering",
    "TradeSettlement",
    "BuybackOffers",
)


def packaged_form(contract_type: Any) -> dict[str, Any]:
    """The part of an Ape/ethpm contract type the package ships: name, ABI, bytecode."""
    data = contract_type.model_dump(mode="json", by_alias=True)
    return {
        "contractName": data["contractName"],
        "abi": data["abi"],
        "deploymentBytecode": {"bytecode": data["deploymentBytecode"]["bytecode"]},
        "runtimeBytecode": {"bytecode": data["runtimeBytecode"]["bytecode"]},
    }


def _render(form: dict[str, Any]) -> str:
    return json.dumps(form, indent=1, sort_keys=True) + "\n"


def _form(project: Any, name: str) -> dict[str, Any]:
    """The packaged form of ``name``; a contract delegating to a module ships the merged ABI."""
    form = packaged_form(getattr(project, name).contract_type)
    module = DELEGATES_TO.get(name)
    if module is not None:  # the module's own form is merged first (it may delegate in turn)
        form["abi"] = merged_abi(form["abi"], _form(project, module)["abi"])
    return form


def _compiled(project: Any) -> dict[str, str]:
    names = [*SUITE_CONTRACTS.values(), *EXTRA_CONTRACTS]
    return {name: _render(_form(project, name)) for name in names}


def stale_contracts(project: Any, data_dir: Path = DATA_DIR) -> list[str]:
    """Names whose packaged file is missing or differs from ``project``'s compiled output."""
    stale = []
    for name, text in _compiled(project).items():
        path = data_dir / f"{name}.json"
        if not path.is_file() or path.read_text() != text:
            stale.append(name)
    return stale


def export(project: Any, data_dir: Path = DATA_DIR) -> list[Path]:
    data_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in _compiled(project).items():
        path = data_dir / f"{name}.json"
        path.write_text(text)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sectoken.dev.artifacts", description=__doc__)
    parser.add_argument("action", choices=["export", "check"])
    args = parser.parse_args(argv)
    from ape import project

    if args.action == "export":
        for path in export(project):
            print(
                f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}"
            )
        return 0
    stale = stale_contracts(project)
    if stale:
        print(
            f"stale ABI data for {', '.join(stale)}: run `make artifacts` and commit the result",
            file=sys.stderr,
        )
        return 1
    print("packaged ABI data matches the compiled contracts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
