"""Per-process memory of recently read tokens and rounds (docs/design.md §7).

A submission would otherwise read its token and its round from the store every time. Entries
live at most `FRESH_SECONDS`, in every worker, so a revoked token or a closed round takes effect
within that time everywhere without any message between workers (and at once in the worker
that made the change, which forgets what it remembered). Absent answers (an unknown
token, a missing round) are never remembered: a new token works at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import current_app

TOKENS_BY_SECRET, TOKENS_BY_NAME, ROUNDS = "tokens", "token names", "rounds"
FRESH_SECONDS = 0.5  # well inside the 1 s promised for revocations and closings
CAPACITY = 4096


class RecentCache:
    def __init__(self, seconds: float = FRESH_SECONDS, capacity: int = CAPACITY) -> None:
        self.seconds, self.capacity = seconds, capacity
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get_or_load(self, key: Hashable, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < self.seconds:
                return entry[1]
        value = load()  # the time is taken before the read: the entry never outlives it
        if value is not None:
            with self._lock:
                self._entries[key] = (now, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.capacity:
                    self._entries.popitem(last=False)
        return value


def forget(*names: str) -> None:
    """Drop every remembered value of these kinds in this worker (after changing one)."""
    for name in names:
        recent(name).clear()


def recent(name: str) -> RecentCache:
    """The app's cache called `name` (one per kind of document)."""
    caches = current_app.extensions.setdefault("recent", {})
    return caches.setdefault(name, RecentCache())
