"""Ingest benchmark: batch throughput and single-submission latency, gunicorn + embedded store.

Starts `python -m service serve` (the `make run` layout: nx-27017 on a temporary data dir,
gunicorn gevent workers) on a free port, then measures

* batch ingest: batches of 1000 household submissions sent by a few concurrent clients,
  reported as stored submissions per second;
* single submissions: 20 concurrent clients, each posting one submission at a time for a fixed
  time, reported as p50 / p95 / p99 latency and requests per second.

Prints a markdown table. Usage: `python bench/ingest.py [--seconds 15] [--batches 30]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu import cpu_by_role  # noqa: E402
from service.store.embedded import free_port  # noqa: E402
from tests.support.factories import household, household_round  # noqa: E402

ROUND_ID = "bench-household"
BATCH_SIZE = 1000
PROFILER_PATH = "BENCH_PROFILER_PATH"


class Client:
    """One keep-alive HTTP connection with a bearer token (one per benchmark thread)."""

    def __init__(self, port: int, token: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else body if isinstance(body, bytes) else json.dumps(body)
        self.connection.request(method, path, body=data, headers=self.headers)
        response = self.connection.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload else None


@contextmanager
def running_service(workers: int, threads: int) -> Iterator[tuple[int, str, int]]:
    """`python -m service serve` on a free port and a fresh data dir; yield (port, admin token,
    the serving process's pid)."""
    port, admin = free_port(), secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as data_dir:
        # The per-token rate limit protects production from runaway clients, not from this load.
        env = {
            **os.environ,
            "SURVEY_DATA_DIR": data_dir,
            "SURVEY_ADMIN_TOKEN": admin,
            "SURVEY_RATE_LIMIT": "1000000/minute",
            # bench/profile_worker.py puts its sampler (a sitecustomize) first
            "PYTHONPATH": os.pathsep.join(filter(None, (os.environ.get(PROFILER_PATH), str(ROOT)))),
        }
        env.pop("MONGODB_URI", None)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=server_log(),  # BENCH_SERVER_LOG=FILE keeps the server's log lines
        )
        try:
            wait_until_ready(port, process)
            yield port, admin, process.pid
        finally:
            process.terminate()
            process.wait(30)


def server_log() -> Any:
    path = os.environ.get("BENCH_SERVER_LOG")
    return open(path, "ab") if path else subprocess.DEVNULL


def wait_until_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not become ready")


def prepare(port: int, admin: str) -> str:
    """Create the benchmark round and an enumerator token; return the token."""
    client = Client(port, admin)
    status, _ = client.request("POST", "/api/v1/rounds", household_round(ROUND_ID))
    assert status == 201, status
    return enumerator_tokens(port, admin, 1)[0]


def enumerator_tokens(port: int, admin: str, count: int) -> list[str]:
    """`count` new enumerator tokens: a field team's phones, each with its own."""
    client, tokens = Client(port, admin), []
    for _ in range(count):
        name = f"bench-{secrets.token_hex(4)}"
        status, issued = client.request(
            "POST", "/api/v1/tokens", {"role": "enumerator", "name": name}
        )
        assert status == 201, status
        tokens.append(issued["token"])
    return tokens


