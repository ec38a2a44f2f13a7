"""`ape run index`: a thin wrapper over ``sectoken.cli.index`` (also `ape sectoken index`)."""

from sectoken.cli.index import cli

__all__ = ["cli"]
