"""Import 10,000 investors into a fresh registry on a local Anvil, end to end, and time it.

Run: ``make bench`` (or ``.venv/bin/python bench/import_scale.py [--investors N]`` from the project
root after ``make install``). Prints figures; it is a benchmark, not a test (target: under 60 s
end to end for 10,000 investors, with the gas per investor alongside).

"End to end" is what ``ape run investors import`` does: read and check the CSV, read the registry
(events and storage), plan, send in batches of 100 with receipts awaited. A second run of the same
file then shows the no-op path (plan only, zero transactions).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from eth_utils.address import to_checksum_address  # noqa: E402
from eth_utils.crypto import keccak  # noqa: E402

from sectoken.chain.batching import quiet_ape, registry_sender  # noqa: E402
from sectoken.chain.registry import RegistryReader  # noqa: E402
from sectoken.jobs.investors import import_investors, plan_import  # noqa: E402
from sectoken.model.csv_investors import read_investors_csv, write_investors_csv  # noqa: E402
from sectoken.model.records import InvestorRecord  # noqa: E402

TARGET_SECONDS = 60.0
COUNTRIES = [840, 826, 276, 250, 756, 702, 392, 124, 36, 528]


def make_csv(path: Path, count: int) -> None:
    rng = random.Random(7)
    rows = []
    for i in range(count):
        wallet = to_checksum_address(keccak(text=f"bench-investor-{i}")[-20:])
        rows.append(
            (
                wallet,
                InvestorRecord(
                    kyc_expiry=1_924_905_600 + rng.randrange(0, 86_400 * 365),
                    country=rng.choice(COUNTRIES),
                    lockup_until=0 if rng.random() < 0.8 else 1_800_000_000,
                    accredited=rng.random() < 0.9,
                    withholding=rng.random() < 0.1,
                ),
            )
        )
    write_investors_csv(rows, path)


def measure(ape: Any, count: int, batch_size: int) -> dict[str, float]:
    admin = ape.accounts.test_accounts[0]
    w3 = ape.networks.provider.web3
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "investors.csv"
        make_csv(csv_path, count)
        registry = ape.project.InvestorRegistry.deploy(admin, sender=admin)
        start_block = int(w3.eth.block_number)
        reader = RegistryReader(w3, registry.address, start_block=start_block)
        send = registry_sender(_writer(registry, admin))

        started = time.perf_counter()
        t0 = time.perf_counter()
        parsed = read_investors_csv(csv_path)
        figures["check CSV (s)"] = time.perf_counter() - t0
        assert parsed.ok, parsed.errors[:3]
        outcome = import_investors(
            csv_path,
            reader,
            send,
            sender_address=admin.address,
            batch_size=batch_size,
            progress=False,
        )
        figures["import end to end (s)"] = time.perf_counter() - started
        assert outcome.report is not None
        figures["send (s)"] = outcome.report.seconds
        figures["transactions"] = outcome.report.transactions
        figures["gas per investor"] = outcome.report.gas_used / outcome.report.investors

        t0 = time.perf_counter()
        snapshot, plan = plan_import(parsed, reader)
        figures["re-read registry + plan, 10k on chain (s)"] = time.perf_counter() - t0
        figures["events replayed"] = snapshot.event_count
        assert plan.is_empty and len(plan.unchanged) == count

        t0 = time.perf_counter()
        again = import_investors(csv_path, reader, send, batch_size=batch_size, progress=False)
        figures["rerun of the same file (s)"] = time.perf_counter() - t0
        figures["rerun transactions"] = again.transactions

        t0 = time.perf_counter()
        words = reader.records_of(parsed.records())
        figures["recordsOfMany, 10k wallets (s)"] = time.perf_counter() - t0
        assert sum(1 for w in words.values() if w) == count
        t0 = time.perf_counter()
        state, _ = reader.read_events(to_block=int(w3.eth.block_number))
        figures["registry from events, 10k (s)"] = time.perf_counter() - t0
        assert len(state) == count
    return figures


def _writer(registry: Any, admin: Any) -> Any:
    from sectoken.chain.registry import ApeRegistryWriter

    return ApeRegistryWriter(registry, admin)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--investors", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    import ape

    with ape.networks.parse_network_choice("ethereum:local:foundry"), quiet_ape():
        figures = measure(ape, args.investors, args.batch_size)
    print(f"Investor import: {args.investors:,} investors, batches of {args.batch_size}")
    for name, value in figures.items():
        shown = f"{value:,.2f}" if isinstance(value, float) and value % 1 else f"{value:,.0f}"
        print(f"  {name:46} {shown:>12}")
    total = figures["import end to end (s)"]
    verdict = "pass" if total < TARGET_SECONDS else "FAIL"
    print(f"  target: end to end under {TARGET_SECONDS:.0f} s for 10,000 investors: {verdict}")


if __name__ == "__main__":
    main()
