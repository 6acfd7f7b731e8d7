"""CPU of one lone submission and of one planner read after a write, without the server's
concurrency: steadier than `bench/ingest.py` on a shared machine.

The app runs in this process (Flask test client, no gevent, `SURVEY_WRITE_CONCERN=1` as `serve`
sets for the embedded store), nx-27017 in a child. Measured with process time (this process)
and `/proc` (the store's):

* lone submissions, one after the other: each a group of one (four store commands), so the
  figure does not move with how many requests a worker happens to hold at once;
* planner reads: after a batch of `--base` submissions, each read (province-wide and by
  district in turn) follows one new submission, so every read finds a new data version and
  computes its answer and the withholding audit afresh (docs/design.md §15), as under the
  open-loop peak.

The app's figure includes the test client's own work (a few tenths of a millisecond per
request). Usage: `python bench/inprocess_cpu.py [--submissions 1500] [--reads 40]`
(docs/benchmarks.md "Production wave (issue 29)").
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu import TICKS, _stat  # noqa: E402
from service import create_app  # noqa: E402
from service.store.embedded import EmbeddedStore  # noqa: E402
from tests.support.factories import household, household_round  # noqa: E402

ROUND = "bench"
SUBMIT = f"/api/v1/rounds/{ROUND}/submissions"


def store_seconds(store: EmbeddedStore) -> float:
    assert store.process is not None
    fields = _stat(store.process.pid)
    return (int(fields[11]) + int(fields[12])) / TICKS


def lone_submissions(client: Any, headers: dict[str, str], store: EmbeddedStore, count: int) -> str:
    headers = {**headers, "Content-Type": "application/json"}
    bodies = [json.dumps(household()).encode() for _ in range(count + 100)]
    for body in bodies[:100]:  # warm-up: the token and round remembered, the code paths loaded
        client.post(SUBMIT, data=body, headers=headers)
    store_before, app_before = store_seconds(store), time.process_time()
    for body in bodies[100:]:
        assert client.post(SUBMIT, data=body, headers=headers).status_code == 201
    store_ms = 1000 * (store_seconds(store) - store_before) / count
    app_ms = 1000 * (time.process_time() - app_before) / count
    return f"store {store_ms:.2f} + app {app_ms:.2f} = {store_ms + app_ms:.2f} ms"


def planner_reads(client: Any, headers: dict[str, str], store: EmbeddedStore, count: int) -> str:
    store_spent = app_spent = 0.0
    for turn in range(count):
        assert client.post(SUBMIT, json=household(), headers=headers).status_code == 201
        store_before, app_before = store_seconds(store), time.process_time()
        query = "?by=district" if turn % 2 else ""
        read = client.get(f"/api/v1/rounds/{ROUND}/estimates{query}", headers=headers)
        store_spent += store_seconds(store) - store_before
        app_spent += time.process_time() - app_before
        assert read.status_code == 200, read.json
    store_ms, app_ms = 1000 * store_spent / count, 1000 * app_spent / count
    return f"store {store_ms:.1f} + app {app_ms:.1f} = {store_ms + app_ms:.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=1500, help="lone submissions")
    parser.add_argument("--reads", type=int, default=40, help="planner reads, each after a write")
    parser.add_argument("--base", type=int, default=500, help="submissions before the reads")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="inprocess-cpu-") as data_dir:
        store = EmbeddedStore(data_dir).start()
        admin = "a" * 40
        app = create_app(
            {
                "MONGODB_URI": store.uri,
                "SURVEY_ADMIN_TOKEN": admin,
                "SURVEY_WRITE_CONCERN": "1",
                "SURVEY_RATE_LIMIT": "1000000/minute",
            }
        )
        try:
            app.extensions["store"].indexes_ready.wait(30)
            for handler in logging.getLogger("service").handlers:  # access lines: not shown
                if isinstance(handler, logging.StreamHandler):
                    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (the whole run)
            client, headers = app.test_client(), {"Authorization": f"Bearer {admin}"}
            made = client.post("/api/v1/rounds", json=household_round(ROUND), headers=headers)
            assert made.status_code == 201, made.json
            lone = lone_submissions(client, headers, store, args.submissions)
            batch = {"submissions": [household() for _ in range(args.base)]}
            client.post(f"{SUBMIT}/batch", json=batch, headers=headers)
            reads = planner_reads(client, headers, store, args.reads)
        finally:
            store.stop()
    print("| measure (in-process, process time) | CPU |\n|---|---|")
    print(f"| per lone submission ({args.submissions}, one after the other) | {lone} |")
    print(f"| per planner read after a write ({args.reads}, province and district) | {reads} |")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    os._exit(0)  # the app's background threads need no goodbye


if __name__ == "__main__":
    sys.exit(main())
