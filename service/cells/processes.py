"""Which process is writing, and whether it still runs (docs/design.md §7).

A write marks itself in flight under an id of its own that starts with its process's id, and
names the process in the mark; a mark left by a process that no longer runs means that process
died between storing a submission and updating the cells. A process id
is the host, the pid and the pid's start time (pids are reused). On this host that is checked
directly; a process on another host (app containers scaled out) is taken to be gone once it has
begun no write for `SILENT_SECONDS`, longer than any write can take (each store call times out
well before).
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from service.store.cells import WRITER_PREFIX

SILENT_SECONDS = 300
# Numbers this process's writes; a forked worker goes on from its parent's count under its own
# pid, so write ids stay unique across processes and store clients.
_writes = itertools.count(1)


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


def new_write_id() -> str:
    """An id no other write of any process has: this process's id and a sequence number."""
    return f"{this_process()}_{next(_writes)}"


def is_running(writer: str, last_seen: str = "") -> bool:
    """Does the process still run? (`last_seen`: when it began the write it marked, ISO UTC)"""
    host, pid, started = writer.removeprefix(WRITER_PREFIX).split("_")
    if host == _host():
        return _started(int(pid)) == started
    try:
        seen = datetime.fromisoformat(last_seen.replace("Z", "+00:00"))
    except ValueError:
        return True
    return datetime.now(UTC) - seen < timedelta(seconds=SILENT_SECONDS)
