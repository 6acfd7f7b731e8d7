"""At most a few submissions are stored at once per worker (docs/design.md §7).

A gevent worker runs every request it has accepted in turn, one step between two store round
trips at a time. Fifty enumerators sending at once would put an estimates request behind fifty
submission steps at each of its round trips, and behind as many store commands in the store's
queue. Submissions past `SURVEY_INGEST_CONCURRENCY` therefore wait here, costing nothing, in
arrival order; reads never wait here. Throughput does not change: the few admitted keep the
store and the CPU busy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from service.store.errors import StoreBusy

# Longer than a submission waits in any sane queue; then 503 + Retry-After, like a busy store.
WAIT_SECONDS = 20.0


@contextmanager
def ingest_slot() -> Iterator[None]:
    """Hold one of this worker's submission slots while storing."""
    slots = _slots()
    if not slots.acquire(timeout=WAIT_SECONDS):
        raise StoreBusy("too many submissions are being stored; retry shortly")
    try:
        yield
    finally:
        slots.release()


def _slots() -> threading.BoundedSemaphore:
    """Created in the worker on first use (after gevent has patched `threading`)."""
    extensions = current_app.extensions
    if "ingest_slots" not in extensions:
        size = int(current_app.config["SURVEY_INGEST_CONCURRENCY"])
        extensions.setdefault("ingest_slots", threading.BoundedSemaphore(size))
    return extensions["ingest_slots"]
