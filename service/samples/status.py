"""An assignment's status from its visits (docs/design.md §8).

The status is the highest-precedence outcome among the visits, whatever order they arrive
in (phone clocks are not trusted to order visits); `pending` when there is none. A closed
assignment's outcome is final.
"""

from __future__ import annotations

from typing import Any

from catalogue.outcomes import Outcome
from service.store import Store

PENDING = "pending"
# Outcome is declared from the highest precedence down; pending ranks 0.
RANK: dict[str, int] = {o.value: len(Outcome) - i for i, o in enumerate(Outcome)}
STATUS_OF_RANK: dict[int, str] = {rank: outcome for outcome, rank in RANK.items()} | {0: PENDING}


def status_from(rank: int, closed_outcome: str | None) -> str:
    """The closing outcome when closed, else the outcome its visits ranked highest."""
    return closed_outcome or STATUS_OF_RANK[rank]


def status_of(assignment: dict[str, Any]) -> str:
    closed = assignment.get("closed") or {}
    return status_from(assignment.get("rank", 0), closed.get("outcome"))


def status_filter(status: str) -> dict[str, Any]:
    """The store query for assignments in one status (`is_closed`, not `closed: null`: the
    embedded store mismatches null inside `$or`)."""
    if status == PENDING:
        return {"rank": 0, "is_closed": False}
    return {"$or": [{"closed.outcome": status}, {"is_closed": False, "rank": RANK[status]}]}


def is_open(assignment: dict[str, Any]) -> bool:
    """Still on the phone's list: neither completed nor closed."""
    return not assignment.get("closed") and assignment.get("rank", 0) != RANK[Outcome.COMPLETED]


def recompute_status(store: Store, round_id: str, assignment_id: str) -> str:
    """Status from the visits that still count, for when a review rejects one (§11). A changed
    status changes the non-response weighting, so it bumps the round's data version (after the
    change: a cached estimate keyed by the new version never saw the old status)."""
    ranks = [RANK[outcome] for outcome in store.submissions.outcomes_of(round_id, assignment_id)]
    rank = max(ranks, default=0)
    if store.assignments.set_rank(round_id, assignment_id, rank) != rank:
        store.rounds.bump_data_version(round_id)
    return STATUS_OF_RANK[rank]
