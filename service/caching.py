"""The service's one cache facility: cachetools caches bounded by the bytes they hold, counted.

Every cache has a name; its hits and misses and the bytes it holds are in the Prometheus metrics
(`survey_cache_total{cache, result}`, `survey_cache_bytes{cache}`; docs/operations.md). A cache
lives where its data's owner lives, on the app (`app.extensions`) or on the store client it
reads from (`Store.extensions`), never in a module global: two apps or two stores in one
process (the tests) never see each other's entries.

A value larger than the whole bound is returned but not kept. Absent values (None) are never
kept: a token created a moment ago works at once.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

import cachetools

from service.observability.metrics import CacheMetrics


def pickled_size(value: Any) -> int:
    """What a kept object holds, roughly: the length of its pickle (objects take a few times
    more, the same few times for every entry of one cache, so the bound stays proportionate)."""
    return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


class ByteBoundedCache:
    """Least recently used out first once the entries' sizes add up to more than `max_bytes`;
    with `seconds`, an entry also expires that long after its value was read (the time taken
    before the read, so an entry never outlives it)."""

    def __init__(
        self,
        name: str,
        max_bytes: int,
        size_of: Callable[[Any], int] = pickled_size,
        seconds: float | None = None,
    ) -> None:
        self.name, self.max_bytes, self.seconds = name, max_bytes, seconds
        self._entries: cachetools.Cache[Hashable, tuple[float, Any]]
        if seconds is None:
            self._entries = cachetools.LRUCache(max_bytes, getsizeof=lambda e: size_of(e[1]))
        else:
            self._entries = cachetools.TLRUCache(
                max_bytes,
                ttu=lambda _key, entry, _now: entry[0] + seconds,
                timer=time.monotonic,
                getsizeof=lambda e: size_of(e[1]),
            )
        self._lock = threading.Lock()
        self._metrics = CacheMetrics(name)
        self._counted_bytes = 0

    @property
    def held_bytes(self) -> int:
        return int(self._entries.currsize)

    def __len__(self) -> int:
        return len(self._entries)

    def get_or_load(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The kept value of `key`, or `load()` (kept unless None)."""
        started = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        self._metrics.count(hit=entry is not None)
        if entry is not None:
            return entry[1]
        value = load()
        if value is not None:
            self.keep(key, value, started)
        return value

    def keep(self, key: Hashable, value: Any, read_at: float | None = None) -> None:
        entry = (time.monotonic() if read_at is None else read_at, value)
        with self._lock:
            try:
                self._entries[key] = entry
            except ValueError:  # larger than the whole bound: answered, not kept
                self._entries.pop(key, None)
            self._count_bytes()

    def drop(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._count_bytes()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._count_bytes()

    def _count_bytes(self) -> None:
        held = self.held_bytes
        self._metrics.count_bytes(held - self._counted_bytes)
        self._counted_bytes = held


def caches_of(extensions: dict[str, Any]) -> Caches:
    """The caches kept in an owner's `extensions` (`app.extensions`, `Store.extensions`)."""
    return extensions.setdefault("caches", Caches())  # type: ignore[no-any-return]


class Caches:
    """The named caches of one owner (an app, a store client), made on first use."""

    def __init__(self) -> None:
        self._caches: dict[str, ByteBoundedCache] = {}
        self._lock = threading.Lock()

    def named(self, name: str, make: Callable[[], ByteBoundedCache]) -> ByteBoundedCache:
        with self._lock:
            if name not in self._caches:
                self._caches[name] = make()
            return self._caches[name]
