"""What the money-flow jobs (offerings, trades, buy-backs) share: their contract at an address
the user named, the payment asset or token as a plain ERC-20, and the chain's clock."""

from __future__ import annotations

from typing import Any

from sectoken.abi import contract_abi, function_entries
from sectoken.chain.suite import Suite
from sectoken.errors import SectokenError
from sectoken.model.addresses import checked_address

__all__ = ["chain_now", "erc20_at", "market_contract"]

#: The ERC-20 functions the jobs call on a payment asset or a token (the token's entries).
_ERC20_ABI = function_entries(
    "SecurityToken", ("symbol", "decimals", "balanceOf", "allowance", "approve")
)


def erc20_at(address: str) -> Any:
    """An ERC-20 at ``address`` (symbol, decimals, balanceOf, allowance, approve)."""
    from ape import Contract

    return Contract(address, abi=_ERC20_ABI)


def market_contract(suite: Suite, address: str, contract_type: str, option: str) -> Any:
    """The ``contract_type`` at ``address``, which must have code on this chain (else the error
    names ``option``, the command-line option that gives the address)."""
    from ape import Contract

    checked = checked_address(address, allow_unchecksummed=True)
    if not suite.w3.eth.get_code(checked):  # type: ignore[arg-type]
        raise SectokenError(
            f"no contract at {checked} on this network",
            hint=f"pass the {contract_type} address with {option}",
        )
    return Contract(checked, abi=contract_abi(contract_type))


def chain_now(suite: Suite) -> int:
    """The latest block's timestamp."""
    return int(suite.w3.eth.get_block("latest")["timestamp"])
