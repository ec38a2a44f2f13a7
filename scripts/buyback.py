"""`ape run buyback`: a thin wrapper over ``sectoken.cli.buyback``."""

from sectoken.cli.buyback import cli

__all__ = ["cli"]
