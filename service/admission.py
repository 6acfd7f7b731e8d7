"""At most a few submissions are stored at once per worker, shared fairly between tokens
(docs/design.md §7).

A gevent worker runs every request it has accepted in turn, one step between two store round
trips at a time. Fifty enumerators sending at once would put an estimates request behind fifty
submission steps at each of its round trips, and behind as many store commands in the store's
queue. Submissions past `SURVEY_INGEST_CONCURRENCY` therefore wait here, costing nothing; reads
never wait here. Throughput does not change: the few admitted keep the store and the CPU busy.

One token holds at most `SURVEY_INGEST_PER_TOKEN` of a worker's slots, and a freed slot goes to
the longest-waiting request whose token is under that share: eight parallel 1000-item batches
from one client wait behind each other, not in front of everyone else's single submissions.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

from flask import current_app

from service.store.errors import StoreBusy

# Longer than a submission waits in any sane queue; then 503 + Retry-After, like a busy store.
WAIT_SECONDS = 20.0


class FairAdmission:
    """`total` slots; at most `per_token` held by one token; arrival order among the others."""

    def __init__(self, total: int, per_token: int) -> None:
        self.total, self.per_token = total, per_token
        self._changed = threading.Condition()
        self._held: dict[Hashable, int] = {}
        self._waiting: deque[tuple[object, Hashable]] = deque()

    def acquire(self, token: Hashable, timeout: float) -> bool:
        ticket = (object(), token)
        deadline = time.monotonic() + timeout
        with self._changed:
            self._waiting.append(ticket)
            while not self._is_next(ticket):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._waiting.remove(ticket)
                    self._changed.notify_all()  # someone behind may be next now
                    return False
                self._changed.wait(remaining)
            self._waiting.remove(ticket)
            self._held[token] = self._held.get(token, 0) + 1
            self._changed.notify_all()  # another slot may be free for the next in line
            return True

    def release(self, token: Hashable) -> None:
        with self._changed:
            left = self._held[token] - 1
            if left:
                self._held[token] = left
            else:
                del self._held[token]
            self._changed.notify_all()

    def _is_next(self, ticket: tuple[object, Hashable]) -> bool:
        """A slot is free and no earlier waiter whose token is under its share comes first."""
        if sum(self._held.values()) >= self.total:
            return False
        for waiting in self._waiting:
            if self._held.get(waiting[1], 0) < self.per_token:
                return waiting is ticket
        return False


@contextmanager
def ingest_slot(token_id: Hashable) -> Iterator[None]:
    """Hold one of this worker's submission slots, as `token_id`, while storing."""
    slots = _slots()
    if not slots.acquire(token_id, timeout=WAIT_SECONDS):
        raise StoreBusy("too many submissions are being stored; retry shortly")
    try:
        yield
    finally:
        slots.release(token_id)


def _slots() -> FairAdmission:
    """Created in the worker on first use (after gevent has patched `threading`)."""
    extensions = current_app.extensions
    if "ingest_slots" not in extensions:
        total = int(current_app.config["SURVEY_INGEST_CONCURRENCY"])
        per_token = int(current_app.config["SURVEY_INGEST_PER_TOKEN"])
        extensions.setdefault("ingest_slots", FairAdmission(total, max(1, per_token)))
    slots: FairAdmission = extensions["ingest_slots"]
    return slots
