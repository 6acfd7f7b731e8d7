"""Every write that changes what estimates include goes through `record` (docs/design.md §7).

`record` marks the write in flight in the round's cells head under an id of its own, runs it,
then applies its cell changes and closes the mark in one store command. A process that dies
between the two leaves its mark behind; readers see a mark whose process is gone and recount the
cells (`service.cells.recount`). A write that fails part-way marks the cells dirty, which also
makes the next reader recount.

When the store fails under a mark command, the process cannot know whether the store applied it
before failing. Because a mark names its write, closing it is safe either way (closing a mark
never opened changes nothing), so the process owes it: a mark whose opening failed is closed
as it is (the write never ran), one whose write or closing failed is closed with the cells
marked dirty. A background settler closes what is owed as soon as the store answers again, so a
recount after a store crash does not wait for a live process that has no reason to write.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask

from service.cells.change import CellChange, is_included
from service.cells.processes import new_write_id, this_process
from service.cells.recount import rebuild_if_abandoned
from service.cells.waiting import Deadline
from service.store import Store

T = TypeVar("T")
# Fault injection for tests, off unless set when the app starts: the process kills itself after
# storing a submission with this id and before the cells are updated (`install_fault_hook`).
KILL_BEFORE_CELLS = "SURVEY_FAULT_KILL_BEFORE_CELLS"
SETTLE_RETRY_SECONDS = 0.25


@dataclass
class WriteLedger:
    """This process's cells bookkeeping for one store client (kept in `Store.extensions`)."""

    # round → {write id: whether closing it must mark the cells dirty} for the marks this
    # process could not close (or is unsure it opened)
    owed: dict[str, dict[str, bool]] = field(default_factory=dict)
    settling: bool = False  # a background settler is running
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Tests only, installed once at start: runs between the write and the cells update.
    before_cells: Callable[[Iterable[str]], None] | None = None


def ledger_of(store: Store) -> WriteLedger:
    ledger = store.extensions.get("cells.writes")
    if ledger is None:
        ledger = store.extensions.setdefault("cells.writes", WriteLedger())
    return ledger  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    """Install the tests' fault hook once, when the app starts with it configured: the write
    path itself never looks at the environment."""
    doomed = app.config.get(KILL_BEFORE_CELLS)
    if doomed:
        install_fault_hook(app.extensions["store"], doomed)


def install_fault_hook(store: Store, doomed_submission_id: str) -> None:
    """Tests: die (SIGKILL) after storing `doomed_submission_id`, before its cells."""

    def kill_if_doomed(submission_ids: Iterable[str]) -> None:
        if doomed_submission_id in submission_ids:
            os.kill(os.getpid(), signal.SIGKILL)

    ledger_of(store).before_cells = kill_if_doomed


def record(
    store: Store,
    round_id: str,
    write: Callable[[], tuple[T, CellChange]],
    submission_ids: Iterable[str] = (),
) -> T:
    """Run `write` (which stores submissions and says what it changed) and update the cells."""
    settle_owed(store)
    write_id = new_write_id()
    begin(store, round_id, write_id)
    try:
        result, change = write()
    except BaseException:
        close_after_failure(store, round_id, write_id)
        raise
    hook = ledger_of(store).before_cells
    if hook is not None:
        hook(submission_ids)
    try:
        store.cells.end_write(
            round_id, [write_id], change.deltas, change.stored, bump=change.versioned
        )
    except BaseException:  # the store went away: whether or not it applied them, recount
        close_after_failure(store, round_id, write_id)
        raise
    return result


def begin(store: Store, round_id: str, write_id: str) -> None:
    """Mark a write in flight; while the cells are being rebuilt, wait (or take it over)."""
    deadline = Deadline(round_id)
    while not _open_mark(store, round_id, write_id):
        rebuild_if_abandoned(store, round_id)
        deadline.pause()


def _open_mark(store: Store, round_id: str, write_id: str) -> bool:
    try:
        return store.cells.begin_write(round_id, write_id, this_process())
    except BaseException:  # the store may have applied it before failing: owe its closing
        _owe(store, {round_id: {write_id: False}})
        raise


def close_after_failure(store: Store, round_id: str, write_id: str) -> None:
    """A failed write may have stored part of its documents: close its mark, mark cells dirty.

    When the store cannot be reached now, owe it: a settler closes it once the store answers.
    """
    try:
        store.cells.end_write(round_id, [write_id], {}, 0, dirty=True)
    except Exception:  # the store itself failed; the caller re-raises the original error
        _owe(store, {round_id: {write_id: True}})


def _owe(store: Store, marks: dict[str, dict[str, bool]]) -> None:
    """Remember marks the store could not take, and make sure a settler is closing them."""
    ledger = ledger_of(store)
    with ledger.lock:
        for round_id, write_ids in marks.items():
            owed = ledger.owed.setdefault(round_id, {})
            for write_id, dirty in write_ids.items():
                owed[write_id] = owed.get(write_id, False) or dirty
        start, ledger.settling = not ledger.settling, True
    if start:
        threading.Thread(target=_settle_when_back, args=(store,), daemon=True).start()


def _settle_when_back(store: Store) -> None:
    """Retry closing this process's owed marks until the store takes them (a thread; a
    greenlet under gevent workers)."""
    ledger = ledger_of(store)
    while True:
        time.sleep(SETTLE_RETRY_SECONDS)
        try:
            settle_owed(store)
        except Exception:  # still unreachable: try again
            continue
        with ledger.lock:
            if not ledger.owed:
                ledger.settling = False
                return


def settle_owed(store: Store) -> None:
    """Close the marks this process owes: one command per round (repeating one is harmless)."""
    ledger = ledger_of(store)
    if not ledger.owed:  # the write path's usual case: nothing owed, no lock taken
        return
    with ledger.lock:
        owed, ledger.owed = ledger.owed, {}
    for round_id in list(owed):
        marks = owed[round_id]
        try:
            store.cells.end_write(round_id, marks, {}, 0, dirty=any(marks.values()))
        except Exception:
            _owe(store, owed)
            raise
        del owed[round_id]


def set_in_estimates(store: Store, round_id: str, submission_id: str, included: bool) -> bool:
    """Include a stored submission in estimates or leave it out; False when nothing changed."""

    def write() -> tuple[bool, CellChange]:
        before = store.submissions.set_in_estimates(round_id, submission_id, included)
        change = CellChange()
        if before is not None:
            change.add(before["agg"], 1 if included else -1)
        return before is not None, change

    return record(store, round_id, write)


def replace(
    store: Store,
    round_id: str,
    submission_id: str,
    content: dict[str, Any],
    expected_version: int | None = None,
) -> dict[str, Any] | None:
    """Replace a submission's content (a correction; `content` carries the new `agg`, and may
    change `in_estimates`).

    Returns the document as it was before, or None when there is no such submission (or it is
    no longer at `expected_version`).
    """

    def write() -> tuple[dict[str, Any] | None, CellChange]:
        before = store.submissions.replace_content(
            round_id, submission_id, content, expected_version
        )
        change = CellChange()
        if before is not None:
            if is_included(before):
                change.add(before["agg"], -1)
            if is_included({**before, **content}):
                change.add(content["agg"], 1)
        return before, change

    return record(store, round_id, write)
