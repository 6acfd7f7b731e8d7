"""Interactive requests before bulk work, across every worker of one server (docs/design.md §7).

A phone's single submission is a few store commands and a few milliseconds of CPU; a 1000-item
batch is a second of both. On two cores beside the embedded store, one token's batches (one per
worker, service/admission.py) made a phone's submission wait behind their validation and their
store commands, five times its quiet time (issue 22, item 11). So a batch is bulk work that
yields: while any other request (a submission, a form, an estimate, a health check) is in flight
in any worker of this server, a batch waits before its next item and its next store command.
It keeps at least `BULK_SHARE` of its time (after `GRACE_SECONDS` of waiting): a steady stream
of requests slows batches down to a fifth of their speed, never stops them.

The workers share one small file (`SURVEY_INTERACTIVE_FILE`, made by the gunicorn master in
service/gunicorn_conf.py), mapped into each: one slot per worker with its process id and its
number of requests in flight. A worker writes only its own slot; anyone reads all, and frees
the slot of a process that has died. Without the file (the app in a test process, the CLI) the
table is this process's own.
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from service.offload import loop_sleep

FILE_VARIABLE = "SURVEY_INTERACTIVE_FILE"
SLOTS = 64
PIDS = struct.Struct(f"<{SLOTS}i")  # the process holding each slot (0: free) …
COUNTS = struct.Struct(f"<{SLOTS}i")  # … and its requests in flight, right after
SIZE = PIDS.size + COUNTS.size
NONE_IN_FLIGHT = bytes(COUNTS.size)

BULK_SHARE = 0.2  # the least share of its time a batch keeps under a steady stream of requests
GRACE_SECONDS = 0.5
POLL_SECONDS = 0.005
CONTENDED_SECONDS = 1.0  # since a request was last seen in flight: smaller store commands

BULK_PATH_SUFFIX = "/submissions/batch"


class RequestsInFlight:
    """This process's slot in the shared table (or a table of its own without the file)."""

    def __init__(self, path: str | None) -> None:
        self.pid = os.getpid()
        if path:
            self._table, self._slot = _shared_slot(path, self.pid)
        else:
            self._table, self._slot = mmap.mmap(-1, SIZE), 0
            _write(self._table, 0, self.pid)
        self._count = 0
        self._counting = threading.Lock()  # a gthread worker's threads share the slot

    @contextmanager
    def counted(self) -> Iterator[None]:
        """Count one request in flight in this process while the block runs."""
        self._add(1)
        try:
            yield
        finally:
            self._add(-1)

    def _add(self, change: int) -> None:
        with self._counting:
            self._count += change
            _write(self._table, PIDS.size + 4 * self._slot, self._count)

    def any(self) -> bool:
        if self._table[PIDS.size :] == NONE_IN_FLIGHT:
            return False
        pids = PIDS.unpack_from(self._table)
        counts = COUNTS.unpack_from(self._table, PIDS.size)
        busy = False
        for slot, (pid, count) in enumerate(zip(pids, counts, strict=True)):
            if count <= 0:
                continue
            if pid == self.pid or _alive(pid):
                busy = True
            else:  # a worker that died with requests in flight
                _write(self._table, 4 * slot, 0)
                _write(self._table, PIDS.size + 4 * slot, 0)
        return busy


def _shared_slot(path: str, pid: int) -> tuple[mmap.mmap, int]:
    """The file mapped, and a slot claimed for `pid`: a free one or a dead process's."""
    with open(path, "r+b") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            if os.fstat(file.fileno()).st_size < SIZE:
                file.truncate(SIZE)
            table = mmap.mmap(file.fileno(), SIZE)
            pids = PIDS.unpack_from(table)
            slot = next(
                (s for s, held in enumerate(pids) if held in (0, pid) or not _alive(held)), None
            )
            if slot is None:
                raise RuntimeError(f"more than {SLOTS} workers share {path}")
            _write(table, 4 * slot, pid)
            _write(table, PIDS.size + 4 * slot, 0)
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
    return table, slot


def _write(table: mmap.mmap, offset: int, value: int) -> None:
    struct.pack_into("<i", table, offset, value)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


_in_flight: RequestsInFlight | None = None


def requests_in_flight() -> RequestsInFlight:
    """This process's slot, taken on first use (in the worker, after the fork)."""
    global _in_flight
    if _in_flight is None or _in_flight.pid != os.getpid():
        _in_flight = RequestsInFlight(os.environ.get(FILE_VARIABLE))
    return _in_flight


class BulkPace:
    """One bulk job's turns: `yield_turn` waits while other requests are in flight, but only
    while the job's waiting stays within `GRACE_SECONDS` plus what keeps `BULK_SHARE` of its
    time its own."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.waited = 0.0
        self.contended_at = float("-inf")

    def yield_turn(self, sleep: Callable[[float], None]) -> None:
        """`sleep` must yield in whatever calls this: the event loop's greenlet
        (`offload.loop_sleep`) or a real thread of the hub's pool (`offload.thread_sleep`)."""
        in_flight = requests_in_flight()
        while in_flight.any():
            now = self.contended_at = time.monotonic()
            worked = now - self.started - self.waited
            if self.waited >= worked * (1 / BULK_SHARE - 1) + GRACE_SECONDS:
                return
            sleep(POLL_SECONDS)
            self.waited += time.monotonic() - now

    def contended(self) -> bool:
        """Whether a request was in flight at one of this job's turns in the last
        `CONTENDED_SECONDS`."""
        return time.monotonic() - self.contended_at < CONTENDED_SECONDS


class CountInteractive:
    """WSGI middleware: every request but a batch is counted in flight while the app answers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").endswith(BULK_PATH_SUFFIX):
            BulkPace().yield_turn(loop_sleep)  # before its body is read and parsed
            return self.app(environ, start_response)
        with requests_in_flight().counted():
            return self.app(environ, start_response)
