"""The index's encodings, without a chain: uint256 as sortable text, event fields as JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, select

from sectoken.index import schema
from sectoken.index.derive import jsonable
from sectoken.index.sync import args_json, open_index

_address = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
_value = st.one_of(
    st.integers(min_value=0, max_value=2**256 - 1),
    st.booleans(),
    _address,
    st.binary(max_size=40),
    st.text(max_size=20),
    st.sampled_from(["é", "日本", 'a"b', "x\\y"]),
)


@given(st.dictionaries(st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,12}", fullmatch=True), _value))
def test_the_fast_json_is_the_same_json(args: dict[str, Any]) -> None:
    text = args_json(args)
    assert text == json.dumps(jsonable(args), separators=(",", ":"))
    assert json.loads(text) == jsonable(args)


def test_uint256_round_trips_and_sorts_numerically(tmp_path: Any) -> None:
    index = open_index(f"sqlite:///{tmp_path / 'x.sqlite'}")
    values = [0, 9, 10, 2**64, 2**255 + 1, 2**256 - 1]
    token = "0x" + "11" * 20
    with index.engine.begin() as conn:
        conn.execute(
            insert(schema.balances),
            [{"token": token, "holder": f"0x{i:040x}", "balance": v} for i, v in enumerate(values)],
        )
    with index.engine.connect() as conn:
        read = (
            conn.execute(
                select(schema.balances.c.balance).order_by(schema.balances.c.balance.desc())
            )
            .scalars()
            .all()
        )
    index.close()
    assert read == sorted(values, reverse=True)


def test_a_value_outside_uint256_is_refused(tmp_path: Any) -> None:
    index = open_index(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with pytest.raises(Exception, match="is not a uint256"), index.engine.begin() as conn:
        conn.execute(insert(schema.balances), [{"token": "t", "holder": "h", "balance": -1}])
    index.close()
