"""Single submissions stored at the same moment in one worker share their store commands.

A submission costs four store commands: the write mark, the insert, the cells update that closes
the mark, the audit entry (docs/design.md §7, §11). When several are being stored at once in a
worker (the admission gate lets `SURVEY_INGEST_CONCURRENCY` through), the first becomes the
leader: it takes every submission queued for the same round by then and stores them together
the way a batch is stored (one mark, one unordered insert, one cells update, one audit insert),
then hands each its own status (`created`, `duplicate` or `conflict`, exactly as alone) and the
lead to the first submission that queued meanwhile. A submission alone is a group of one: the
same four commands as before. Nothing waits for company: a leader writes what is there, after
letting the requests that are ready to run reach the queue first (`time.sleep(0)`: under
gevent one turn of the event loop, no waiting on any clock). Without that turn a leader that
found nobody writing always wrote alone, and the submissions admitted with it formed the next
group: groups of one and three where one of four would do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from catalogue import SubmissionStatus
from service.store import Store

WriteMany = Callable[[list[dict[str, Any]]], list[SubmissionStatus]]


@dataclass
class _Queued:
    doc: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    status: SubmissionStatus | None = None
    error: BaseException | None = None


class GroupCommit:
    """One queue per key (a round), one leader writing at a time for each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[Hashable, list[_Queued]] = {}
        self._writing: set[Hashable] = set()

    def insert(self, key: Hashable, doc: dict[str, Any], write_many: WriteMany) -> SubmissionStatus:
        mine = _Queued(doc)
        with self._lock:
            self._queues.setdefault(key, []).append(mine)
            mine.lead = key not in self._writing
            self._writing.add(key)
        if mine.lead:  # first in an empty queue: the requests ready to run queue behind it
            time.sleep(0)
        else:
            mine.done.wait()
        if mine.lead:
            self._write_queued(key, write_many)
        if mine.error is not None:
            raise mine.error
        assert mine.status is not None
        return mine.status

    def _write_queued(self, key: Hashable, write_many: WriteMany) -> None:
        with self._lock:
            group = self._queues.pop(key)
        try:
            statuses = write_many([queued.doc for queued in group])
        except BaseException as exc:  # every submission of the group failed with it
            for queued in group:
                queued.error = exc
        else:
            for queued, status in zip(group, statuses, strict=True):
                queued.status = status
        with self._lock:
            waiting = self._queues.get(key)
            if waiting:
                waiting[0].lead = True
                waiting[0].done.set()
            else:
                self._writing.discard(key)
        for queued in group:
            queued.done.set()


def groups_of(store: Store) -> GroupCommit:
    """This process's group commit for one store client (kept in `Store.extensions`)."""
    groups = store.extensions.get("group commit")
    if groups is None:
        groups = store.extensions.setdefault("group commit", GroupCommit())
    return groups  # type: ignore[no-any-return]
