"""Computed estimates kept per process, keyed by the round's data version.

Every accepted write bumps `data_version`, so a key with the current version is never stale
and old versions simply age out of the LRU. The cache is bounded by the bytes it really holds,
not by a count: each report is kept pickled, so its size is exactly the length of its bytes (the
Python objects of a report take five to ten times its JSON length, which let a 32 MB bound grow
a worker by 300 MB), and a hit unpickles a fresh copy, which no caller can change in the cache.
A few reports by commune weigh as much as hundreds province-wide (docs/operations.md "Estimate
cache").
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from service.observability.metrics import count_estimate_cache

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


def packed(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def size_of(data: bytes) -> int:
    """The memory a kept report holds: its bytes (a bytes object adds 33 bytes of header)."""
    return len(data)


class EstimateCache:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.held_bytes = 0
        self._entries: OrderedDict[Hashable, tuple[bytes, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                count_estimate_cache(hit=True)
                data = self._entries[key][0]
            else:
                data = None
        if data is not None:
            return pickle.loads(data)
        count_estimate_cache(hit=False)
        value = compute()
        data = packed(value)
        self._keep(key, data, size_of(data))
        return value

    def _keep(self, key: Hashable, value: bytes, size: int) -> None:
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
