"""Reverts that carry timestamps are explained with dates (UTC), not unix seconds."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import encode
from eth_utils import keccak

from sectoken.model.dates import parse_timestamp
from sectoken.model.restrictions import ErrorDecoder


def _error(name: str, *inputs: tuple[str, str]) -> dict[str, Any]:
    return {"type": "error", "name": name, "inputs": [{"name": n, "type": t} for n, t in inputs]}


ABI = [
    _error("RecordDateNotInFuture", ("timestamp", "uint256"), ("nowTimestamp", "uint256")),
    _error("VotingClosed", ("id", "uint256"), ("end", "uint64")),
    _error("InvalidWindow", ("start", "uint64"), ("end", "uint64")),
    _error("DistributionNotExpired", ("id", "uint256"), ("expiry", "uint64")),
]
JAN = parse_timestamp("2027-01-01")
NOON = parse_timestamp("2027-03-31T12:00:00Z")


@pytest.mark.parametrize(
    ("signature", "types", "values", "expected"),
    [
        (
            "RecordDateNotInFuture(uint256,uint256)",
            ["uint256", "uint256"],
            [JAN, NOON],
            "2027-01-01 is not after the chain's time 2027-03-31T12:00:00Z",
        ),
        ("VotingClosed(uint256,uint64)", ["uint256", "uint64"], [3, JAN], "closed at 2027-01-01"),
        (
            "InvalidWindow(uint64,uint64)",
            ["uint64", "uint64"],
            [NOON, JAN],
            "2027-03-31T12:00:00Z to 2027-01-01",
        ),
        (
            "DistributionNotExpired(uint256,uint64)",
            ["uint256", "uint64"],
            [2, NOON],
            "distribution 2 runs until 2027-03-31T12:00:00Z",
        ),
    ],
)
def test_timestamps_read_as_dates(
    signature: str, types: list[str], values: list[int], expected: str
) -> None:
    data = keccak(text=signature)[:4] + encode(types, values)
    decoded = ErrorDecoder([ABI]).decode(data)
    assert decoded is not None
    assert expected in decoded.explanation
    assert str(values[-1]) not in decoded.explanation
