"""The operation journal's file format and the gas margin (no chain needed)."""

from __future__ import annotations

from pathlib import Path

from sectoken.chain.journal import Journal, JournalEntry, journal_path, operation_key
from sectoken.chain.sending import gas_limit_with_margin


def _entry(n: int, key: str = "0xk") -> JournalEntry:
    return JournalEntry(
        id=f"id{n}",
        key=key,
        what=f"op {n}",
        chain_id=31337,
        sender="0x" + "11" * 20,
        to="0x" + "22" * 20,
        nonce=n,
        tx_hash=f"0x{n:064x}",
        raw="0x02",
        gas_limit=100_000,
        sent_at="2026-12-01T00:00:00Z",
    )


def test_journal_sits_beside_the_deployment_file() -> None:
    assert journal_path("deployments/sepolia.json") == Path("deployments/sepolia.journal.jsonl")


def test_open_entries_fold_sent_and_closed(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "local.journal.jsonl")
    assert journal.open_entries() == []
    first, second = _entry(1), _entry(2)
    journal.record_sent(first)
    journal.record_sent(second)
    assert journal.find_open("0xk") == second  # the latest open entry of the key
    journal.record_closed(second, "landed", block=7)
    assert journal.find_open("0xk") == first
    journal.record_closed(first, "superseded")
    assert journal.find_open("0xk") is None
    assert journal.open_entries() == []


def test_a_line_torn_by_a_crash_is_skipped_and_the_next_line_stays_whole(tmp_path: Path) -> None:
    path = tmp_path / "local.journal.jsonl"
    journal = Journal(path)
    journal.record_sent(_entry(1))
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"event":"sent","id":"id2","key":')  # the crash came mid-line
    assert [e.id for e in journal.open_entries()] == ["id1"]
    journal.record_sent(_entry(3))
    assert [e.id for e in journal.open_entries()] == ["id1", "id3"]
    assert path.read_text(encoding="utf-8").count("\n") == 3


def test_operation_key_depends_on_every_part() -> None:
    base = (1, "0x" + "aa" * 20, "0x" + "bb" * 20, b"\x01\x02", 0)
    key = operation_key(*base)
    assert operation_key(1, base[1].upper().replace("0X", "0x"), base[2], b"\x01\x02", 0) == key
    variants = [
        (2, *base[1:]),
        (1, "0x" + "cc" * 20, *base[2:]),
        (1, base[1], "0x" + "cc" * 20, *base[3:]),
        (1, base[1], base[2], b"\x01\x03", 0),
        (1, base[1], base[2], b"\x01\x02", 1),
    ]
    assert len({operation_key(*v) for v in variants} | {key}) == len(variants) + 1


def test_gas_limit_is_never_the_bare_estimate() -> None:
    assert gas_limit_with_margin(100_000, 30_000_000) == 175_000
    assert gas_limit_with_margin(21_000, 30_000_000) == 76_250
    assert gas_limit_with_margin(1, 30_000_000) == 50_002
    assert gas_limit_with_margin(29_000_000, 30_000_000) == 30_000_000  # capped by the block
