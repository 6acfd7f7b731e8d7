"""How long cell readers and writers wait for a rebuild, and how often they look."""

from __future__ import annotations

import time

from service.store.errors import StoreBusy

REBUILD_WAIT_SECONDS = 60.0
POLL_SECONDS = 0.02


class Deadline:
    """Sleep between looks until `REBUILD_WAIT_SECONDS` have passed, then StoreBusy."""

    def __init__(self, round_id: str, seconds: float | None = None) -> None:
        wait = REBUILD_WAIT_SECONDS if seconds is None else seconds
        self.round_id, self.ends = round_id, time.monotonic() + wait

    def passed(self) -> bool:
        return time.monotonic() > self.ends

    def pause(self) -> None:
        if self.passed():
            raise StoreBusy(f"the cells of round {self.round_id!r} are being recounted")
        time.sleep(POLL_SECONDS)
