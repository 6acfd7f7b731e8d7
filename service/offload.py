"""CPU-bound work off a gevent worker's event loop (docs/operations.md "Slow clients").

Under gevent one greenlet computing for a second holds up every other connection of its worker,
`/readyz` included. Pure computation (no store call: pymongo's sockets belong to the loop) runs
in the hub's pool of real threads instead, where it shares the interpreter with the loop as a
gthread worker's threads would. Outside gevent (tests, the CLI, gthread) it is a plain call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


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
