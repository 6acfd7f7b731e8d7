"""Per-process memory of recently read tokens and rounds (docs/design.md §7).

A submission would otherwise read its token and its round from the store every time. Entries
live at most `FRESH_SECONDS`, in every worker, so a revoked token or a closed round takes effect
within that time everywhere without any message between workers (and at once in the worker
that made the change, which forgets what it remembered). Absent answers (an unknown
token, a missing round) are never remembered: a new token works at once. One cache per kind
of document (service/caching.py, named `recent tokens`, …), kept on the app.
"""

from __future__ import annotations

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
