"""Two attacks of issue 17, measured against `python -m service serve --demo` (`make run`).

- `slow`: N connections each send a request line, then one header every `--interval` seconds,
  never finishing; meanwhile `/readyz` and an authenticated `GET /api/v1/rounds` are timed once a
  second (timeout 2 s).
- `recompute`: 16 planners ask for estimates with `level=0.5+k·1e-9` (a new level each time;
  `--levels valid` cycles through the 500 accepted levels 0.500…0.999 instead); prints the
  median and p95 latency, the statuses, `/readyz` latency and the workers' memory growth.

- `issue22`: the holes of issue 22 as a client meets them (items 1–5 and 8–11; items 6 and 7
  kill the store and are measured by tests/intake/test_correction_crash.py and
  tests/operations/test_recount_stall.py). `--before DIR` probes a checkout from before the
  fixes first (e.g. `git archive main | tar -x -C /tmp/before`) and prints both answers side
  by side.

Usage: `python bench/attacks.py slow --connections 200 --seconds 60`
       `python bench/attacks.py recompute --planners 16 --seconds 60`
       `python bench/attacks.py issue22 [--before /tmp/before] [--batches 8]`
       `python bench/attacks.py starvation [--singles 100] [--think 0] [--repeat 2]` (item 11)
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import multiprocessing
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from service.store.embedded import free_port  # noqa: E402
from tests.support.factories import household as household_payload  # noqa: E402
from tests.support.factories import household_round, small_sample, visit  # noqa: E402
from tests.support.openrosa_client import (  # noqa: E402
    FRAME,
    basic,
    collect_headers,
    collect_instance,
    instance_values,
    multipart,
)

HOUSEHOLD_DEMO = "laocai-2025-household"

READY_TIMEOUT = 2.0


class Service:
    """`python -m service serve --demo` on a free port with its own data folder."""

    def __init__(self, workers: int = 2, extra: tuple[str, ...] = (), root: Path = ROOT) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = Path(tempfile.mkdtemp(prefix="attack-"))
        env = {**os.environ, "SURVEY_DATA_DIR": str(self.data_dir), "PYTHONPATH": str(root)}
        env.pop("MONGODB_URI", None)
        command = [sys.executable, "-m", "service", "serve", "--demo", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--workers", str(workers), *extra],
            cwd=root,
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


# --- issue 22: each hole as a client meets it -----------------------------------------------


class Client:
    """A caller of the running service: bearer for the API, Basic for OpenRosa."""

    def __init__(self, service: Service, role: str, name: str | None = None) -> None:
        self.url, self.name = service.url, name or f"{role}-{secrets.token_hex(3)}"
        made = requests.post(
            f"{service.url}/api/v1/tokens",
            json={"role": role, "name": self.name},
            headers={"Authorization": f"Bearer {service.admin}"},
            timeout=10,
        )
        made.raise_for_status()
        self.token = made.json()["token"]
        self.bearer = {"Authorization": f"Bearer {self.token}"}
        self.basic = basic(self.name, self.token)

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.bearer, **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=120, **kwargs)

    def send_form(self, round_id: str, values: dict[str, str]) -> requests.Response:
        form = requests.get(
            f"{self.url}/openrosa/forms/{round_id}.xml", headers=self.basic, timeout=10
        )
        body, content_type = multipart(collect_instance(form.content, values))
        headers = {**collect_headers(), **self.basic, "Content-Type": content_type}
        return requests.post(
            f"{self.url}/openrosa/submission", data=body, headers=headers, timeout=30
        )


def _edit_values(original: dict[str, Any], smartphones: int) -> dict[str, str]:
    edit = {**original, "submission_id": str(uuid.uuid4())}
    edit["answers"] = {**original["answers"], "smartphones": smartphones}
    return {
        **instance_values(edit),
        "meta/deprecatedID": f"uuid:{original['submission_id']}",
    }


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def run_probes(service: Service, batches: int) -> Iterator[tuple[int, str]]:
    """(item, what the service answered) for items 1–5 and 8–11 of issue 22."""
    admin = Client.__new__(Client)
    admin.url, admin.bearer = service.url, {"Authorization": f"Bearer {service.admin}"}
    tag = secrets.token_hex(3)
    household, sampled = f"atk-hh-{tag}", f"atk-sample-{tag}"
    admin.call("POST", "/api/v1/rounds", json=household_round(household, frame=FRAME))
    admin.call("POST", "/api/v1/rounds", json=household_round(sampled))
    an, binh = Client(service, "enumerator"), Client(service, "enumerator")
    supervisor = Client(service, "supervisor")
    rows = small_sample()
    for row in rows:
        row["enumerator"] = an.name if row["enumerator"] == "enum-01" else binh.name
    admin.call("PUT", f"/api/v1/rounds/{sampled}/sample", json={"assignments": rows})
    submissions = f"/api/v1/rounds/{household}/submissions"

    original = household_payload()
    an.send_form(household, instance_values(original))
    stolen = binh.send_form(household, _edit_values(original, 9))
    yield 1, f"another enumerator's phone edit: {stolen.status_code} (201 = overwritten)"

    original = household_payload()  # a fresh form: item 1 may have edited the first
    an.send_form(household, instance_values(original))
    edit = _edit_values(original, 4)
    an.send_form(household, edit)
    one = f"{submissions}/{original['submission_id']}"
    corrected = {"answers": {**original["answers"], "smartphones": 3}, "reason": "phoned back"}
    supervisor.call("PATCH", one, json=corrected, headers={"If-Match": '"2"'})
    an.send_form(household, edit)
    version = supervisor.call("GET", one).json().get("version")
    yield 2, f"edit resent after a supervisor's v3: now at version {version} (4 = undone)"

    challenge = requests.head(f"{service.url}/openrosa/submission", timeout=10)
    nonce = challenge.headers.get("WWW-Authenticate", "").split('nonce="')[1].split('"')[0]
    digest = (
        f'Digest username="{an.name}", realm="digital-adoption-survey", nonce="{nonce}", '
        f'uri="/openrosa/submission", response="{"é" * 32}"'
    )
    known = requests.head(
        f"{service.url}/openrosa/submission",
        headers={"Authorization": digest.encode("utf-8")},
        timeout=10,
    )
    pair = base64.b64encode(f"é{an.name}:{an.token}".encode()).decode()
    basic_answer = requests.head(
        f"{service.url}/openrosa/submission",
        headers={"Authorization": f"Basic {pair}"},
        timeout=10,
    )
    yield (
        3,
        (
            f"Digest, known name, non-ASCII response: {known.status_code}; Basic, non-ASCII name: "
            f"{basic_answer.status_code} (500 = crash)"
        ),
    )

    visits = f"/api/v1/rounds/{sampled}/submissions"
    theirs = binh.call("POST", visits, json=visit("A-001", "refused"))
    yield 4, f"a visit to another enumerator's assignment: {theirs.status_code} (201 = taken)"

    far = binh.call("POST", visits, json=visit("A-003", interviewed_at="9999-12-31T23:59:59-23:59"))
    batch = binh.call(
        "POST",
        f"{visits}/batch",
        json={"submissions": [visit("A-004", interviewed_at="9999-12-31T23:59:59-23:59")]},
    )
    yield 5, f"far-future visit: {far.status_code}; in a batch: {batch.status_code} (500 = stuck)"

    before = service.worker_rss_mb()
    for k in range(120):
        admin.call(
            "GET", f"/api/v1/rounds/{HOUSEHOLD_DEMO}/estimates?by=district&level=0.{500 + k}"
        )
    after = service.worker_rss_mb()
    growth = [round(b - a) for a, b in zip(before, after, strict=False)]
    yield 8, f"120 distinct levels by commune: worker RSS growth {growth} MB (bound 32 MB each)"

    tiny = household_payload()
    tiny["sampling"]["weight"] = 5e-324
    weight = an.call("POST", submissions, json=tiny)
    yield 9, f"weight 5e-324: {weight.status_code} (201 = accepted, NaN later)"

    twice = admin.call("GET", f"/api/v1/rounds/{HOUSEHOLD_DEMO}/estimates?level=0.95&level=0.9")
    yield 10, f"level=0.95&level=0.9: {twice.status_code} (200 = silently resolved)"

    yield 11, _starvation(service, an, binh, household, batches)


BODIES_PER_SENDER = 8


def _flood(url: str, headers: dict[str, str], threads: int, ready: Any, stop: Any) -> None:
    """`threads` senders of 1000-item batches until `stop` is set (a process of its own). The
    bodies are built and encoded before `ready` is set, as phones would have them in their
    queue: building them while the timed client runs would spend the 2 cores' time on the
    client, not the service."""
    bodies = [
        [
            json.dumps({"submissions": [household_payload() for _ in range(1000)]}).encode()
            for _ in range(BODIES_PER_SENDER)
        ]
        for _ in range(threads)
    ]
    headers = {**headers, "Content-Type": "application/json"}
    ready.set()

    def send(queue: list[bytes]) -> None:
        with requests.Session() as session:
            for body in queue:
                if stop.is_set():
                    return
                with contextlib.suppress(requests.RequestException):
                    session.post(url, data=body, headers=headers, timeout=120)

    senders = [threading.Thread(target=send, args=(queue,)) for queue in bodies]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()


def _starvation(
    service: Service,
    bulk: Client,
    phone: Client,
    round_id: str,
    n: int,
    singles_each: int = 100,
    think: float = 0.0,
) -> str:
    """The bulk sender runs in a process of its own, as it would on its own phone: in the
    measuring process its threads (building and encoding 1000 items each) would hold the
    interpreter's lock and slow the timed client, not the service."""
    path = f"/api/v1/rounds/{round_id}/submissions"

    def singles(count: int) -> list[float]:
        times = []
        for _ in range(count):
            start = time.perf_counter()
            phone.call("POST", path, json=household_payload())
            times.append(time.perf_counter() - start)
            time.sleep(think)
        return times

    quiet = _p95(singles(singles_each))
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    flood = context.Process(
        target=_flood,
        args=(f"{service.url}{path}/batch", bulk.bearer, n, ready, stop),
        daemon=True,
    )
    flood.start()
    ready.wait(timeout=300)
    time.sleep(2)
    loaded = _p95(singles(singles_each))
    still_sending = flood.is_alive()
    stop.set()
    flood.join(timeout=180)
    return (
        f"single submissions p95 {quiet * 1000:.0f} ms quiet, {loaded * 1000:.0f} ms under "
        f"{n} parallel 1000-item batches from one token ({loaded / quiet:.1f}x; goal <= 2x)"
        + ("" if still_sending else "; the batches ran out before the last single")
    )


