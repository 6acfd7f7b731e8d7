"""The embedded store: nx-27017 (MongoDB wire protocol on SQLite) as a child process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pymongo import MongoClient
from pymongo.errors import PyMongoError


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


# `nx-27017 ARGS…`, with its per-command INFO log lines off: formatting them costs about half of
# the server's CPU per operation (ping: 0.67 → 0.34 ms). Warnings and errors still reach the log.
NX_27017 = (
    "import logging, sys; from nx_27017.nx_27017 import main; "
    "logging.disable(logging.INFO); sys.argv[0] = 'nx-27017'; sys.exit(main())"
)


class EmbeddedStore:
    """Start, wait for and stop one nx-27017 server whose data live under `data_dir`."""

    def __init__(self, data_dir: str | os.PathLike[str], port: int | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.host = "127.0.0.1"
        self.port = port or free_port(self.host)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/"

    def start(self, timeout: float = 30.0) -> EmbeddedStore:
        store_dir = self.data_dir / "store"
        store_dir.mkdir(parents=True, exist_ok=True)
        log = (self.data_dir / "store.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                NX_27017,
                "--data-dir",
                str(store_dir),
                "-p",
                str(self.port),
                "--host",
                self.host,
                "--log-file",
                str(self.data_dir / "store.log"),
                "--pid-file",
                str(self.data_dir / "store.pid"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,  # Ctrl-C reaches the supervisor, which stops the store last
        )
        log.close()  # the child keeps its own descriptor
        self.wait_until_ready(timeout)
        return self

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        """Poll `ping` until the server answers; fail if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"nx-27017 exited with {self.process.returncode}")
            try:
                client: MongoClient[dict[str, Any]]
                with MongoClient(self.uri, serverSelectionTimeoutMS=300) as client:
                    client.admin.command("ping")
                return
            except PyMongoError:
                time.sleep(0.1)
        raise RuntimeError(f"nx-27017 did not answer ping on {self.uri} within {timeout} s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def __enter__(self) -> EmbeddedStore:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
