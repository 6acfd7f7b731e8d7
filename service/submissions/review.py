"""Supervisors' verdicts on submissions (docs/design.md §11).

`approved` and `has_issues` keep a submission in the estimates, `rejected` takes it out (the
cells follow, so the round's data version changes with what the estimates include). A rejected
submission approved again returns to the estimates.
"""

from __future__ import annotations

from typing import Any

from catalogue import ReviewState
from schemas.audit import AuditAction
from service.audit.log import current_actor, record
from service.cells.writes import set_in_estimates
from service.errors import not_found
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


def review_submission(
    store: Store, round_doc: dict[str, Any], submission_id: str, state: str, comment: str | None
) -> dict[str, Any]:
    """Record the verdict, move the submission in or out of the estimates, audit it."""
    round_id = round_doc["_id"]
    doc = load_submission(store, round_id, submission_id)
    verdict = ReviewState(state)
    review = {
        "state": verdict.value,
        "comment": comment,
        "by": current_actor()["token_id"],
        "at": utc_now(),
    }
    reviewed = store.submissions.set_review(round_id, submission_id, review)
    included = counts_after(verdict) and doc.get("agg") is not None  # only interviews count
    set_in_estimates(store, round_id, submission_id, included)
    record(store, AuditAction.SUBMISSION_REVIEW, [submission_id], round_id=round_id)
    return {**reviewed, "in_estimates": included}
