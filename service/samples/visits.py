"""Submissions to a round with a sample: visits to an assignment (docs/design.md §8).

A visit names its assignment and outcome; `location` and `sampling` come from the assignment.
Every valid visit is stored; the first completion of an assignment counts, a later one is held
as `duplicate` for a supervisor, and every visit raises the assignment's status.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import ValidationError

from catalogue import Role, SubmissionStatus
from catalogue.outcomes import Outcome
from schemas.common import error_paths
from schemas.samples import SAMPLE_SUBMISSION_SCHEMAS, as_utc
from service.auth import current_token
from service.cells.contributions import round_contributions
from service.domain.round import Round
from service.samples.status import RANK
from service.store import Store

CLOCK_LEEWAY = timedelta(hours=1)
DUPLICATE = "duplicate"
_SCHEMAS = {instrument: schema() for instrument, schema in SAMPLE_SUBMISSION_SCHEMAS.items()}


class VisitInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid visit")
        self.errors = errors


def validate_visit(
    store: Store, survey_round: Round, payload: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the normalised visit, its assignment), or VisitInvalid with field paths."""
    try:
        data: dict[str, Any] = _SCHEMAS[survey_round.instrument].load(payload)
    except ValidationError as exc:
        raise VisitInvalid(error_paths(exc.messages)) from exc
    assignment = store.assignments.get(survey_round.id, data["assignment_id"])
    if assignment is None:
        raise VisitInvalid({"assignment_id": ["Not an assignment of this round's sample."]})
    _sign_as_visitor(data, assignment, current_token())
    errors = _disagreements(data, assignment)
    if errors:
        raise VisitInvalid(errors)
    data["submission_id"] = str(data["submission_id"])
    data["interviewed_at"] = as_utc(data["interviewed_at"])
    if data["started_at"] is not None:
        data["started_at"] = as_utc(data["started_at"])
    return data, assignment


def _sign_as_visitor(
    data: dict[str, Any], assignment: dict[str, Any], token: dict[str, Any] | None
) -> None:
    """An enumerator visits only its own assignments and signs with its own name, whatever the
    body says; supervisors, admins and the command line may send any assignment's visit."""
    if token is None or token["role"] != Role.ENUMERATOR:
        return
    if assignment.get("enumerator") != token["name"]:
        raise VisitInvalid(
            {
                "assignment_id": [
                    "Assigned to another enumerator: only they or a supervisor may send its visits."
                ]
            }
        )
    data["enumerator_id"] = token["name"]


MISMATCH = "Does not match the assignment."  # never the stored value: it is withheld


def _disagreements(data: dict[str, Any], assignment: dict[str, Any]) -> dict[str, list[str]]:
    """A location or sampling sent with the visit must say what the assignment says."""
    errors: dict[str, list[str]] = {}
    location = data.get("location") or {}
    for field in ("district", "commune", "area"):
        if field in location and location[field] != assignment[field]:
            errors[f"location.{field}"] = [MISMATCH]
    sampling = data.get("sampling") or {}
    expected = assignment["sampling"]
    for field in ("stratum", "psu"):
        if field in sampling and sampling[field] not in (expected[field], assignment[field]):
            errors[f"sampling.{field}"] = [MISMATCH]
    if "weight" in sampling and abs(sampling["weight"] - expected["weight"]) > 1e-9 * max(
        1.0, expected["weight"]
    ):
        errors["sampling.weight"] = [MISMATCH]
    return errors


def hashed_content(data: dict[str, Any]) -> dict[str, Any]:
    """What a replay must repeat: the visit as sent, not what the assignment adds to it."""
    return {key: value for key, value in data.items() if key not in ("location", "sampling")}


def clock_flagged(interviewed_at: str, received_at: str, survey_round: Round) -> bool:
    """Outside the round's period, or more than an hour after the server received it."""
    when = datetime.fromisoformat(interviewed_at)
    received = datetime.fromisoformat(received_at)
    return not survey_round.in_period(when.astimezone(UTC).date()) or when > received + CLOCK_LEEWAY


def visit_fields(
    survey_round: Round, assignment: dict[str, Any], data: dict[str, Any], received_at: str
) -> dict[str, Any]:
    """The stored visit's own fields: location and sampling from the assignment, flags."""
    gps = data.pop("gps", None)
    data.pop("location", None)
    data.pop("sampling", None)
    location = {key: assignment[key] for key in ("district", "commune", "area")}
    if gps is not None:
        location["gps"] = gps
    completed = data["outcome"] == Outcome.COMPLETED
    clock = clock_flagged(data["interviewed_at"], received_at, survey_round)
    flags = ["clock"] if clock else []
    return {
        **data,
        "location": location,
        "sampling": dict(assignment["sampling"]),
        "flags": flags,
        "agg": round_contributions(survey_round, location, assignment["sampling"], data["answers"])
        if completed
        else None,
    }


def decide_counting(store: Store, doc: dict[str, Any], assignment: dict[str, Any]) -> bool:
    """Set `in_estimates` (and a held completion's review state); True when newly claimed.

    Only a completion counts, and only one per assignment; a completion that arrives after a
    supervisor closed the assignment is stored but does not count (the closing is final).
    """
    doc["in_estimates"] = False
    if doc["outcome"] != Outcome.COMPLETED:
        return False
    if assignment.get("closed"):
        doc["flags"].append("closed_assignment")
        return False
    claim = store.assignments.claim_completion(
        doc["round_id"], doc["assignment_id"], doc["submission_id"]
    )
    doc["in_estimates"] = claim != "taken"
    if claim == "taken":
        doc["review"] = {"state": DUPLICATE, "comment": None, "by": None, "at": None}
    return claim == "claimed"


def after_store(store: Store, doc: dict[str, Any], status: SubmissionStatus, claimed: bool) -> bool:
    """Raise the assignment's status; give back a claim whose submission was not stored.

    True when a new visit was stored: its assignment's status may have changed, which changes
    the non-response weighting (docs/design.md §9b), so the cells' version must move.
    """
    if status is SubmissionStatus.CONFLICT:
        if claimed:
            store.assignments.release_completion(
                doc["round_id"], doc["assignment_id"], doc["submission_id"]
            )
        return False
    store.assignments.raise_rank(doc["round_id"], doc["assignment_id"], RANK[doc["outcome"]])
    return status is SubmissionStatus.CREATED
