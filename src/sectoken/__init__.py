"""sectoken: security tokens on Ethereum, driven from Python with Ape."""

__version__ = "0.1.0"
