"""Per-process memory of recently read tokens and rounds (docs/design.md §7).

A submission would otherwise read its token and its round from the store every time. Entries
live at most `FRESH_SECONDS`, in every worker, so a revoked token or a closed round takes effect
within that time everywhere without any message between workers (and at once in the worker
that made the change, which forgets what it remembered). Absent answers (an unknown
token, a missing round) are never remembered: a new token works at once. One cache per kind
of document (service/caching.py, named `recent tokens`, …), kept on the app.

Tokens are read again together (`get_or_load_together`): the one a request needs afresh with
every remembered one used since its own read, in one store query. Twenty phones submitting
without pause cost a worker one token query per `FRESH_SECONDS`, not twenty; a token used once
in a while costs what it did, one query when it is next used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Set
from typing import Any

from flask import current_app

from service.caching import ByteBoundedCache, caches_of

TOKENS_BY_SECRET, TOKENS_BY_NAME, ROUNDS = "tokens", "token names", "rounds"
FRESH_SECONDS = 0.5  # well inside the 1 s promised for revocations and closings
MAX_BYTES = 4 * 1024 * 1024  # per kind: thousands of tokens, hundreds of rounds with their design


class RecentCache(ByteBoundedCache):
    def __init__(
        self, name: str = "recent", seconds: float = FRESH_SECONDS, max_bytes: int = MAX_BYTES
    ) -> None:
        super().__init__(name, max_bytes, seconds=seconds)
        self._used: set[Hashable] = set()  # keys answered from here since their last read
        self._used_lock = threading.Lock()

    def get_or_load_together(
        self, key: Hashable, load_many: Callable[[Set[Hashable]], dict[Hashable, Any]]
    ) -> Any:
        """The remembered value of `key`; or, read in one `load_many`, the values of `key` and
        of every remembered key used since its own read (each kept unless absent, then
        forgotten)."""
        started = time.monotonic()
        value = self.get_or_load(key, lambda: None)
        if value is not None:
            with self._used_lock:
                self._used.add(key)
            return value
        with self._used_lock:
            keys, self._used = {key, *self._used}, set()
        values = load_many(keys)
        for each in keys:
            found = values.get(each)
            if found is None:
                self.drop(each)
            else:
                self.keep(each, found, started)
        return values.get(key)

    def clear(self) -> None:
        with self._used_lock:
            self._used = set()
        super().clear()


def forget(*names: str) -> None:
    """Drop every remembered value of these kinds in this worker (after changing one)."""
    for name in names:
        recent(name).clear()


def recent(name: str) -> RecentCache:
    """The app's cache called `name` (one per kind of document)."""
    made = caches_of(current_app.extensions).named(
        f"recent {name}", lambda: RecentCache(f"recent {name}")
    )
    assert isinstance(made, RecentCache)
    return made
