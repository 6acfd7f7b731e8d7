"""gunicorn settings shared by every way the service runs: `gunicorn -c service/gunicorn_conf.py`
(`python -m service serve`, the Docker image and the tests' servers all pass it).

gunicorn loads this file by path in its master, before any worker imports the app, and it must
stay that way (nothing here imports `service`): prometheus-client decides when it is first
imported whether samples go to PROMETHEUS_MULTIPROC_DIR, so the directory is chosen here and
inherited by every worker. See service/observability/metrics.py.

Why gevent workers (docs/operations.md "Slow clients"): a gthread worker hands a connection to a
thread as soon as its first bytes arrive, and the thread then blocks until the whole request is
in, so 16 clients that send a header every few seconds occupy every thread of two workers. A
gevent worker reads each connection in its own greenlet: a slow client costs a greenlet, not a
thread, up to `worker_connections` per worker. Production also puts nginx (which buffers whole
requests) in front (docker-compose.yml, deploy/nginx.conf).

gunicorn's own refusals (request line or header field too long, malformed request) are written
as RFC 9457 problem+json like the app's, not as gunicorn's HTML page; gunicorn's own log lines
are JSON like the app's (service/observability/log_format.py, loaded by path).
"""

from __future__ import annotations

import gc
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn import glogging, util

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

worker_class = "gevent"
worker_connections = 1000
# The app refuses URLs over 4096 bytes with its own 414; this is the hard stop behind it.
limit_request_line = 8190
limit_request_field_size = 8190
graceful_timeout = 10
control_socket_disable = True  # the app writes its own JSON access lines


def _metrics_dir() -> tuple[Path, bool]:
    """The configured directory, or a new private one (then removed when the server exits)."""
    configured = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if configured:
        return Path(configured), False
    path = Path(tempfile.mkdtemp(prefix="survey-metrics-"))
    os.environ[MULTIPROC_DIR_VARIABLE] = str(path)
    return path, True


METRICS_DIR, OWN_METRICS_DIR = _metrics_dir()

# The requests in flight per worker, which batches yield to (service/interactive.py): a file
# every worker maps, made empty by this master at start (not a `*.db`, so not a metric).
INTERACTIVE_FILE = METRICS_DIR / "requests-in-flight"
os.environ["SURVEY_INTERACTIVE_FILE"] = str(INTERACTIVE_FILE)


def _json_formatter() -> type[logging.Formatter]:
    """The app's JSON line formatter, loaded by path: importing `service` here would import the
    app (and prometheus-client, pymongo) into the master before gevent patches the workers."""
    path = Path(__file__).with_name("observability") / "log_format.py"
    spec = importlib.util.spec_from_file_location("survey_log_format", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    formatter: type[logging.Formatter] = module.JsonFormatter
    return formatter


# gunicorn merges this over its defaults: every handler writes through "generic"; its lines go to
# stderr once (not again through the root logger), and its access log stays off (the app writes
# one JSON access line per request itself).
logconfig_dict = {
    "formatters": {"generic": {"()": _json_formatter()}},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
}


class QuietAccessLogger(glogging.Logger):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn's logger, without building an access line its access logger would drop: with
    a `logconfig_dict` gunicorn formats every request's atoms (headers, environ, times) and
    hands them to a logger set to WARNING above, a few percent of a submission's CPU."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        if self.access_log.isEnabledFor(logging.INFO):
            super().access(resp, req, environ, request_time)


logger_class = QuietAccessLogger


def on_starting(server: Any) -> None:
    """A new server counts from zero: drop the samples a previous run left behind."""
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in METRICS_DIR.glob("*.db"):
        stale.unlink()
    INTERACTIVE_FILE.write_bytes(b"")


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's counters stay in the sums; its live gauges (if any) go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # untyped library


def on_exit(server: Any) -> None:
    if OWN_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)


PROBLEM_TYPE = "https://digital-adoption.example/problems/"


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error`, answering application/problem+json instead of HTML."""
    body = json.dumps(
        {
            "type": PROBLEM_TYPE + reason.lower().replace(" ", "-"),
            "title": reason,
            "status": status_int,
            "detail": mesg or reason,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = write_problem


def post_worker_init(worker: Any) -> None:
    """Keep the app's own objects (modules, catalogues, the app) out of every later collection.

    Under a batch's allocations the cyclic collector's full passes over them took 50–100 ms
    each on the 2-core machine, holding up every request of the worker (issue 22, item 11);
    frozen, a full pass visits only what requests made since."""
    gc.collect()
    gc.freeze()
