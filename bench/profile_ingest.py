"""Where the one-stream batch ingest spends its time: cProfile on both sides of the store socket.

The app runs in this process (Flask test client, `SURVEY_WRITE_CONCERN=1` as `serve` sets for the
embedded store); nx-27017 runs in a child whose command threads are each profiled (its event
loop only waits), and dumps its profile when told to stop. Sends `--batches` batches of 1000
household submissions one after the other, then prints the top functions of each side by
cumulative time. Usage: `python bench/profile_ingest.py [--batches 10] [--top 25]`
(docs/benchmarks.md "One-stream batch ingest").
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import create_app  # noqa: E402
from service.store.embedded import EmbeddedStore  # noqa: E402
from tests.support.factories import household, household_round  # noqa: E402

# nx-27017 with every command thread profiled; SIGUSR1 writes the merged profile and exits.
PROFILED_STORE = """
import cProfile, logging, pstats, signal, sys, threading
import concurrent.futures.thread as pool
from nx_27017.nx_27017 import main
logging.disable(logging.INFO)
out = sys.argv.pop(1)
sys.argv[0] = "nx-27017"
profiles, local, run = [], threading.local(), pool._WorkItem.run
def profiled(item):
    if not hasattr(local, "profile"):
        local.profile = cProfile.Profile()
        profiles.append(local.profile)
    local.profile.enable()
    try:
        return run(item)
    finally:
        local.profile.disable()
pool._WorkItem.run = profiled
def stop(*_):
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    stats.dump_stats(out)
    sys.exit(0)
signal.signal(signal.SIGUSR1, stop)
main()
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="profile-ingest-") as data_dir:
        store_profile = Path(data_dir) / "store.prof"
        store = EmbeddedStore(data_dir)
        (store.data_dir / "store").mkdir(parents=True)
        process = subprocess.Popen(
            [sys.executable, "-c", PROFILED_STORE, str(store_profile), "--data-dir",
             str(store.data_dir / "store"), "-p", str(store.port), "--host", store.host,
             "--log-file", str(store.data_dir / "store.log"),
             "--pid-file", str(store.data_dir / "store.pid")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        store.process = process
        store.wait_until_ready()
        admin = "a" * 40
        app = create_app(
            {"MONGODB_URI": store.uri, "SURVEY_ADMIN_TOKEN": admin, "SURVEY_WRITE_CONCERN": "1"}
        )
        app.extensions["store"].indexes_ready.wait(30)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {admin}"}
        made = client.post("/api/v1/rounds", json=household_round("bench"), headers=headers)
        assert made.status_code == 201, made.json
        enumerator = {"role": "enumerator", "name": "bench"}
        issued = client.post("/api/v1/tokens", json=enumerator, headers=headers).json
        headers = {"Authorization": f"Bearer {issued['token']}"}  # type: ignore[index]
        bodies = [
            json.dumps({"submissions": [household() for _ in range(1000)]}).encode()
            for _ in range(args.batches)
        ]
        worker = cProfile.Profile()
        started = time.perf_counter()
        worker.enable()
        for body in bodies:
            url = "/api/v1/rounds/bench/submissions/batch"
            sent = client.post(url, data=body, headers=headers, content_type="application/json")
            assert sent.status_code == 200, sent.json
        worker.disable()
        seconds = time.perf_counter() - started
        process.send_signal(signal.SIGUSR1)
        process.wait(30)
        print(f"{1000 * args.batches} submissions in {seconds:.1f} s (profiled)\n\n== worker")
        pstats.Stats(worker).sort_stats("cumulative").print_stats(args.top)
        print("== store (nx-27017's command threads)")
        pstats.Stats(str(store_profile)).sort_stats("cumulative").print_stats(args.top)
    os._exit(0)  # the app's background threads (index creation, settlers) need no goodbye


if __name__ == "__main__":
    sys.exit(main())
