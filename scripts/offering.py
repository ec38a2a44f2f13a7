"""`ape run offering`: a thin wrapper over ``sectoken.cli.offering``."""

from sectoken.cli.offering import cli

__all__ = ["cli"]
