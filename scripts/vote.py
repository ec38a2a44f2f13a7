"""`ape run vote`: a thin wrapper over ``sectoken.cli.vote`` (also `ape sectoken vote`)."""

from sectoken.cli.vote import cli

__all__ = ["cli"]
