"""Corrections of submissions as new versions (docs/design.md §11).

The corrected answers (or outcome) replace the old ones whole and are validated exactly like a
new submission. Each correction is a new version with who, when and why; `If-Match` guards
against lost updates (412). The content hash of what was first received is kept, so resending
the original is still a replay, never a conflict.
"""

from __future__ import annotations

from typing import Any

from schemas.audit import AuditAction
from service.audit.log import current_actor, record
from service.cells.contributions import contributions
from service.cells.writes import replace
from service.errors import Problem, invalid
from service.store import Store
from service.store.clock import utc_now
from service.submissions.ingest import SubmissionInvalid, validate
from service.submissions.review import load_submission

RETRIES = 5  # concurrent corrections without If-Match each become a version, in order
SUBMITTED_FIELDS = (
    "submission_id",
    "interviewed_at",
    "started_at",
    "enumerator_id",
    "location",
    "sampling",
    "answers",
)


def version_of(doc: dict[str, Any]) -> int:
    return int(doc.get("version", 1))


def stale(current: int) -> Problem:
    return Problem(
        412,
        "Precondition Failed",
        f"The submission is at version {current}: read it again before correcting it.",
    )


def corrected_payload(doc: dict[str, Any], answers: dict[str, Any] | None) -> dict[str, Any]:
    """The submission as first validated, with the corrected answers in place."""
    payload = {name: doc[name] for name in SUBMITTED_FIELDS if doc.get(name) is not None}
    if answers is not None:
        payload["answers"] = answers
    return payload


def corrected_content(
    round_doc: dict[str, Any], doc: dict[str, Any], answers: dict[str, Any] | None
) -> dict[str, Any]:
    """The new answers and their contribution to the cells, or 422 with field paths."""
    try:
        data = validate(round_doc, corrected_payload(doc, answers))
    except SubmissionInvalid as exc:
        raise invalid(exc.errors, "The corrected submission is invalid.") from exc
    agg = contributions(
        round_doc["instrument"], data["location"], data["sampling"], data["answers"]
    )
    return {"answers": data["answers"], "agg": agg}


def version_entry(doc: dict[str, Any], version: int, **who: Any) -> dict[str, Any]:
    return {
        "round_id": doc["round_id"],
        "submission_id": doc["submission_id"],
        "version": version,
        "answers": doc.get("answers"),
        "outcome": doc.get("outcome"),
        **who,
    }


def first_version(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1: the submission as received."""
    return version_entry(doc, 1, at=doc["received_at"], by=doc.get("token_id"), reason=None)


def correct_submission(
    store: Store,
    round_doc: dict[str, Any],
    submission_id: str,
    changes: dict[str, Any],
    if_match: int | None,
) -> dict[str, Any]:
    """Store the correction as the next version; the corrected document."""
    round_id = round_doc["_id"]
    if changes["outcome"] is not None and not round_doc.get("sample"):
        raise invalid({"outcome": ["Only visits to a sample's assignments have an outcome."]})
    for _ in range(RETRIES):
        doc = load_submission(store, round_id, submission_id)
        current = version_of(doc)
        if if_match is not None and if_match != current:
            raise stale(current)
        content = corrected_content(round_doc, doc, changes["answers"])
        content["version"] = current + 1
        if replace(store, round_id, submission_id, content, expected_version=current) is None:
            if if_match is not None:
                raise stale(current + 1)
            continue  # another correction landed first: correct on top of it
        if current == 1:
            store.versions.add(first_version(doc))
        who = {"at": utc_now(), "by": current_actor()["token_id"], "reason": changes["reason"]}
        store.versions.add(version_entry({**doc, **content}, current + 1, **who))
        record(store, AuditAction.SUBMISSION_CORRECT, [submission_id], round_id=round_id)
        return {**doc, **content}
    raise Problem(409, "Conflict", "The submission is being corrected by others; try again.")


def versions_of(store: Store, round_id: str, submission_id: str) -> list[dict[str, Any]]:
    """Every version, oldest first (a submission never corrected has only version 1)."""
    doc = load_submission(store, round_id, submission_id)
    return store.versions.of(round_id, submission_id) or [first_version(doc)]


def parse_if_match(header: str | None) -> int | None:
    """`If-Match: "3"` (or W/"3", or 3) → 3; a malformed value is a 412, never a guess."""
    if header is None:
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    if not tag.isascii() or not tag.isdigit() or len(tag) > 9:
        raise Problem(412, "Precondition Failed", "If-Match must be a version the API gave.")
    return int(tag)
