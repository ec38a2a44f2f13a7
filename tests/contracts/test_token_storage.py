"""The token writes transfer balances itself (``_moveBalances``), at the slot OpenZeppelin's ERC20
keeps them: ``_balances`` is the first state variable, a mapping at slot 0. If an inheritance or
OpenZeppelin change moved it, ``balanceOf`` would stop seeing what transfers write: this test
reads the slots back after transfers, self-transfers and a transferFrom."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import encode
from eth_utils.crypto import keccak


def balance_slot(wallet: Any) -> int:
    return int.from_bytes(keccak(encode(["address", "uint256"], [wallet.address, 0])), "big")


def test_balances_live_at_the_slot_the_transfer_path_writes(
    funded: Any, verify: Any, chain: Any, alice: Any, bob: Any, carol: Any
) -> None:
    funded.transfer(bob, 10, sender=alice)
    funded.transfer(alice, 0, sender=alice)
    funded.transfer(alice, 5, sender=alice)  # a self-transfer changes nothing
    funded.approve(carol, 30, sender=bob)
    funded.transferFrom(bob, carol, 30, sender=carol)
    expected = {alice: 990, bob: 480, carol: 30}
    for wallet, balance in expected.items():
        stored = int.from_bytes(chain.provider.get_storage(funded.address, balance_slot(wallet)))
        assert stored == funded.balanceOf(wallet) == balance
    assert funded.totalSupply() == 1500
