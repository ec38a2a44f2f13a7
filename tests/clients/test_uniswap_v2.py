"""Uniswap V2 (factory, pair and router from their npm artifacts) trading the security token.

A pair is just another wallet to the token: it receives tokens only once the compliance officer
has registered it in the registry, and the router, which moves the trader's tokens with
``transferFrom``, spends them only once the token's compliance officer has approved it as an
operator (the spender check, restriction 24). Before that, adding liquidity is refused with the
token's restriction; after it, liquidity and swaps work, and a swap paying an unverified wallet is
still refused (the pair's transfer out is a transfer like any other).

Uniswap's ``TransferHelper`` and the pair's ``_safeTransfer`` replace the token's revert reason by
their own (``TRANSFER_FROM_FAILED``, ``TRANSFER_FAILED``); the token's verdict for the same move is
read from ``detectTransferRestriction`` / ``canTransferFrom`` beside each refusal.
"""

from __future__ import annotations

from typing import Any

import ape
import pytest

from .npm_artifacts import UNISWAP_CORE, UNISWAP_PERIPHERY, container

RECEIVER_NOT_VERIFIED = 3
SPENDER_NOT_ALLOWED = 24
SHARES = 100_000  # the fixture token has 0 decimals
DOLLARS = 10**6  # the stablecoin has 6
DEADLINE = 2**40


@pytest.fixture
def dex(deployer: Any) -> dict[str, Any]:
    factory = container(UNISWAP_CORE, "UniswapV2Factory").deploy(deployer, sender=deployer)
    weth = container(UNISWAP_PERIPHERY, "WETH9").deploy(sender=deployer)
    router = container(UNISWAP_PERIPHERY, "UniswapV2Router02").deploy(
        factory, weth, sender=deployer
    )
    return {"factory": factory, "router": router}


@pytest.fixture
def market(
    suite: Any, stablecoin: Any, dex: dict[str, Any], issuer: Any, alice: Any, bob: Any
) -> dict[str, Any]:
    """A token/stablecoin pair (created, empty), alice funded to provide liquidity, bob to trade."""
    factory, router = dex["factory"], dex["router"]
    factory.createPair(suite, stablecoin, sender=alice)
    pair = container(UNISWAP_CORE, "UniswapV2Pair").at(factory.getPair(suite, stablecoin))
    suite.issue(alice, SHARES, b"", sender=issuer)
    suite.issue(bob, 1_000, b"", sender=issuer)
    stablecoin.mint(alice, 1_000_000 * DOLLARS, sender=alice)
    stablecoin.mint(bob, 10_000 * DOLLARS, sender=bob)
    for trader in (alice, bob):
        suite.approve(router, 2**256 - 1, sender=trader)
        stablecoin.approve(router, 2**256 - 1, sender=trader)
    return {"pair": pair, "router": router, "token": suite, "coin": stablecoin}


def _approve_pair_and_router(market: dict[str, Any], verify: Any, compliance_officer: Any) -> None:
    verify(market["pair"].address)
    market["token"].setApprovedOperator(market["router"], True, sender=compliance_officer)


def _add_liquidity(market: dict[str, Any], provider: Any, shares: int, dollars: int) -> Any:
    return market["router"].addLiquidity(
        market["token"],
        market["coin"],
        shares,
        dollars,
        0,
        0,
        provider,
        DEADLINE,
        sender=provider,
    )


def test_a_direct_transfer_to_an_unregistered_pair_is_refused(
    market: dict[str, Any], alice: Any
) -> None:
    token, pair = market["token"], market["pair"]
    with ape.reverts(token.TransferRestricted, code=RECEIVER_NOT_VERIFIED):
        token.transfer(pair, 1_000, sender=alice)
    assert token.balanceOf(pair) == 0


def test_adding_liquidity_before_approval_is_refused(market: dict[str, Any], alice: Any) -> None:
    token, pair, router = market["token"], market["pair"], market["router"]
    assert token.detectTransferRestriction(alice, pair, 50_000) == RECEIVER_NOT_VERIFIED
    with ape.reverts("TransferHelper: TRANSFER_FROM_FAILED"):
        _add_liquidity(market, alice, 50_000, 500_000 * DOLLARS)
    assert token.balanceOf(pair) == 0 and pair.totalSupply() == 0
    assert market["coin"].balanceOf(pair) == 0
    assert token.balanceOf(alice) == SHARES
    # The router asks as the spender: with spender checks, its own refusal comes first.
    can, _status, reason = token.canTransferFrom(alice, pair, 50_000, b"", sender=router)
    assert (can, int.from_bytes(reason, "big")) == (False, SPENDER_NOT_ALLOWED)


