"""Every exception sectoken defines is a SectokenError (one ``except`` catches what we raise on
purpose), keeping the builtin base where callers rely on it; and no module raises a bare builtin
exception for a user's mistake."""

from __future__ import annotations

import ast
import builtins
import importlib
import pkgutil
from pathlib import Path

import pytest

import sectoken
from sectoken.errors import SectokenError

SRC = Path(sectoken.__file__).resolve().parent

# Exception classes allowed not to derive from SectokenError, each with the reason.
INTERNAL: dict[str, str] = {
    "sectoken.abi._NotOneWord": (
        "a signal inside sectoken.abi's one-word codecs to hand a value to eth_abi; raised and "
        "caught in that module only, never seen by a caller"
    ),
}

# Files whose bare builtin raises are not audited (none).
NOT_AUDITED_HERE: set[str] = set()

# The builtin base each user-facing error keeps, so ``except ValueError`` callers still work.
KEEPS = {
    "sectoken.model.addresses.AddressError": ValueError,
    "sectoken.model.amounts.AmountError": ValueError,
    "sectoken.model.dates.DateError": ValueError,
    "sectoken.model.records.RecordError": ValueError,
    "sectoken.model.countries.UnknownCountryError": ValueError,
    "sectoken.model.csv_investors.InvestorCsvError": ValueError,
    "sectoken.model.csv_investors.FlagError": ValueError,
    "sectoken.model.spec.DurationError": ValueError,
    "sectoken.errors.InvalidArgument": ValueError,
    "sectoken.chain.contracts.UnknownContract": AttributeError,
    "sectoken.dev.toolchain.ToolchainError": RuntimeError,
}

BUILTIN_ERRORS = {name for name in dir(builtins) if name.endswith(("Error", "Exception"))}


def _modules() -> list[str]:
    names = ["sectoken"]
    for info in pkgutil.walk_packages(sectoken.__path__, "sectoken."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__ == name
            ):
                found[f"{name}.{value.__qualname__}"] = value
    return found


def test_every_exception_class_is_a_sectoken_error() -> None:
    classes = _exception_classes()
    assert len(classes) >= 20  # the walk did find the package's errors
    strays = [
        name
        for name, cls in classes.items()
        if not issubclass(cls, SectokenError) and name not in INTERNAL
    ]
    assert not strays, f"not SectokenError subclasses (and not listed as internal): {strays}"
    assert set(INTERNAL) <= set(classes), "INTERNAL names a class that no longer exists"


@pytest.mark.parametrize(("name", "base"), sorted(KEEPS.items()))
def test_builtin_base_is_kept(name: str, base: type[BaseException]) -> None:
    cls = _exception_classes()[name]
    assert issubclass(cls, SectokenError) and issubclass(cls, base)


def test_no_bare_builtin_raise() -> None:
    """``raise ValueError(...)`` (or RuntimeError, KeyError, ...) in src/sectoken is a user error
    without our base class; raise a SectokenError subclass instead."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative in NOT_AUDITED_HERE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # A module's or class's __getattr__ must raise AttributeError: Python's protocol.
        protocol = {
            id(inner)
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef) and fn.name == "__getattr__"
            for inner in ast.walk(fn)
        }
        for node in ast.walk(tree):
            if id(node) in protocol:
                continue
            if isinstance(node, ast.Raise) and node.exc is not None:
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(target, ast.Name) and target.id in BUILTIN_ERRORS:
                    found.append(f"{relative}:{node.lineno}: raise {target.id}")
    assert not found, "\n".join(found)


def test_toolchain_error_keeps_its_layout() -> None:
    from sectoken.dev.toolchain import ConfigError

    error = ConfigError("no solidity section", "add one")
    assert str(error) == "no solidity section\n  Fix: add one"
    assert error.message == "no solidity section" and error.hint == "add one"