def run_threads(count: int, work: Any) -> float:
    """Run `work(index)` on `count` threads at once; return the wall time in seconds."""
    threads = [threading.Thread(target=work, args=(index,)) for index in range(count)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


@dataclass
class BatchResult:
    clients: int
    submissions: int
    seconds: float
    cpu_seconds: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.submissions / self.seconds

    def cpu_ms_per_submission(self, role: str) -> float:
        return 1000 * self.cpu_seconds[role] / self.submissions


def bench_batches(
    port: int, token: str, batches: int, clients: int, server_pid: int
) -> BatchResult:
    """Send `batches` batches of 1000 new submissions from `clients` threads, with the CPU
    every process spent meanwhile (the client's building of the bodies left out)."""
    bodies = [
        json.dumps({"submissions": [household() for _ in range(BATCH_SIZE)]}).encode()
        for _ in range(batches)
    ]
    created = [0] * clients
    path = f"/api/v1/rounds/{ROUND_ID}/submissions/batch"

    def work(index: int) -> None:
        client = Client(port, token)
        for body in bodies[index::clients]:
            status, result = client.request("POST", path, body)
            assert status == 200, (status, result)
            created[index] += result["summary"]["created"]

    before = cpu_by_role(server_pid)
    seconds = run_threads(clients, work)
    spent = cpu_by_role(server_pid)
    spent.subtract(before)
    return BatchResult(clients, sum(created), seconds, spent)


@dataclass
class LatencyResult:
    clients: int
    latencies_ms: list[float]
    seconds: float
    cpu_seconds: Counter[str] = field(default_factory=Counter)

    def cpu_ms_per_request(self, role: str) -> float:
        return 1000 * self.cpu_seconds[role] / len(self.latencies_ms)

    def percentile(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds


def bench_singles(
    port: int, tokens: list[str], clients: int, seconds: float, server_pid: int
) -> LatencyResult:
    """`clients` threads post one new submission at a time for `seconds` (after a warm-up),
    with the CPU every process spent meanwhile (warm-up included: a second of 1 + `seconds`).
    Client `i` sends with `tokens[i % len(tokens)]`: a worker stores at most
    `SURVEY_INGEST_PER_TOKEN` (1) submissions of one token at a time, so clients sharing one
    token are stored one after the other in each worker and never share store commands
    (service/submissions/group_commit.py), as enumerators with their own phones do."""
    path = f"/api/v1/rounds/{ROUND_ID}/submissions"
    latencies: list[list[float]] = [[] for _ in range(clients)]
    warm_up = 1.0
    started = time.perf_counter()

    def work(index: int) -> None:
        client = Client(port, tokens[index % len(tokens)])
        while (now := time.perf_counter()) < started + warm_up + seconds:
            body = json.dumps(household()).encode()
            sent = time.perf_counter()
            status, result = client.request("POST", path, body)
            assert status == 201, (status, result)
            if now >= started + warm_up:
                latencies[index].append((time.perf_counter() - sent) * 1000)

    before = cpu_by_role(server_pid)
    run_threads(clients, work)
    spent = cpu_by_role(server_pid)
    spent.subtract(before)
    measured = [ms for per in latencies for ms in per]
    share = seconds / (seconds + warm_up)  # the CPU of the measured part, pro rata
    cpu = Counter({role: spent_seconds * share for role, spent_seconds in spent.items()})
    return LatencyResult(clients, measured, seconds, cpu)


def markdown(
    batch: BatchResult, single: LatencyResult, workers: int, threads: int, tokens: int
) -> str:
    total = sum(single.cpu_ms_per_request(role) for role in single.cpu_seconds)
    batch_total = sum(batch.cpu_ms_per_submission(role) for role in batch.cpu_seconds)
    machine = (
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} at the end), "
        f"Python {platform.python_version()}, {platform.system()}"
    )
    rows = [
        "| measure | result | target |",
        "|---|---|---|",
        f"| batch ingest ({BATCH_SIZE}/batch, {batch.clients} clients, "
        f"{batch.submissions} submissions) | {batch.rate:,.0f} submissions/s | ≥ 2,000/s |",
        *(
            f"| CPU per batched submission, {role} | {batch.cpu_ms_per_submission(role):.3f} ms | |"
            for role in ("store", "workers", "client")
        ),
        f"| CPU per batched submission, all | {batch_total:.3f} ms | |",
        f"| single submission, {single.clients} concurrent clients, {tokens} token(s) | "
        f"{single.rate:,.0f} requests/s | |",
        f"| single p50 | {single.percentile(50):.1f} ms | |",
        f"| single p95 | {single.percentile(95):.1f} ms | < 50 ms |",
        f"| single p99 | {single.percentile(99):.1f} ms | |",
        *(
            f"| CPU per single submission, {role} | {single.cpu_ms_per_request(role):.2f} ms | |"
            for role in ("store", "workers", "client")
        ),
        f"| CPU per single submission, all | {total:.2f} ms | "
        f"≤ {2 * 1000 / total:,.0f}/s on 2 cores |",
    ]
    setup = (
        f"gunicorn {workers} gevent workers (`serve`'s default) + embedded store "
        f"(nx-27017), client on the same machine; {machine}"
    )
    return "\n".join([*rows, "", setup])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=30, help="batches of 1000 to send")
    parser.add_argument("--batch-clients", type=int, default=4)
    parser.add_argument("--clients", type=int, default=20, help="concurrent single submitters")
    parser.add_argument(
        "--tokens",
        type=int,
        default=0,
        help="enumerator tokens the single submitters share (0: one each, as a field team)",
    )
    parser.add_argument("--seconds", type=float, default=15, help="single-submission phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    with running_service(args.workers, args.threads) as (port, admin, pid):
        token = prepare(port, admin)
        batch = bench_batches(port, token, args.batches, args.batch_clients, pid)
        tokens = [token] if args.tokens == 1 else []
        tokens += enumerator_tokens(port, admin, (args.tokens or args.clients) - len(tokens))
        single = bench_singles(port, tokens, args.clients, args.seconds, pid)
    print(markdown(batch, single, args.workers, args.threads, len(tokens)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
