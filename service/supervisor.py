"""`make run`: the embedded store when no MONGODB_URI is given, the demo, then gunicorn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from service.config import GUNICORN_CONFIG, current_settings
from service.store import Store
from service.store.embedded import EmbeddedStore

ADMIN_TOKEN_FILE = "admin-token"
STORE_URI_FILE = "store-uri"  # where CLI commands find the running embedded store


def _remember_admin_token(data_dir: Path, token: str) -> Path:
    """Keep the first admin token for the README's examples: owner-readable only."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / ADMIN_TOKEN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token + "\n")
    return path


def serve(host: str, port: int, workers: int, threads: int, with_demo: bool) -> int:
    settings = current_settings()
    data_dir = Path(settings["SURVEY_DATA_DIR"]).resolve()
    embedded: EmbeddedStore | None = None
    env = dict(os.environ)
    if not settings.get("MONGODB_URI"):
        embedded = EmbeddedStore(data_dir).start()
        env["MONGODB_URI"] = embedded.uri
        # One SQLite node: "majority" + journal would fsync on every write (synchronous=FULL);
        # w=1 keeps the WAL safe across a crash of the store process at a fraction of the cost.
        env.setdefault("SURVEY_WRITE_CONCERN", "1")
        settings["SURVEY_WRITE_CONCERN"] = env["SURVEY_WRITE_CONCERN"]
        (data_dir / STORE_URI_FILE).write_text(embedded.uri + "\n")
        print(f"embedded store (nx-27017) on {embedded.uri}, data in {data_dir / 'store'}")
    gunicorn: subprocess.Popen[bytes] | None = None
    try:
        store = Store(
            env["MONGODB_URI"],
            settings["SURVEY_DB"],
            write_concern=str(settings["SURVEY_WRITE_CONCERN"]),
        )
        store.ensure_indexes()
        admin = store.tokens.bootstrap_admin(settings.get("SURVEY_ADMIN_TOKEN"))
        if with_demo:
            from service.loading import load_demo

            for round_id, summary in load_demo(store).items():
                print(
                    f"demo round {round_id}: {summary['created']} new, "
                    f"{summary['duplicate']} already loaded"
                )
        store.close()
        url = f"http://{host}:{port}"
        print(f"API        {url}/api/v1   (docs {url}/docs, OpenAPI {url}/openapi.json)")
        print(f"dashboard  {url}/dashboard")
        if admin:
            path = _remember_admin_token(data_dir, admin)
            print(f"admin token (shown once, also in {path}): {admin}")
        elif settings.get("SURVEY_ADMIN_TOKEN"):
            print("admin token: the value of SURVEY_ADMIN_TOKEN")
        else:
            print(f"admin token: created on first start (see {data_dir / ADMIN_TOKEN_FILE})")
        sys.stdout.flush()
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--config",
                str(GUNICORN_CONFIG),
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(threads),
                "--no-control-socket",  # the app writes its own JSON access lines
                "service.wsgi:app",
            ],
            env=env,
        )
        signal.signal(signal.SIGTERM, lambda *_: gunicorn.terminate() if gunicorn else None)
        return gunicorn.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if gunicorn and gunicorn.poll() is None:
            gunicorn.terminate()
            gunicorn.wait(20)
        if embedded:
            (data_dir / STORE_URI_FILE).unlink(missing_ok=True)
            embedded.stop()
            print("stopped the embedded store")
