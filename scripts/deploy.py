"""`ape run deploy`: a thin wrapper over ``sectoken.cli.deploy`` (also `ape sectoken deploy`)."""

from sectoken.cli.deploy import cli

__all__ = ["cli"]
