"""`ape run chain`: a thin wrapper over ``sectoken.cli.chain`` (also `ape sectoken chain`)."""

from sectoken.cli.chain import cli

__all__ = ["cli"]
