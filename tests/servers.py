"""Real server processes for tests: the embedded store and gunicorn, on free local ports."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import requests

from service.store.embedded import EmbeddedStore, free_port

ROOT = Path(__file__).resolve().parent.parent


class GunicornServer:
    """`gunicorn service:create_app()` against a store, like production."""

    def __init__(self, mongodb_uri: str, database: str, *, workers: int = 2,
                 env: dict[str, str] | None = None) -> None:  # fmt: skip
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
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> GunicornServer:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--graceful-timeout", "5", "--timeout", "60", "service.wsgi:app"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    self.process.stderr.read().decode() if self.process.stderr else ""
                )
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
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
