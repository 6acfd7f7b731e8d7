"""Reading a round's cells only when they can be trusted, and the version estimates report."""

from __future__ import annotations

from typing import Any

from service.cells.recount import needs_rebuild, rebuild
from service.cells.waiting import Deadline
from service.cells.writes import settle_owed
from service.domain.round import Round
from service.store import Store
from service.store.cells import NOT_REBUILDING


def data_version(survey_round: Round, head: dict[str, Any]) -> int:
    """The round's reported version: its own changes (design, targets) plus its cells' changes.

    Both only grow, so the sum changes whenever either does.
    """
    return survey_round.data_version + int(head.get("version", 0))


def no_cells() -> dict[str, Any]:
    """The head of a round that never had a submission."""
    return {"version": 0, "stored": 0}


def consistent_head(store: Store, round_id: str) -> dict[str, Any]:
    """The round's cells head once the cells can be trusted (recounting them first if needed)."""
    settle_owed(store)
    deadline = Deadline(round_id)
    while True:
        head = store.cells.head(round_id)
        if head is None and not store.submissions.any_in(round_id):
            return no_cells()
        if head is None or needs_rebuild(head):
            if rebuild(store, round_id):
                continue
        elif head.get("rebuilding", NOT_REBUILDING) == NOT_REBUILDING:
            return head
        deadline.pause()  # another process is recounting


def read_cells(store: Store, round_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The round's head and cells, consistent with each other (not mid-rebuild)."""
    while True:
        head, cells = store.cells.read(round_id)
        trusted = head is not None and not needs_rebuild(head)
        if (
            head is not None
            and trusted
            and head.get("rebuilding", NOT_REBUILDING) == NOT_REBUILDING
        ):
            return head, [cell for cell in cells if cell.get("n", 0) > 0]
        if head is None and not store.submissions.any_in(round_id):
            return no_cells(), []
        consistent_head(store, round_id)  # recount, or wait for a recount; then read again


def current_version(store: Store, survey_round: Round) -> int:
    """The round's reported version, after recounting its cells if they cannot be trusted (so
    a cache keyed by it never hides a submission whose writer died)."""
    return data_version(survey_round, consistent_head(store, survey_round.id))
