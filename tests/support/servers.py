"""Real server processes for tests: the embedded store and gunicorn, on free local ports."""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from service.store.embedded import EmbeddedStore, free_port
from service.supervisor import gunicorn_command

ROOT = Path(__file__).resolve().parents[2]


class GunicornServer:
    """`gunicorn service.wsgi:app` with `make run`'s settings (gevent workers) against a store."""

    def __init__(
        self,
        mongodb_uri: str,
        database: str,
        *,
        workers: int = 2,
        worker_class: str = "gevent",
        threads: int = 8,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.admin_token = secrets.token_urlsafe(32)
        self.env = {
            **os.environ,
            "MONGODB_URI": mongodb_uri,
            "SURVEY_DB": database,
            "SURVEY_ADMIN_TOKEN": self.admin_token,
            "PYTHONPATH": str(ROOT),
            **(env or {}),
        }
        self.command = gunicorn_command("127.0.0.1", self.port, workers, threads, worker_class)
        self.process: subprocess.Popen[bytes] | None = None
        # The app's logs go to a file, never to a pipe nobody reads (a full pipe blocks workers).
        self.log_path = Path(tempfile.mkdtemp(prefix="gunicorn-")) / "server.log"

    @property
    def master_pid(self) -> int | None:
        return self.process.pid if self.process else None

    def worker_pids(self) -> list[int]:
        """The pids of the master's current workers (its child processes)."""
        if self.process is None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def start(self, timeout: float = 30.0) -> GunicornServer:
        command = [*self.command[:-1], "--graceful-timeout", "5", "--timeout", "60"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, self.command[-1]],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log_path.read_text(errors="replace")[-4000:])
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:  # not listening yet, or workers still booting
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


__all__ = ["EmbeddedStore", "GunicornServer", "free_port"]


class KillableStack:
    """A store of its own with gunicorn on it (store calls time out after 500 ms), for tests
    that kill -9 the store and start it again on the same data and port."""

    def __init__(self, directory: Path, database: str) -> None:
        self.store = EmbeddedStore(directory).start()
        self.server = GunicornServer(
            self.store.uri, database, env={"SURVEY_STORE_TIMEOUT_MS": "500"}
        )

    def __enter__(self) -> KillableStack:
        self.server.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.stop()
        self.store.stop()

    def kill_store(self) -> None:
        """kill -9: the store has no chance to finish anything."""
        assert self.store.process is not None
        self.store.process.kill()
        self.store.process.wait(10)

    def restart_store(self) -> None:
        self.store = EmbeddedStore(self.store.data_dir, port=self.store.port).start()


@contextmanager
def served_with_metrics_dir(
    store: EmbeddedStore, database: str, metrics_dir: Path
) -> Iterator[GunicornServer]:
    """2 workers, as `make run` starts them, writing their shared files to `metrics_dir`."""
    gunicorn = GunicornServer(
        store.uri, database, env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    ).start()
    try:
        yield gunicorn
    finally:
        gunicorn.stop()
