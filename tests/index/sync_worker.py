"""A sync in its own process, for the kill test: ``python sync_worker.py DB_URL NODE_URL SOURCES``.

SOURCES is a JSON list of [label, contract type, address, start block]. The sync runs one block
per batch and prints ``committed N`` after each committed batch, then sleeps a little so the
test can kill the process between (or during) batches.
"""

from __future__ import annotations

import json
import sys
import time

from sectoken.chain.client import ChainClient
from sectoken.index.sync import Source, open_index, sync_index


def main() -> None:
    db_url, node_url, sources_json = sys.argv[1:4]
    sources = [Source(*item) for item in json.loads(sources_json)]
    index = open_index(db_url)

    def progress(done: int, target: int, events: int) -> None:
        print(f"committed {done} of {target} ({events} events)", flush=True)
        time.sleep(0.05)

    sync_index(index, ChainClient.from_url(node_url), sources, batch_blocks=1, progress=progress)
    print("finished", flush=True)


if __name__ == "__main__":
    main()
