"""Computed estimates kept per process, keyed by the round's data version.

Every accepted write bumps `data_version`, so a key with the current version is never stale
and old versions simply age out of the LRU (service/caching.py, named `estimates`). The cache is
bounded by the bytes it really holds, not by a count: each report is kept pickled, so its size is
exactly the length of its bytes (the Python objects of a report take five to ten times its JSON
length, which let a 32 MB bound grow a worker by 300 MB), and a hit unpickles a fresh copy, which
no caller can change in the cache. A few reports by commune weigh as much as hundreds
province-wide (docs/operations.md "Estimate cache").
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Hashable
from typing import Any

from service.caching import ByteBoundedCache

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


def packed(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class EstimateCache:
    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._packed = ByteBoundedCache("estimates", max_bytes, size_of=len)

    @property
    def held_bytes(self) -> int:
        return self._packed.held_bytes

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        computed: list[Any] = []

        def compute_packed() -> bytes:
            computed.append(compute())
            return packed(computed[0])

        data = self._packed.get_or_load(key, compute_packed)
        return computed[0] if computed else pickle.loads(data)

    def __len__(self) -> int:
        return len(self._packed)

    def clear(self) -> None:
        self._packed.clear()
