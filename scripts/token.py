"""`ape run token`: a thin wrapper over ``sectoken.cli.token`` (also `ape sectoken token`)."""

from sectoken.cli.token import cli

__all__ = ["cli"]
