"""`ape run investors`: a thin wrapper over ``sectoken.cli.investors``.

The same command is `ape sectoken investors`.
"""

from sectoken.cli.investors import cli

__all__ = ["cli"]
