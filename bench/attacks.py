"""Two attacks of issue 17, measured against `python -m service serve --demo` (`make run`).

- `slow`: N connections each send a request line, then one header every `--interval` seconds,
  never finishing; meanwhile `/readyz` and an authenticated `GET /api/v1/rounds` are timed once a
  second (timeout 2 s).
- `recompute`: 16 planners ask for estimates with `level=0.5+k·1e-9` (a new level each time;
  `--levels valid` cycles through the 500 accepted levels 0.500…0.999 instead); prints the
  median and p95 latency, the statuses, `/readyz` latency and the workers' memory growth.

Usage: `python bench/attacks.py slow --connections 200 --seconds 60`
       `python bench/attacks.py recompute --planners 16 --seconds 60`
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from service.store.embedded import free_port  # noqa: E402

READY_TIMEOUT = 2.0


class Service:
    """`python -m service serve --demo` on a free port with its own data folder."""

    def __init__(self, workers: int = 2, extra: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = Path(tempfile.mkdtemp(prefix="attack-"))
        env = {**os.environ, "SURVEY_DATA_DIR": str(self.data_dir), "PYTHONPATH": str(ROOT)}
        env.pop("MONGODB_URI", None)
        command = [sys.executable, "-m", "service", "serve", "--demo", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--workers", str(workers), *extra],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(self.data_dir / "serve.log").open("wb"),
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            raise RuntimeError("the service did not start")
        self.admin = (self.data_dir / "admin-token").read_text().strip()
        self.planner = self.new_planner()

    def new_planner(self) -> dict[str, str]:
        made = requests.post(
            f"{self.url}/api/v1/tokens",
            json={"role": "planner", "name": f"attack-{secrets.token_hex(4)}"},
            headers={"Authorization": f"Bearer {self.admin}"},
            timeout=10,
        )
        return {"Authorization": f"Bearer {made.json()['token']}"}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of every gunicorn worker (grandchildren of the serve process)."""
        sizes = []
        for child in _children(self.process.pid):
            for worker in _children(child):
                status = Path(f"/proc/{worker}/status").read_text()
                kb = next(int(line.split()[1]) for line in status.splitlines() if "VmRSS" in line)
                sizes.append(kb / 1024)
        return sizes


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def timed(url: str, headers: dict[str, str] | None = None) -> float | None:
    """Seconds to a 2xx answer, or None on a timeout or an error status."""
    start = time.perf_counter()
    try:
        response = requests.get(url, headers=headers, timeout=READY_TIMEOUT)
    except requests.RequestException:
        return None
    return time.perf_counter() - start if response.ok else None


def probe(service: Service, seconds: float) -> dict[str, list[float | None]]:
    """Once a second: /readyz and an authenticated request, each with a 2 s timeout."""
    found: dict[str, list[float | None]] = {"readyz": [], "GET /api/v1/rounds": []}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found["readyz"].append(timed(f"{service.url}/readyz"))
        found["GET /api/v1/rounds"].append(timed(f"{service.url}/api/v1/rounds", service.planner))
        time.sleep(1)
    return found


def slow_client(port: int, interval: float, stop: threading.Event) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /api/v1/rounds HTTP/1.1\r\nHost: x\r\n")
            number = 0
            while not stop.wait(interval):
                sock.sendall(f"X-Slow-{number}: a\r\n".encode())
                number += 1
    except OSError:
        return  # the server closed it: that is allowed


def report(found: dict[str, list[float | None]]) -> None:
    for name, values in found.items():
        answered = [v for v in values if v is not None]
        worst = f"{max(answered) * 1000:.0f} ms" if answered else "-"
        print(
            f"  {name:20s} {len(values) - len(answered)}/{len(values)} timed out or failed; "
            f"slowest answer {worst}"
        )


def slow(args: argparse.Namespace) -> None:
    service = Service(extra=args.extra)
    try:
        stop = threading.Event()
        threads = [
            threading.Thread(target=slow_client, args=(service.port, args.interval, stop))
            for _ in range(args.connections)
        ]
        for thread in threads:
            thread.start()
        time.sleep(1)
        found = probe(service, args.seconds)
        stop.set()
        print(f"{args.connections} slow connections (a header every {args.interval:g} s):")
        report(found)
    finally:
        service.stop()


def recompute(args: argparse.Namespace) -> None:
    service = Service(extra=args.extra)
    try:
        rss_before = service.worker_rss_mb()
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        counter = iter(range(10**9))

        def planner() -> None:
            headers = service.new_planner()
            while time.monotonic() < deadline:
                k = next(counter)
                level = 0.5 + k * 1e-9 if args.levels == "fine" else 0.5 + (k % 500) / 1000
                url = f"{service.url}/api/v1/rounds/laocai-2025-household/estimates?by=district"
                start = time.perf_counter()
                try:
                    code = requests.get(
                        f"{url}&level={level!r}", headers=headers, timeout=60
                    ).status_code
                except requests.RequestException:
                    code = 0
                with lock:
                    latencies.append(time.perf_counter() - start)
                    statuses[code] = statuses.get(code, 0) + 1

        threads = [threading.Thread(target=planner) for _ in range(args.planners)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        ready = [timed(f"{service.url}/readyz") for _ in range(5) if not time.sleep(1)]
        for thread in threads:
            thread.join()
        rss_after = service.worker_rss_mb()
        p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
        print(f"{args.planners} planners, levels {args.levels}, {args.seconds:g} s:")
        print(f"  requests {len(latencies)}, statuses {statuses}")
        print(f"  median {statistics.median(latencies):.3f} s, p95 {p95:.3f} s")
        print(f"  /readyz: {['timeout' if r is None else f'{r:.3f} s' for r in ready]}")
        print(f"  worker RSS MB before {rss_before} after {rss_after}")
    finally:
        service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="attack", required=True)
    slow_parser = sub.add_parser("slow")
    slow_parser.add_argument("--connections", type=int, default=200)
    slow_parser.add_argument("--interval", type=float, default=5.0)
    slow_parser.add_argument("--seconds", type=float, default=60.0)
    again = sub.add_parser("recompute")
    again.add_argument("--planners", type=int, default=16)
    again.add_argument("--seconds", type=float, default=60.0)
    again.add_argument(
        "--levels",
        choices=("fine", "valid"),
        default="fine",
        help="fine: 0.5+k·1e-9 (the issue's attack); valid: 0.500…0.999, all accepted",
    )
    for attack in (slow_parser, again):
        attack.add_argument("--extra", nargs="*", default=(), help="more `serve` arguments")
    args = parser.parse_args()
    slow(args) if args.attack == "slow" else recompute(args)


if __name__ == "__main__":
    main()
