"""What the markets state machine reaches, counted on chain: a fixed, derandomized run of the
machine (the same examples every time, no example database) must settle trades and reach every
money flow's success and its refusals. An outcome counts only where the chain confirmed it: a
success once the contract's own view shows it after the accepted transaction (and the model
predicted it), a refusal where the chain reverted the call (and the model predicted that).

The machine checks conservation after every step whatever it reaches; this test keeps it from
quietly reaching little (a strategy or precondition change that starves a flow fails here).

Known gap: this fixed run reaches no delivery of an offering's shares (its claims come after
the delivery window or from a wallet whose KYC lapsed); the quick run of the machine itself
delivers (test_markets_machine.py prints the counts), so "offering delivered" is not asserted
here yet."""

from __future__ import annotations

import pytest
from hypothesis import settings

from .conftest import Env
from .test_markets_machine import run_markets_machine

EXAMPLES = 10
STEPS = 25

SUCCESSES = (
    "offering succeeded",
    "offering failed",
    "offering cancelled",
    "offering refunded",
    "trade settled",
    "trade cancelled",
    "expired trade released",
    "tender paid",
    "tender recorded",
    "pro-rata settled",
    "buy-back closed",
)
REFUSALS = (
    "subscribe refused",
    "close refused",
    "claim shares refused",
    "refund refused",
    "settle trade refused",
    "accept and settle refused",
    "cancel trade refused",
    "release expired trade refused",
    "tender refused",
    "settle tender refused",
    "close buy-back refused",
)


# Slow (deep profile, or `make test ARGS="tests/markets -m slow"`): alone, or after the machine
# test in its folder, this fixed run meets every outcome below (the same counts in three runs);
# in the quick suite's second shard, after the other folders' tests on the same node, it met
# three fewer (offering refunded, tender paid, cancel trade refused). What state left by earlier
# tests changes the run is not established, so it is not part of the quick suite.
@pytest.mark.slow
def test_markets_machine_reaches_every_outcome(env: Env) -> None:
    run = settings(
        settings(),  # the active profile's health checks and deadline
        derandomize=True,
        database=None,
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
    )
    reached = run_markets_machine(env, run)
    missing = [name for name in (*SUCCESSES, *REFUSALS) if not reached.get(name)]
    assert not missing, f"never reached on chain: {missing}"
    assert reached["trade settled"] >= 3, "a run settles several trades"
