"""`make run`: the embedded store when no MONGODB_URI is given, the demo, then gunicorn; the
embedded store is watched and restarted when it dies (docs/operations.md "Store supervision")."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from service.config import GUNICORN_CONFIG, current_settings
from service.observability.json_logging import configure
from service.store import Store
from service.store.embedded import EmbeddedStore
from service.store_state import StoreState, write_state

ADMIN_TOKEN_FILE = "admin-token"
STORE_URI_FILE = "store-uri"  # where CLI commands find the running embedded store
STORE_STATE_FILE = "store-state"  # what /readyz and /healthz report about the embedded store
WATCH_SECONDS = 0.5
RESTART_TIMEOUT = 15.0
RETRY_FAILED_SECONDS = 30.0
GIVE_UP_AFTER = 3  # failed restarts in a row before the store is reported as failed
# Every line `make run` writes is a JSON object, these included (docs/operations.md "Logs").
log = logging.getLogger("service.supervisor")


def _remember_admin_token(data_dir: Path, token: str) -> Path:
    """Keep the first admin token for the README's examples: owner-readable only."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / ADMIN_TOKEN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return path


class StoreWatch:
    """Restart the embedded store on the same port and data folder whenever its process dies."""

    def __init__(self, embedded: EmbeddedStore, state_file: Path) -> None:
        self.embedded, self.state_file = embedded, state_file
        self.failures = 0
        self.next_attempt = 0.0
        write_state(state_file, StoreState.RUNNING)

    def check(self) -> None:
        process = self.embedded.process
        if process is None or process.poll() is None or time.monotonic() < self.next_attempt:
            return
        if self.failures < GIVE_UP_AFTER:
            write_state(self.state_file, StoreState.RESTARTING)
            log.warning(
                "embedded store exited; restarting it", extra={"exit_code": process.returncode}
            )
        try:
            self.embedded.start(RESTART_TIMEOUT)
        except (OSError, RuntimeError) as exc:
            self._failed(exc)
            return
        self.failures = 0
        write_state(self.state_file, StoreState.RUNNING)
        log.info("embedded store restarted", extra={"address": self.embedded.uri})

    def _failed(self, exc: Exception) -> None:
        self.failures += 1
        self.embedded.stop()  # one that started but never answered would block the next attempt
        log.error("embedded store restart %d failed (%s)", self.failures, type(exc).__name__)
        if self.failures >= GIVE_UP_AFTER:
            write_state(self.state_file, StoreState.FAILED)
            self.next_attempt = time.monotonic() + RETRY_FAILED_SECONDS


def start_embedded_store(
    data_dir: Path, env: dict[str, str], settings: dict[str, Any]
) -> EmbeddedStore:
    """Start nx-27017 and point the app (env) and the CLI (store-uri file) at it."""
    embedded = EmbeddedStore(data_dir).start()
    env["MONGODB_URI"] = embedded.uri
    # One SQLite node: "majority" + journal would fsync on every write (synchronous=FULL);
    # w=1 keeps the WAL safe across a crash of the store process at a fraction of the cost.
    env.setdefault("SURVEY_WRITE_CONCERN", "1")
    env["SURVEY_STORE_STATE"] = str(data_dir / STORE_STATE_FILE)
    settings["SURVEY_WRITE_CONCERN"] = env["SURVEY_WRITE_CONCERN"]
    (data_dir / STORE_URI_FILE).write_text(embedded.uri + "\n")
    log.info(
        "embedded store (nx-27017) started",
        extra={"address": embedded.uri, "path": str(data_dir / "store")},
    )
    return embedded


def prepare_store(uri: str, settings: dict[str, Any], with_demo: bool) -> str | None:
    """Indexes, the first admin token (returned when new) and, on request, the demo rounds."""
    store = Store(uri, settings["SURVEY_DB"], write_concern=str(settings["SURVEY_WRITE_CONCERN"]))
    try:
        store.ensure_indexes()
        admin = store.tokens.bootstrap_admin(settings.get("SURVEY_ADMIN_TOKEN"))
        if with_demo:
            from service.loading import load_demo

            for round_id, summary in load_demo(store).items():
                log.info(
                    "demo round loaded",
                    extra={
                        "round_id": round_id,
                        "new": summary["created"],
                        "already_loaded": summary["duplicate"],
                    },
                )
        return admin
    finally:
        store.close()


def announce(
    host: str, port: int, data_dir: Path, admin: str | None, settings: dict[str, Any]
) -> None:
    url = f"http://{host}:{port}"
    log.info("API (docs at /docs, OpenAPI at /openapi.json)", extra={"address": f"{url}/api/v1"})
    log.info("dashboard", extra={"address": f"{url}/dashboard"})
    if admin:
        path = _remember_admin_token(data_dir, admin)
        log.info("admin token, shown once", extra={"admin_token": admin, "path": str(path)})
    elif settings.get("SURVEY_ADMIN_TOKEN"):
        log.info("admin token: the value of SURVEY_ADMIN_TOKEN")
    else:
        log.info(
            "admin token: created on first start", extra={"path": str(data_dir / ADMIN_TOKEN_FILE)}
        )


def gunicorn_command(
    host: str, port: int, workers: int, threads: int, worker_class: str
) -> list[str]:
    """gunicorn with the shared settings (service/gunicorn_conf.py); flags override them."""
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--config",
        str(GUNICORN_CONFIG),
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
    ]
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    return [*command, "service.wsgi:app"]


def supervise(gunicorn: subprocess.Popen[bytes], watch: StoreWatch | None) -> int:
    """Wait for gunicorn to exit, restarting the embedded store whenever it dies meanwhile."""
    while gunicorn.poll() is None:
        if watch:
            watch.check()
        time.sleep(WATCH_SECONDS)
    return gunicorn.returncode


def shut_down(
    gunicorn: subprocess.Popen[bytes] | None, embedded: EmbeddedStore | None, data_dir: Path
) -> None:
    if gunicorn and gunicorn.poll() is None:
        gunicorn.terminate()
        gunicorn.wait(20)
    if embedded:
        (data_dir / STORE_URI_FILE).unlink(missing_ok=True)
        (data_dir / STORE_STATE_FILE).unlink(missing_ok=True)
        embedded.stop()
        log.info("stopped the embedded store")


def serve(
    host: str, port: int, workers: int, threads: int, with_demo: bool, worker_class: str = "gevent"
) -> int:
    settings = current_settings()
    configure(logging.getLogger("service"), str(settings["SURVEY_LOG_LEVEL"]))
    data_dir = Path(settings["SURVEY_DATA_DIR"]).resolve()
    env = dict(os.environ)
    embedded = (
        None if settings.get("MONGODB_URI") else start_embedded_store(data_dir, env, settings)
    )
    gunicorn: subprocess.Popen[bytes] | None = None
    try:
        admin = prepare_store(env["MONGODB_URI"], settings, with_demo)
        announce(host, port, data_dir, admin, settings)
        command = gunicorn_command(host, port, workers, threads, worker_class)
        # Its own session: Ctrl-C reaches only this supervisor, which stops gunicorn with SIGTERM
        # (a graceful stop; a gevent worker given SIGINT prints a traceback as it exits).
        gunicorn = subprocess.Popen(command, env=env, start_new_session=True)
        signal.signal(signal.SIGTERM, lambda *_: gunicorn.terminate() if gunicorn else None)
        watch = StoreWatch(embedded, data_dir / STORE_STATE_FILE) if embedded else None
        return supervise(gunicorn, watch)
    except KeyboardInterrupt:
        return 0
    finally:
        shut_down(gunicorn, embedded, data_dir)
