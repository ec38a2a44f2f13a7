"""Errors a person can act on: what is wrong, and what to do about it, in one line each."""

from __future__ import annotations

__all__ = ["InvalidArgument", "SectokenError"]


class SectokenError(Exception):
    """Base of every error sectoken raises on purpose. ``str()`` is the one-line explanation."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message}: {hint}" if hint else message)


class InvalidArgument(SectokenError, ValueError):
    """A value passed to a sectoken function is outside what it accepts (a batch size of 0)."""