def probed(root: Path, extra: tuple[str, ...], batches: int) -> dict[int, str]:
    service = Service(extra=extra, root=root)
    try:
        return dict(run_probes(service, batches=batches))
    finally:
        service.stop()


def issue22(args: argparse.Namespace) -> None:
    """Each hole of issue 22 as a client meets it; with `--before DIR`, that checkout first."""
    roots = {"before": args.before, "now": args.checkout} if args.before else {"": args.checkout}
    found = {
        label: probed(Path(root).resolve(), args.extra, args.batches)
        for label, root in roots.items()
    }
    for item in found[next(iter(found))]:
        for label, answers in found.items():
            print(f"  item {item:>2} {label:6s} {answers[item]}")


def starvation(args: argparse.Namespace) -> None:
    """Item 11 alone, `--repeat` times on one service: a steadier figure than `issue22`'s."""
    service = Service(extra=args.extra)
    try:
        admin = Client.__new__(Client)
        admin.url, admin.bearer = service.url, {"Authorization": f"Bearer {service.admin}"}
        round_id = f"atk-hh-{secrets.token_hex(3)}"
        admin.call("POST", "/api/v1/rounds", json=household_round(round_id))
        bulk, phone = Client(service, "enumerator"), Client(service, "enumerator")
        for _ in range(args.repeat):
            print(
                _starvation(service, bulk, phone, round_id, args.batches, args.singles, args.think)
            )
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
    holes = sub.add_parser("issue22")
    holes.add_argument("--checkout", default=str(ROOT), help="the checkout to serve from")
    holes.add_argument("--before", help="a checkout before the fixes: probed first, side by side")
    holes.add_argument("--batches", type=int, default=8, help="item 11: parallel batches")
    alone = sub.add_parser("starvation", help="issue 22 item 11 only")
    alone.add_argument("--batches", type=int, default=8)
    alone.add_argument("--singles", type=int, default=100, help="timed singles per phase")
    alone.add_argument("--think", type=float, default=0.0, help="seconds between two singles")
    alone.add_argument("--repeat", type=int, default=2)
    for attack in (slow_parser, again, holes, alone):
        attack.add_argument("--extra", nargs="*", default=(), help="more `serve` arguments")
    args = parser.parse_args()
    attacks = {"slow": slow, "recompute": recompute, "issue22": issue22, "starvation": starvation}
    attacks[args.attack](args)


if __name__ == "__main__":
    main()
