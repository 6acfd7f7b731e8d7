"""CPU-bound work off a gevent worker's event loop (docs/operations.md "Slow clients").

Under gevent one greenlet computing for a second holds up every other connection of its worker,
`/readyz` included. Pure computation (no store call: pymongo's sockets belong to the loop) runs
in the hub's pool of real threads instead, where it shares the interpreter with the loop as a
gthread worker's threads would. Outside gevent (tests, the CLI, gthread) it is a plain call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
P = TypeVar("P")


def _under_gevent() -> bool:
    try:
        from gevent import monkey
    except ImportError:
        return False
    return bool(monkey.is_module_patched("threading"))


def off_the_loop(work: Callable[[], T]) -> T:
    if not _under_gevent():
        return work()
    import gevent

    done: T = gevent.get_hub().threadpool.apply(work)
    return done


def pipelined(parts: Sequence[P], prepare: Callable[[P], T], use: Callable[[T], None]) -> None:
    """`use(prepare(part))` for each part in order, with the next part prepared off the loop
    while this one is used: pure computation (validating) overlaps the store's work on what
    was prepared before (storing), which runs in another process. The same work as one part
    after the other, in less time; outside gevent it is one part after the other."""
    if not _under_gevent():
        for part in parts:
            use(prepare(part))
        return
    import gevent

    pool = gevent.get_hub().threadpool
    pending = pool.spawn(prepare, parts[0]) if parts else None
    for index in range(len(parts)):
        assert pending is not None
        prepared = pending.get()
        pending = pool.spawn(prepare, parts[index + 1]) if index + 1 < len(parts) else None
        use(prepared)


def loop_sleep(seconds: float) -> None:
    """Sleep in the event loop's greenlet (gevent patches `time.sleep`): the loop serves other
    connections meanwhile."""
    time.sleep(seconds)


def thread_sleep(seconds: float) -> None:
    """Sleep in a real thread of the hub's pool (`pipelined`'s `prepare`), not in the loop."""
    if _under_gevent():
        from gevent import monkey

        monkey.get_original("time", "sleep")(seconds)
    else:
        time.sleep(seconds)
