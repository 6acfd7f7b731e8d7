"""Recounting a round's cells from its submissions, and reading cells only when they are right.

Cells are recounted when a reader finds them untrustworthy: a write mark left by a process that
died (killed between storing a submission and updating the cells; in a head of the previous
version, a per-process counter of writes above 0), a write that failed part-way
(`dirty`), a rebuild abandoned by a process that died, or submissions stored before the round had
cells. `rebuild` is also the tool for rare bulk changes (e.g. a PSU's weights recomputed).
While one process rebuilds, writers wait and readers wait; the rebuilder first waits for the
writes already in flight, so none is counted twice or missed.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Any

from catalogue import indicators_of
from service.cells.contributions import moment_fields, round_contributions, weight_fields
from service.cells.processes import is_running, this_process
from service.cells.waiting import Deadline
from service.domain.round import Round
from service.store import Store
from service.store.cells import NOT_REBUILDING, Mark, legacy_fields, marks_in_flight

log = logging.getLogger(__name__)
# A mark of a live process that stays open this long was left by a failed write whose process
# could not reach the store to close it; the rebuild stops waiting for it.
WRITER_WAIT_SECONDS = 30.0


def needs_rebuild(head: dict[str, Any]) -> bool:
    rebuilder = head.get("rebuilding", NOT_REBUILDING)
    return (
        bool(head.get("dirty"))
        or (rebuilder != NOT_REBUILDING and not is_running(rebuilder))
        or any(not _is_live(mark) for mark in marks_in_flight(head))
    )


def rebuild(store: Store, round_id: str) -> bool:
    """Recount the round's cells from its included submissions.

    False when another live process is already rebuilding them (wait for it instead).
    """
    doc = store.rounds.get(round_id)
    if doc is None:
        return True
    survey_round = Round.from_doc(doc)
    me = this_process()
    current = (store.cells.head(round_id) or {}).get("rebuilding", NOT_REBUILDING)
    abandoned = [current] if current not in (NOT_REBUILDING, me) and not is_running(current) else []
    if not store.cells.claim_rebuild(round_id, me, abandoned):
        return False
    started = time.perf_counter()
    try:
        stale = _wait_for_writers(store, round_id)
        upgrade_contributions(store, survey_round)
        cells = recount(store, survey_round)
        stored = store.submissions.count(round_id)
        store.cells.replace(round_id, cells, {"stored": stored}, stale)
    except BaseException:
        store.cells.abandon_rebuild(round_id, me)
        raise
    log.warning(
        "recounted the cells of round %s from its submissions in %.0f ms",
        round_id,
        1000 * (time.perf_counter() - started),
    )
    return True


def rebuild_if_abandoned(store: Store, round_id: str) -> None:
    head = store.cells.head(round_id)
    if head is not None and needs_rebuild(head):
        rebuild(store, round_id)


def _wait_for_writers(store: Store, round_id: str) -> list[str]:
    """Wait until no live process has a write in flight; return the head fields to clear: the
    marks of dead processes and the previous version's per-process fields."""
    deadline = Deadline(round_id, WRITER_WAIT_SECONDS)
    while True:
        head = store.cells.head(round_id) or {}
        marks = marks_in_flight(head)
        live = [mark for mark in marks if _is_live(mark)]
        if not live or deadline.passed():
            kept = {field for mark in live for field in mark.fields}
            fields = [field for mark in marks for field in mark.fields] + legacy_fields(head)
            return [field for field in dict.fromkeys(fields) if field not in kept]
        deadline.pause()


def _is_live(mark: Mark) -> bool:
    return is_running(mark.writer, mark.seen)


def recount(store: Store, survey_round: Round) -> list[dict[str, Any]]:
    """Every cell of the round, summed from its included submissions in the store."""
    squared = survey_round.has_sample
    names = moment_fields(indicators_of(survey_round.instrument), squared)
    weights = weight_fields(squared)
    stored_paths = [f"agg.{name}" for name in weights] + [
        f"agg.v.{indicator}.{moment}" for indicator, moment in (name.split("__") for name in names)
    ]
    groups = store.submissions.grouped_sums(survey_round.id, "agg.cell", stored_paths)
    return [
        {"cell": group["key"], "n": group["rows"]}
        | dict(zip([*weights, *names], group["sums"], strict=True))
        for group in groups
    ]


def upgrade_contributions(store: Store, survey_round: Round) -> None:
    """Recompute the `agg` of submissions stored before cells existed (no cell key) and, in a
    sample round, of those stored before contributions carried the squared weights."""
    stale = [store.submissions.without_cell_key(survey_round.id)]
    if survey_round.has_sample:
        stale.append(store.submissions.without_squares(survey_round.id))
    for doc in itertools.chain(*stale):
        agg = round_contributions(survey_round, doc["location"], doc["sampling"], doc["answers"])
        store.submissions.set_contributions(survey_round.id, doc["submission_id"], agg)
