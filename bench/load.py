"""Load test: enumerators submitting and planners reading estimates, concurrently, over real HTTP.

A threaded `requests` driver (no locust: nothing to install, and the same code runs bounded in the
test suite). Each simulated enumerator has its own token and posts one household interview at a
time, resending every tenth one (a flaky-network retry, which must come back as a replay);
each planner asks for the round's estimates, province-wide and by district, in turn. Afterwards
the round's stored count must equal the number of distinct interviews acknowledged: nothing lost,
nothing duplicated.

Usage: `python bench/load.py [--enumerators 50] [--planners 5] [--seconds 60] [--workers 2]`
starts the embedded store and gunicorn on 127.0.0.1 and prints p50/p95/p99 per request kind,
and the planners' p95 beside its target (docs/design.md §12: < 300 ms; every planner request
follows writes, so it is computed afresh from the round's cells).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.factories import household, household_round  # noqa: E402
from tests.support.servers import EmbeddedStore, GunicornServer  # noqa: E402

RESEND_EVERY = 10
PLANNER_P95_TARGET_MS = 300
SUBMIT, RESEND, ESTIMATES = "POST submission", "POST submission (resend)", "GET estimates"


@dataclass
class LoadReport:
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    acknowledged: set[str] = field(default_factory=set)
    stored: int = -1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self, kind: str, seconds: float, error: str | None = None, submission_id: str | None = None
    ) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors.append(f"{kind}: {error}")
            if submission_id:
                self.acknowledged.add(submission_id)

    @property
    def lost_or_duplicated(self) -> int:
        return self.stored - len(self.acknowledged)

    def percentiles(self, kind: str) -> dict[str, float]:
        values = sorted(self.latencies[kind])
        if not values:
            return {}

        def at(q: float) -> float:
            return values[min(len(values) - 1, int(q * len(values)))] * 1000

        return {
            "n": len(values),
            "rps": len(values) / self.seconds,
            "p50": at(0.50),
            "p95": at(0.95),
            "p99": at(0.99),
            "max": values[-1] * 1000,
        }

    def table(self) -> str:
        lines = [
            "| request | n | req/s | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind in sorted(self.latencies):
            p = self.percentiles(kind)
            lines.append(
                f"| {kind} | {p['n']} | {p['rps']:.0f} | {p['p50']:.0f} | "
                f"{p['p95']:.0f} | {p['p99']:.0f} | {p['max']:.0f} |"
            )
        lines.append(
            f"\nerrors: {len(self.errors)}; acknowledged interviews: "
            f"{len(self.acknowledged)}; stored: {self.stored}"
        )
        return "\n".join(lines)


def timed(
    session: requests.Session, method: str, url: str, **kwargs: Any
) -> tuple[requests.Response | None, float, str | None]:
    started = time.perf_counter()
    try:
        response = session.request(method, url, timeout=30, **kwargs)
    except requests.RequestException as exc:
        return None, time.perf_counter() - started, type(exc).__name__
    return response, time.perf_counter() - started, None


def enumerator(
    base: str, round_id: str, token: str, stop: threading.Event, report: LoadReport
) -> None:
    url = f"{base}/api/v1/rounds/{round_id}/submissions"
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        sent = 0
        while not stop.is_set():
            payload = household(smartphones=sent % 4)
            response, seconds, error = timed(session, "POST", url, json=payload)
            ok = response is not None and response.status_code == 201
            report.record(
                SUBMIT,
                seconds,
                error or (None if ok else _status(response)),
                payload["submission_id"] if ok else None,
            )
            sent += 1
            if ok and sent % RESEND_EVERY == 0:
                response, seconds, error = timed(session, "POST", url, json=payload)
                replay = response is not None and response.status_code == 200
                report.record(RESEND, seconds, error or (None if replay else _status(response)))


def planner(
    base: str, round_id: str, token: str, stop: threading.Event, report: LoadReport
) -> None:
    url = f"{base}/api/v1/rounds/{round_id}/estimates"
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        turn = 0
        while not stop.is_set():
            params = {"by": "district"} if turn % 2 else {}
            response, seconds, error = timed(session, "GET", url, params=params)
            ok = response is not None and response.status_code == 200
            report.record(ESTIMATES, seconds, error or (None if ok else _status(response)))
            turn += 1


def _status(response: requests.Response | None) -> str:
    return "no response" if response is None else f"{response.status_code} {response.text[:120]}"


def issue_token(base: str, admin: dict[str, str], role: str) -> str:
    issued = requests.post(
        f"{base}/api/v1/tokens",
        headers=admin,
        timeout=30,
        json={"role": role, "name": f"load-{role}-{uuid.uuid4().hex[:8]}"},
    )
    issued.raise_for_status()
    return issued.json()["token"]


def run_load(
    base: str, admin_token: str, *, enumerators: int, planners: int, seconds: float
) -> LoadReport:
    """Drive the server at `base` for `seconds`; count the round's submissions afterwards."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    round_id = f"load-{uuid.uuid4().hex[:8]}"
    requests.post(
        f"{base}/api/v1/rounds", headers=admin, timeout=30, json=household_round(round_id)
    ).raise_for_status()
    # Seed a few interviews so estimates have data from the first request on.
    seed = issue_token(base, admin, "enumerator")
    report = LoadReport(seconds)
    for _ in range(5):
        payload = household()
        response = requests.post(
            f"{base}/api/v1/rounds/{round_id}/submissions",
            json=payload,
            headers={"Authorization": f"Bearer {seed}"},
            timeout=30,
        )
        response.raise_for_status()
        report.acknowledged.add(payload["submission_id"])
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=enumerator,
            args=(base, round_id, issue_token(base, admin, "enumerator"), stop, report),
        )
        for _ in range(enumerators)
    ]
    threads += [
        threading.Thread(
            target=planner, args=(base, round_id, issue_token(base, admin, "planner"), stop, report)
        )
        for _ in range(planners)
    ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(60)
    got = requests.get(f"{base}/api/v1/rounds/{round_id}", headers=admin, timeout=30)
    report.stored = got.json()["n_submissions"]
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enumerators", type=int, default=50)
    parser.add_argument("--planners", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--write-concern",
        default="1",
        help="SURVEY_WRITE_CONCERN; 1 is how `make run` writes to the embedded store",
    )
    args = parser.parse_args()
    with EmbeddedStore(tempfile.mkdtemp(prefix="load-store-")) as store:
        server = GunicornServer(
            store.uri,
            "load",
            workers=args.workers,
            threads=args.threads,
            # the embedded store as `make run` writes to it (service/supervisor.py): w=1, SQLite
            # WAL; "majority" would fsync every operation (synchronous=FULL)
            env={"SURVEY_LOG_LEVEL": "WARNING", "SURVEY_WRITE_CONCERN": args.write_concern},
        ).start()
        try:
            report = run_load(
                server.url,
                server.admin_token,
                enumerators=args.enumerators,
                planners=args.planners,
                seconds=args.seconds,
            )
        finally:
            server.stop()
    print(
        f"{args.enumerators} enumerators + {args.planners} planners, {args.seconds:g} s, "
        f"gunicorn {args.workers} gevent workers on 127.0.0.1, embedded store "
        f"(write concern {args.write_concern})\n"
    )
    print(report.table())
    planner_p95 = report.percentiles(ESTIMATES).get("p95", float("nan"))
    verdict = "met" if planner_p95 < PLANNER_P95_TARGET_MS else "NOT met"
    print(
        f"target: planner p95 < {PLANNER_P95_TARGET_MS} ms; measured {planner_p95:.0f} ms "
        f"({verdict}); load average {os.getloadavg()[0]:.1f} at the end on {os.cpu_count()} CPUs"
    )
    for error in report.errors[:10]:
        print("  ", error)
    return 0 if not report.errors and report.lost_or_duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
