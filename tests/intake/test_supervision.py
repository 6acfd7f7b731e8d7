"""`python -m service serve` (what `make run` runs) keeps its embedded store alive: killed with
kill -9, it is started again on the same port and data folder within seconds, nothing stored is
lost, and a store that cannot be started again fails `/healthz` so that something restarts the
whole service (issue 17, finding 1)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from service.store.embedded import free_port
from tests.support import factories
from tests.support.servers import ROOT

pytestmark = pytest.mark.slow


@dataclass
class Served:
    url: str
    data_dir: Path
    admin: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    def store_pid(self) -> int:
        return int((self.data_dir / "store.pid").read_text().split()[0])

    def stop(self) -> None:
        """Stop it as Ctrl-C or `docker stop` would."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wait_for(check: Callable[[], bool], seconds: float) -> float:
    """Seconds until `check()` held; fails after `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if check():
                return time.monotonic() - start
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port, data_dir = free_port(), tmp_path / "var"
    env = {**os.environ, "SURVEY_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    env.pop("MONGODB_URI", None)
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    served = Served(f"http://127.0.0.1:{port}", data_dir, {}, process, log_path)
    try:
        wait_for(lambda: requests.get(f"{served.url}/readyz", timeout=2).ok, 90)
        token = (data_dir / "admin-token").read_text().strip()
        served.admin = {"Authorization": f"Bearer {token}"}
        yield served
    finally:
        served.stop()
        log.close()


def test_a_killed_store_is_restarted_within_seconds_with_its_data(served: Served) -> None:
    created = requests.post(
        f"{served.url}/api/v1/rounds",
        json=factories.household_round("kept"),
        headers=served.admin,
        timeout=10,
    )
    assert created.status_code == 201
    old_pid = served.store_pid()

    os.kill(old_pid, signal.SIGKILL)
    recovered = wait_for(lambda: requests.get(f"{served.url}/readyz", timeout=2).ok, 20)

    assert recovered < 15
    assert served.store_pid() != old_pid
    kept = requests.get(f"{served.url}/api/v1/rounds/kept", headers=served.admin, timeout=10)
    assert kept.status_code == 200


def test_a_store_that_cannot_be_restarted_fails_healthz(served: Served) -> None:
    store_dir = served.data_dir / "store"
    shutil.move(store_dir, served.data_dir / "store-moved")
    store_dir.write_text("not a folder: the store cannot start here\n")

    os.kill(served.store_pid(), signal.SIGKILL)

    def healthz_fails() -> bool:
        response = requests.get(f"{served.url}/healthz", timeout=2)
        return response.status_code == 503 and response.json()["store"] == "failed"

    wait_for(healthz_fails, 30)
    ready = requests.get(f"{served.url}/readyz", timeout=5)
    assert ready.status_code == 503
    assert ready.json()["store"] == "failed"


def test_every_line_it_writes_is_a_json_object(served: Served) -> None:
    """The supervisor's, gunicorn's and the app's lines, a store restart and a stop included."""
    os.kill(served.store_pid(), signal.SIGKILL)
    wait_for(lambda: requests.get(f"{served.url}/readyz", timeout=2).ok, 20)
    requests.get(f"{served.url}/no/such/page", timeout=5)
    served.stop()

    lines = served.log_path.read_text().splitlines()
    entries = [json.loads(line) for line in lines]

    assert all(isinstance(entry, dict) and entry["message"] for entry in entries)
    loggers = {entry["logger"] for entry in entries}
    assert {"service.supervisor", "gunicorn.error", "service.access"} <= loggers
    messages = [entry["message"] for entry in entries]
    assert "embedded store exited; restarting it" in messages
    assert "stopped the embedded store" in messages
