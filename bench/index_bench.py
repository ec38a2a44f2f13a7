"""Index 100,000 transfers and read a cap table of 100,000 holders from the index, and time it.

Run: ``make bench`` (or ``.venv/bin/python bench/index_bench.py [--holders N] [--db URL]`` from
the project root, or ``ape run bench_index``). Prints figures; a benchmark, not a test. Targets:
syncing 100,000 transfers into the index in under 60 s; the cap table of 100,000 holders from
the index in under 2 s.

The logs are made fast on a private Anvil (127.0.0.1, a free port, no tracing): a tiny contract
(its bytecode is assembled below, no compiler involved) emits, in a loop, ``Transfer`` events of
the token's ABI (and ``InvestorAdded`` events of the registry's, for countries), a few thousand
per transaction. The index decodes them exactly as it decodes the token's and the registry's:
the sync is told the emitters are the suite's token and registry. Two phases, each synced and
timed on its own: issuances (``Transfer`` from the zero address) to N new holders, then N
transfers between holders (holder i sends 1 unit to holder i + 1). Then the cap table (every
holder with its balance and registry country, largest first) is read from the index and timed,
and checked: N holders, balances summing to the supply issued, spot balances as expected.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sectoken.abi import topic  # noqa: E402
from sectoken.chain.client import ChainClient  # noqa: E402
from sectoken.index.queries import cap_table  # noqa: E402
from sectoken.index.sync import DEFAULT_CONFIRMATIONS, Source, open_index, sync_index  # noqa: E402
from sectoken.model.records import InvestorRecord  # noqa: E402

SYNC_TARGET_SECONDS = 60.0
CAP_TABLE_TARGET_SECONDS = 2.0
PER_CALL = 5_000  # logs per transaction (about 9.5 million gas)
HOLDER_BASE = 0x5EC0_0000_0000  # holder i is the address HOLDER_BASE + i
MINTED = 1_000
COUNTRIES = (840, 826, 276, 756, 702, 392)


def _op(name: str) -> bytes:
    codes = {"STOP": 0x00, "ADD": 0x01, "MUL": 0x02, "LT": 0x10, "ISZERO": 0x15,
             "MSTORE": 0x52, "JUMP": 0x56, "JUMPI": 0x57, "JUMPDEST": 0x5B,
             "CALLDATALOAD": 0x35, "CODECOPY": 0x39, "RETURN": 0xF3, "LOG2": 0xA2,
             "LOG3": 0xA3, "DUP1": 0x80, "DUP2": 0x81, "DUP4": 0x83, "POP": 0x50}  # fmt: skip
    return bytes([codes[name]])


def _push(value: int, size: int = 1) -> bytes:
    return bytes([0x5F + size]) + value.to_bytes(size, "big")


def _assemble(loop_at: int, log2_at: int, end_at: int) -> tuple[bytes, int, int, int]:
    """The runtime code with the given jump targets; also where the targets really are."""
    code = _push(0x80) + _op("CALLDATALOAD") + _push(0) + _op("MSTORE")  # mem[0] = value
    code += _push(0)  # [i]
    here_loop = len(code)
    code += _op("JUMPDEST")  # loop: [i]
    code += _push(0x60) + _op("CALLDATALOAD") + _op("DUP2") + _op("LT") + _op("ISZERO")
    code += _push(end_at, 2) + _op("JUMPI")  # i >= count: stop
    code += _op("DUP1") + _push(0x40) + _op("CALLDATALOAD") + _op("ADD")  # [i, to]
    code += _push(0x20) + _op("CALLDATALOAD")  # [i, to, fb]
    # fb == 2**256 - 1 takes the LOG2 path (fb + 1 wraps to zero exactly then)
    code += _op("DUP1") + _push(1) + _op("ADD") + _op("ISZERO") + _push(log2_at, 2)
    code += _op("JUMPI")
    # from = fb == 0 ? 0 : fb + i
    code += _op("DUP1") + _op("ISZERO") + _op("ISZERO") + _op("DUP4") + _op("MUL")
    code += _op("ADD")  # [i, to, from]
    code += _push(0) + _op("CALLDATALOAD") + _push(0x20) + _push(0) + _op("LOG3")  # [i]
    code += _push(1) + _op("ADD") + _push(loop_at, 2) + _op("JUMP")
    here_log2 = len(code)
    code += _op("JUMPDEST")  # [i, to, fb]
    code += _op("DUP2") + _push(0) + _op("CALLDATALOAD") + _push(0x20) + _push(0)
    code += _op("LOG2") + _op("POP") + _op("POP")  # [i]
    code += _push(1) + _op("ADD") + _push(loop_at, 2) + _op("JUMP")
    here_end = len(code)
    code += _op("JUMPDEST") + _op("STOP")
    return code, here_loop, here_log2, here_end


def emitter_bytecode() -> bytes:
    """Creation code of the log emitter. Calldata: five words (topic0, from base, to base,
    count, value). For i < count it emits LOG3(topic0, from, to base + i) with data ``value``,
    where from is 0 when the from base is 0 and from base + i otherwise; with the from base
    equal to 2**256 - 1 it emits LOG2(topic0, to base + i) instead (an event with one indexed
    field, such as InvestorAdded)."""
    _, loop_at, log2_at, end_at = _assemble(0, 0, 0)  # first pass: where the labels fall
    code, *again = _assemble(loop_at, log2_at, end_at)
    assert again == [loop_at, log2_at, end_at]
    init = _push(len(code)) + _push(12) + _push(0) + _op("CODECOPY")
    init += _push(len(code)) + _push(0) + _op("RETURN")
    assert len(init) == 12
    return init + code


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _emit(client: ChainClient, sender: str, emitter: str, words: list[int], count: int) -> int:
    """Send emitter calls of PER_CALL logs each (one block each); the number of logs."""
    t0, from_base, to_base, value = words
    sent = 0
    while sent < count:
        part = min(PER_CALL, count - sent)
        # the from base moves with the batch, unless it is 0 (issuance) or the LOG2 marker
        step_from = from_base if from_base in (0, (1 << 256) - 1) else from_base + sent
        data = b"".join(w.to_bytes(32, "big") for w in (t0, step_from, to_base + sent, part, value))
        receipt = client.transact(sender, emitter, data, gas=part * 2_100 + 100_000)
        if not receipt.ok:
            raise SystemExit(f"the emitter call failed: {receipt}")
        sent += part
    return sent


def _settle(client: ChainClient) -> None:
    """Mine the confirmation depth of empty blocks: the emitted blocks are then final, as the
    blocks of a token's history are when an index catches up with it (the emitter packs 5,000
    logs in a block, where real transfers spread over thousands of blocks, all but the newest
    final; the undo log of young blocks is exercised by the tests, not timed here)."""
    for _ in range(DEFAULT_CONFIRMATIONS):
        client.request("evm_mine", [])


def _deploy(client: ChainClient, sender: str) -> str:
    tx = {"from": sender, "data": "0x" + emitter_bytecode().hex(), "gas": hex(1_000_000)}
    tx_hash = str(client.request("eth_sendTransaction", [tx]))
    client.wait_receipt(tx_hash)
    receipt = client.request("eth_getTransactionReceipt", [tx_hash])
    return str(receipt["contractAddress"]).lower()


def measure(node_url: str, holders: int, db_url: str, profile: bool = False) -> dict[str, float]:
    client = ChainClient.from_url(node_url, timeout=300)
    sender = str(client.request("eth_accounts")[0])
    token_emitter = _deploy(client, sender)
    registry_emitter = _deploy(client, sender)
    first = client.block_number()
    sources = [
        Source("token", "SecurityToken", token_emitter, first),
        Source("registry", "InvestorRegistry", registry_emitter, first),
    ]
    transfer = int(topic("SecurityToken", "Transfer"), 16)
    added = int(topic("InvestorRegistry", "InvestorAdded"), 16)
    figures: dict[str, float] = {}
    index = open_index(db_url)

    t0 = time.perf_counter()
    per_country = holders // len(COUNTRIES) + 1
    for n, country in enumerate(COUNTRIES):
        word = InvestorRecord(kyc_expiry=4_102_444_800, country=country).pack()
        count = min(per_country, holders - n * per_country)
        if count > 0:
            _emit(client, sender, registry_emitter,
                  [added, (1 << 256) - 1, HOLDER_BASE + n * per_country, word], count)  # fmt: skip
    _emit(client, sender, token_emitter, [transfer, 0, HOLDER_BASE, MINTED], holders)
    _settle(client)
    figures["setup: emit registry records + issuances (s)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    first_sync = sync_index(index, client, sources)
    figures[f"sync {holders:,} registry records + {holders:,} issuances (s)"] = (
        time.perf_counter() - t0
    )
    figures["events indexed (first sync)"] = first_sync.events

    moves = holders - 1
    t0 = time.perf_counter()
    _emit(client, sender, token_emitter, [transfer, HOLDER_BASE, HOLDER_BASE + 1, 1], moves)
    _settle(client)
    figures["setup: emit transfers between holders (s)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        with cProfile.Profile() as prof:
            second = sync_index(index, client, sources)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    else:
        second = sync_index(index, client, sources)
    seconds = time.perf_counter() - t0
    figures[f"sync {moves:,} transfers between holders (s)"] = seconds
    figures["events indexed (second sync)"] = second.events
    figures["transfers per second"] = second.events / seconds

    t0 = time.perf_counter()
    table = cap_table(index)
    figures[f"cap table of {len(table.holders):,} holders from the index (s)"] = (
        time.perf_counter() - t0
    )
    index.close()
    # checks: every holder there, the supply conserved, the chain of 1-unit moves applied
    assert len(table.holders) == holders, len(table.holders)
    assert table.total_supply == holders * MINTED, table.total_supply
    balances = {w: b for w, b, _c in table.holders}
    first_holder = "0x" + HOLDER_BASE.to_bytes(20, "big").hex()
    last_holder = "0x" + (HOLDER_BASE + holders - 1).to_bytes(20, "big").hex()
    assert balances[first_holder] == MINTED - 1 and balances[last_holder] == MINTED + 1
    assert all(c in COUNTRIES for _w, _b, c in table.holders)
    figures["holders"] = len(table.holders)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holders", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: SQLite in a temp dir)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="on a throw-away PostgreSQL server (Debian's postgresql binaries), not SQLite",
    )
    parser.add_argument("--profile", action="store_true", help="profile the second sync")
    args = parser.parse_args(argv)
    anvil = shutil.which("anvil")
    if anvil is None:
        sys.exit("anvil is not on PATH: run `make install` (it links Anvil into .venv/bin)")
    port = _free_port()
    node = subprocess.Popen(
        [anvil, "--host", "127.0.0.1", "--port", str(port), "--silent",
         "--gas-limit", "30000000", "--base-fee", "0", "--gas-price", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    cluster = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = args.db or f"sqlite:///{Path(folder) / 'index.sqlite'}"
            if args.postgres:
                from sectoken.dev.pgcluster import ThrowawayCluster

                cluster = ThrowawayCluster.find()
                if cluster is None:
                    sys.exit("--postgres: PostgreSQL binaries not found (Debian: postgresql)")
                cluster.start()
                url = cluster.create_database("index_bench")
            time.sleep(1.0)
            figures = measure(f"http://127.0.0.1:{port}", args.holders, url, args.profile)
    finally:
        node.terminate()
        node.wait(timeout=30)
        if cluster is not None:
            cluster.stop()
    backend = "postgresql" if args.postgres else (args.db or "sqlite").split(":")[0]
    print(f"Event index: {args.holders:,} holders, database {backend}")
    for name, value in figures.items():
        shown = f"{value:,.2f}" if isinstance(value, float) and value % 1 else f"{value:,.0f}"
        print(f"  {name:58} {shown:>10}")
    moves = next(
        v for k, v in figures.items() if k.startswith("sync") and k.endswith("holders (s)")
    )
    table = next(v for k, v in figures.items() if k.startswith("cap table of"))
    scaled = moves * 100_000 / max(args.holders - 1, 1)
    print(
        f"  target: 100,000 transfers indexed in under {SYNC_TARGET_SECONDS:.0f} s: "
        f"{'pass' if scaled < SYNC_TARGET_SECONDS else 'FAIL'} ({scaled:.1f} s per 100,000)"
    )
    print(
        f"  target: cap table of 100,000 holders in under {CAP_TABLE_TARGET_SECONDS:.0f} s: "
        + ("pass" if table < CAP_TABLE_TARGET_SECONDS and args.holders >= 100_000 else
           "FAIL" if args.holders >= 100_000 else "not measured at this size")
    )  # fmt: skip


if __name__ == "__main__":
    main()
