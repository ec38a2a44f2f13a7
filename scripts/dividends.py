"""`ape run dividends`: a thin wrapper over ``sectoken.cli.dividends``.

The same command is `ape sectoken dividends`.
"""

from sectoken.cli.dividends import cli

__all__ = ["cli"]
