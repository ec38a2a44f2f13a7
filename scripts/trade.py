"""`ape run trade`: a thin wrapper over ``sectoken.cli.trade``."""

from sectoken.cli.trade import cli

__all__ = ["cli"]
