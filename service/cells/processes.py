"""Which process is writing, and whether it still runs (docs/design.md §7).

A write marks itself in flight under its process's id; a mark left by a process that no longer
runs means that process died between storing a submission and updating the cells. A process id
is the host, the pid and the pid's start time (pids are reused), so it is checked on this host
only: the embedded store serves local processes. A mark from another host is taken to be alive.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
from pathlib import Path

from service.store.cells import WRITER_PREFIX


def _host() -> str:
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]


def _started(pid: int) -> str | None:
    """The pid's start time in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


@functools.cache
def _this_process(pid: int) -> str:
    return f"{WRITER_PREFIX}{_host()}_{pid}_{_started(pid) or 0}"


def this_process() -> str:
    """This process's writer id (cached per pid: a forked worker gets its own)."""
    return _this_process(os.getpid())


def is_running(writer: str) -> bool:
    host, pid, started = writer.removeprefix(WRITER_PREFIX).split("_")
    if host != _host():
        return True
    return _started(int(pid)) == started
