"""Supervisors' verdicts on submissions (docs/design.md §11).

`approved` and `has_issues` keep a submission in the estimates, `rejected` takes it out (the
cells follow, so the round's data version changes with what the estimates include). A rejected
submission approved again returns to the estimates.
"""

from __future__ import annotations

from typing import Any

from catalogue import ReviewState
from catalogue.outcomes import Outcome
from schemas.audit import AuditAction
from service.audit.log import current_actor, record
from service.cells.writes import set_in_estimates
from service.domain.errors import conflict, not_found
from service.domain.round import Round
from service.samples.status import recompute_status
from service.store import Store
from service.store.clock import utc_now


def load_submission(store: Store, round_id: str, submission_id: str) -> dict[str, Any]:
    doc = store.submissions.get(round_id, submission_id)
    if doc is None:
        raise not_found(f"Submission {submission_id!r} of round {round_id!r}")
    return doc


def counts_after(state: ReviewState) -> bool:
    match state:
        case ReviewState.APPROVED | ReviewState.HAS_ISSUES:
            return True
        case ReviewState.REJECTED | ReviewState.DUPLICATE:
            return False


def _verdict(state: ReviewState, comment: str | None) -> dict[str, Any]:
    return {
        "state": state.value,
        "comment": comment,
        "by": current_actor()["token_id"],
        "at": utc_now(),
    }


def _replace_counted_completion(store: Store, round_id: str, doc: dict[str, Any]) -> None:
    """An approved completion counts for its assignment; the one that counted before is
    rejected (docs/design.md §11). A completion that arrived after its assignment was closed
    never counts: the closing is final."""
    assignment_id, submission_id = doc["assignment_id"], doc["submission_id"]
    if (store.assignments.get(round_id, assignment_id) or {}).get("closed"):
        return
    previous = store.assignments.take_completion(round_id, assignment_id, submission_id)
    if previous not in (None, submission_id):
        comment = f"Another completion of the assignment ({submission_id}) was approved."
        store.submissions.set_review(round_id, previous, _verdict(ReviewState.REJECTED, comment))
        set_in_estimates(store, round_id, previous, False)
        record(store, AuditAction.SUBMISSION_REVIEW, [previous], round_id=round_id)
    set_in_estimates(store, round_id, submission_id, True)


def _check_decidable(
    store: Store, round_id: str, doc: dict[str, Any], verdict: ReviewState
) -> None:
    """`has_issues` cannot decide between two completions of one assignment: 409."""
    if verdict is not ReviewState.HAS_ISSUES or doc.get("outcome") != Outcome.COMPLETED:
        return
    assignment = store.assignments.get(round_id, doc["assignment_id"]) or {}
    if assignment.get("completed_by") not in (None, doc["submission_id"]):
        raise conflict(
            "Another completion of this assignment counts: approve this one (the other is then "
            "rejected) or reject it."
        )


def _settle_visit(store: Store, round_id: str, doc: dict[str, Any], verdict: ReviewState) -> None:
    """A visit to a sample's assignment: who counts, and the assignment's status."""
    if doc["outcome"] == Outcome.COMPLETED:
        if counts_after(verdict):
            _replace_counted_completion(store, round_id, doc)
        else:
            set_in_estimates(store, round_id, doc["submission_id"], False)
            store.assignments.release_completion(
                round_id, doc["assignment_id"], doc["submission_id"]
            )
    recompute_status(store, round_id, doc["assignment_id"])


def review_submission(
    store: Store, survey_round: Round, submission_id: str, state: str, comment: str | None
) -> dict[str, Any]:
    """Record the verdict, move the submission in or out of the estimates, audit it."""
    round_id = survey_round.id
    doc = load_submission(store, round_id, submission_id)
    verdict = ReviewState(state)
    visit = doc.get("assignment_id") is not None
    if visit:
        _check_decidable(store, round_id, doc, verdict)
    reviewed = store.submissions.set_review(round_id, submission_id, _verdict(verdict, comment))
    if visit:
        _settle_visit(store, round_id, doc, verdict)
    else:
        set_in_estimates(store, round_id, submission_id, counts_after(verdict))
    record(store, AuditAction.SUBMISSION_REVIEW, [submission_id], round_id=round_id)
    return store.submissions.get(round_id, submission_id) or reviewed or doc
