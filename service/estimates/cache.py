"""Computed estimates kept per process, keyed by the round's data version.

Every accepted write bumps `data_version`, so a key with the current version is never stale
and old versions simply age out of the LRU. The cache is bounded by the size of what it holds
(each report measured once, as its JSON length), not by a count: a few reports by commune weigh
as much as hundreds province-wide (docs/operations.md "Estimate cache").
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from service.observability.metrics import count_estimate_cache

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


def size_of(value: Any) -> int:
    """About the memory a report holds: its JSON length (Python objects take a few times more,
    in proportion, which is all a bound needs)."""
    return len(json.dumps(value, default=str, separators=(",", ":")))


class EstimateCache:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.held_bytes = 0
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                count_estimate_cache(hit=True)
                return self._entries[key][0]
        count_estimate_cache(hit=False)
        value = compute()
        self._keep(key, value, size_of(value))
        return value

    def _keep(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                self.held_bytes -= self._entries.pop(key)[1]
            self._entries[key] = (value, size)
            self.held_bytes += size
            while self.held_bytes > self.max_bytes:
                self.held_bytes -= self._entries.popitem(last=False)[1][1]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.held_bytes = 0
