"""Open-loop ingest at a fixed rate with planners reading, and the CPU each stored submission costs.

Starts `python -m service serve` (the `make run` layout: nx-27017, gunicorn gevent workers) and

* sends new household submissions at `--rate` per second on a fixed schedule, whatever the
  server's answers (open loop: a slow answer does not slow the arrivals, so queueing shows in the
  latency, which is measured from each submission's scheduled time, not from when a free sender
  thread got to it);
* meanwhile `--planners` planners each ask for the round's estimates (province-wide and by
  district, in turn), one request at a time;
* reads the CPU time (`utime + stime`, bench/cpu.py) of every process: the store, the gunicorn
  workers and this client, before and after, and divides by the submissions stored.

Prints a markdown table with the load averages before and after. Usage:
`python bench/open_loop.py [--rate 50] [--planners 5] [--seconds 30] [--workers 2]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu import cpu_by_role  # noqa: E402
from bench.ingest import ROUND_ID, Client, prepare, running_service  # noqa: E402
from tests.support.factories import household  # noqa: E402

SENDERS = 64  # enough threads that arrivals never wait for a sender at the rates measured
P95_TARGET_MS = 250
CPU_TARGET_MS = 4.0


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if values else 0.0


def run(port: int, admin: str, pid: int, rate: float, planners: int, seconds: float) -> dict:
    token = prepare(port, admin)
    path = f"/api/v1/rounds/{ROUND_ID}/submissions"
    arrivals: queue.Queue[tuple[float, bytes] | None] = queue.Queue()
    submitted: list[float] = []
    read: list[float] = []
    failures: Counter[int] = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def sender() -> None:
        client = Client(port, token)
        while (arrival := arrivals.get()) is not None:
            scheduled, body = arrival
            try:
                status, _ = client.request("POST", path, body)
            except (http.client.HTTPException, OSError):
                # gunicorn closed the idle keep-alive connection: send again on a new one (the
                # same submission: a resend is idempotent); the latency counts the retry.
                client = Client(port, token)
                status, _ = client.request("POST", path, body)
            with lock:
                if status == 201:
                    submitted.append((time.perf_counter() - scheduled) * 1000)
                else:
                    failures[status] += 1

    def planner() -> None:
        client = Client(port, admin)
        turn = 0
        while not stop.is_set():
            query = "?by=district" if turn % 2 else ""
            started = time.perf_counter()
            status, _ = client.request("GET", f"/api/v1/rounds/{ROUND_ID}/estimates{query}")
            with lock:
                if status == 200:
                    read.append((time.perf_counter() - started) * 1000)
                else:
                    failures[status] += 1
            turn += 1

    bodies = [json.dumps(household()).encode() for _ in range(int(rate * seconds) + 1)]
    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    threads += [threading.Thread(target=planner) for _ in range(planners)]
    load_before = os.getloadavg()
    before = cpu_by_role(pid)
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    for index, body in enumerate(bodies):
        scheduled = started + index / rate
        time.sleep(max(0.0, scheduled - time.perf_counter()))
        arrivals.put((scheduled, body))
    for _ in range(SENDERS):
        arrivals.put(None)
    for thread in threads[:SENDERS]:
        thread.join()
    stop.set()
    for thread in threads[SENDERS:]:
        thread.join()
    spent = cpu_by_role(pid)
    spent.subtract(before)
    return {
        "submitted": submitted,
        "read": read,
        "failures": failures,
        "cpu": spent,
        "load": (load_before, os.getloadavg()),
    }


def table(result: dict, rate: float, planners: int, seconds: float, workers: int) -> str:
    submitted, read, cpu = result["submitted"], result["read"], result["cpu"]
    stored = len(submitted)
    per = {role: 1000 * cpu[role] / max(1, stored) for role in ("store", "workers", "client")}
    # The planners' reads run meanwhile: their CPU is in the store's and workers' share too.
    total = sum(per.values())
    before, after = result["load"]
    rows = [
        "| measure | result | target |",
        "|---|---|---|",
        f"| submissions stored ({rate:g}/s offered for {seconds:g} s) | {stored} | |",
        f"| submission p50 / p95 / p99 (from the scheduled time) | "
        f"{percentile(submitted, 50):.0f} / {percentile(submitted, 95):.0f} / "
        f"{percentile(submitted, 99):.0f} ms | p95 < {P95_TARGET_MS} ms |",
        f"| planner reads ({planners} planners) p50 / p95 | {len(read)} reads, "
        f"{percentile(read, 50):.0f} / {percentile(read, 95):.0f} ms | |",
        f"| CPU per stored submission: store + workers + client | {per['store']:.2f} + "
        f"{per['workers']:.2f} + {per['client']:.2f} = {total:.2f} ms (planners' reads "
        f"included) | ≤ {CPU_TARGET_MS:g} ms |",
        f"| failures (status: count) | {dict(result['failures']) or 'none'} | none |",
    ]
    setup = (
        f"gunicorn {workers} gevent workers + embedded store (nx-27017), client on the same "
        f"machine; {os.cpu_count()} CPUs, load average {before[0]:.1f} / {before[1]:.1f} "
        f"(1 / 5 min) before, {after[0]:.1f} / {after[1]:.1f} after"
    )
    return "\n".join([*rows, "", setup])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50, help="submissions offered per second")
    parser.add_argument("--planners", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    with running_service(args.workers, 8) as (port, admin, pid):
        result = run(port, admin, pid, args.rate, args.planners, args.seconds)
    print(table(result, args.rate, args.planners, args.seconds, args.workers))
    return 0


if __name__ == "__main__":
    sys.exit(main())
