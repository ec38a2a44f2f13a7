"""`ape run console`: a thin wrapper over ``sectoken.cli.console``.

The same command is `ape sectoken console`.
"""

from sectoken.cli.console import cli

__all__ = ["cli"]
