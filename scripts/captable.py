"""`ape run captable`: a thin wrapper over ``sectoken.cli.captable``.

The same command is `ape sectoken captable`.
"""

from sectoken.cli.captable import cli

__all__ = ["cli"]
