"""gunicorn settings shared by every way the service runs: `gunicorn -c service/gunicorn_conf.py`
(`python -m service serve`, the Docker image and the tests' servers all pass it).

gunicorn loads this file by path in its master, before any worker imports the app, and it must
stay that way (nothing here imports `service`): prometheus-client decides when it is first
imported whether samples go to PROMETHEUS_MULTIPROC_DIR, so the directory is chosen here and
inherited by every worker. See service/observability/metrics.py.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def _metrics_dir() -> tuple[Path, bool]:
    """The configured directory, or a new private one (then removed when the server exits)."""
    configured = os.environ.get(MULTIPROC_DIR_VARIABLE)
    if configured:
        return Path(configured), False
    path = Path(tempfile.mkdtemp(prefix="survey-metrics-"))
    os.environ[MULTIPROC_DIR_VARIABLE] = str(path)
    return path, True


METRICS_DIR, OWN_METRICS_DIR = _metrics_dir()


def on_starting(server: Any) -> None:
    """A new server counts from zero: drop the samples a previous run left behind."""
    METRICS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in METRICS_DIR.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's counters stay in the sums; its live gauges (if any) go."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if OWN_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