def test_the_router_needs_operator_approval_as_spender(
    market: dict[str, Any], verify: Any, alice: Any, compliance_officer: Any
) -> None:
    """The pair registered but the router not approved: the router may not spend alice's tokens."""
    token, pair, router = market["token"], market["pair"], market["router"]
    verify(pair.address)
    assert token.detectTransferRestriction(alice, pair, 50_000) == 0
    can, _status, reason = token.canTransferFrom(alice, pair, 50_000, b"", sender=router)
    assert (can, int.from_bytes(reason, "big")) == (False, SPENDER_NOT_ALLOWED)
    with ape.reverts("TransferHelper: TRANSFER_FROM_FAILED"):
        _add_liquidity(market, alice, 50_000, 500_000 * DOLLARS)
    assert token.balanceOf(pair) == 0
    receipt = token.setApprovedOperator(router, True, sender=compliance_officer)
    assert token.isApprovedOperator(router)
    events = list(receipt.decode_logs(token.ApprovedOperatorSet))
    assert len(events) == 1 and events[0].operator == router.address and events[0].approved
    can, _status, _reason = token.canTransferFrom(alice, pair, 50_000, b"", sender=router)
    assert can
    _add_liquidity(market, alice, 50_000, 500_000 * DOLLARS)
    assert token.balanceOf(pair) == 50_000


def test_after_approval_liquidity_and_swaps_work(
    market: dict[str, Any], verify: Any, alice: Any, bob: Any, compliance_officer: Any
) -> None:
    token, coin, pair, router = market["token"], market["coin"], market["pair"], market["router"]
    _approve_pair_and_router(market, verify, compliance_officer)
    _add_liquidity(market, alice, 50_000, 500_000 * DOLLARS)
    assert token.balanceOf(pair) == 50_000
    assert coin.balanceOf(pair) == 500_000 * DOLLARS
    reserve_token, reserve_coin = _reserves(pair, token)
    assert (reserve_token, reserve_coin) == (50_000, 500_000 * DOLLARS)
    assert pair.balanceOf(alice) > 0
    assert token.balanceOf(alice) == SHARES - 50_000

    # bob buys shares with dollars: the pair pays him (a plain transfer out of the pair).
    paid = 1_000 * DOLLARS
    expected = router.getAmountsOut(paid, [coin, token])[1]
    assert expected > 0
    router.swapExactTokensForTokens(paid, 1, [coin, token], bob, DEADLINE, sender=bob)
    assert token.balanceOf(bob) == 1_000 + expected
    assert coin.balanceOf(bob) == 9_000 * DOLLARS
    assert token.balanceOf(pair) == 50_000 - expected

    # bob sells shares back: the router spends his shares (transferFrom into the pair).
    sold = 500
    expected_dollars = router.getAmountsOut(sold, [token, coin])[1]
    router.swapExactTokensForTokens(sold, 1, [token, coin], bob, DEADLINE, sender=bob)
    assert token.balanceOf(bob) == 1_000 + expected - sold
    assert coin.balanceOf(bob) == 9_000 * DOLLARS + expected_dollars
    assert _reserves(pair, token) == (token.balanceOf(pair), coin.balanceOf(pair))


def test_a_swap_paying_an_unverified_wallet_is_refused(
    market: dict[str, Any], verify: Any, alice: Any, bob: Any, dave: Any, compliance_officer: Any
) -> None:
    token, coin, pair, router = market["token"], market["coin"], market["pair"], market["router"]
    _approve_pair_and_router(market, verify, compliance_officer)
    _add_liquidity(market, alice, 50_000, 500_000 * DOLLARS)
    out = router.getAmountsOut(1_000 * DOLLARS, [coin, token])[1]
    assert token.detectTransferRestriction(pair, dave, out) == RECEIVER_NOT_VERIFIED
    with ape.reverts("UniswapV2: TRANSFER_FAILED"):
        router.swapExactTokensForTokens(
            1_000 * DOLLARS, 1, [coin, token], dave, DEADLINE, sender=bob
        )
    assert token.balanceOf(dave) == 0
    assert coin.balanceOf(bob) == 10_000 * DOLLARS
    assert _reserves(pair, token) == (50_000, 500_000 * DOLLARS)


def _reserves(pair: Any, token: Any) -> tuple[int, int]:
    """(token reserve, stablecoin reserve) whatever the pair's token order."""
    reserve0, reserve1, _ = pair.getReserves()
    if pair.token0() == token.address:
        return int(reserve0), int(reserve1)
    return int(reserve1), int(reserve0)
