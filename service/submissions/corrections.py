"""Corrections of submissions as new versions (docs/design.md §11).

The corrected answers (or outcome) replace the old ones whole and are validated exactly like a
new submission. Each correction is a new version with who, when and why; `If-Match` guards
against lost updates (412). The content hash of what was first received is kept, so resending
the original is still a replay, never a conflict.

History survives a crash at any point: the version a correction replaces is stored in the
versions collection before the submission moves on, and the submission carries who made its
own latest version, so the history is always what the collection holds plus the submission
itself (docs/design.md §11).
"""

from __future__ import annotations

from typing import Any

from catalogue import SubmissionStatus
from catalogue.outcomes import Outcome
from schemas.audit import AuditAction
from service.audit.log import current_actor, record
from service.cells.contributions import round_contributions
from service.cells.writes import replace, set_in_estimates
from service.domain.errors import Busy, Forbidden, PreconditionFailed, conflict, invalid
from service.domain.round import Round
from service.samples.status import recompute_status
from service.store import Store
from service.store.clock import utc_now
from service.submissions.ingest import SubmissionInvalid, intake_for
from service.submissions.review import load_submission

RETRIES = 5  # concurrent corrections without If-Match each become a version, in order
PHONE_EDIT_REASON = "Edited on the phone and sent again."
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


def stale(current: int) -> PreconditionFailed:
    return PreconditionFailed(
        f"The submission is at version {current}: read it again before correcting it."
    )


VISIT_FIELDS = (
    "submission_id",
    "assignment_id",
    "outcome",
    "interviewed_at",
    "started_at",
    "enumerator_id",
    "answers",
)


def corrected_payload(doc: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The submission as first validated, with the corrected answers (and outcome) in place."""
    names = VISIT_FIELDS if doc.get("assignment_id") is not None else SUBMITTED_FIELDS
    payload = {name: doc[name] for name in names if doc.get(name) is not None}
    for name in ("answers", "outcome"):
        if changes.get(name) is not None:
            payload[name] = changes[name]
    if payload.get("outcome", Outcome.COMPLETED) != Outcome.COMPLETED:
        payload.pop("answers", None)  # only a completed interview has answers
    return payload


def _validated(store: Store, survey_round: Round, payload: dict[str, Any]) -> dict[str, Any]:
    """Validated exactly like a new submission to the round, or 422 with paths."""
    try:
        return intake_for(survey_round).validate(store, payload)
    except SubmissionInvalid as exc:
        raise invalid(exc.errors, "The corrected submission is invalid.") from exc


def corrected_content(
    store: Store, survey_round: Round, doc: dict[str, Any], changes: dict[str, Any]
) -> dict[str, Any]:
    """The new answers (and outcome) with their contribution to the cells, or 422 with paths."""
    data = _validated(store, survey_round, corrected_payload(doc, changes))
    answers = data.get("answers")
    content: dict[str, Any] = {
        "answers": answers,
        "agg": round_contributions(survey_round, doc["location"], doc["sampling"], answers)
        if answers is not None
        else None,
    }
    if doc.get("assignment_id") is not None:
        content["outcome"] = data["outcome"]
    return content


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


def own_version(doc: dict[str, Any]) -> dict[str, Any]:
    """The version a stored submission is at, from the submission itself."""
    version = version_of(doc)
    if version == 1:
        return first_version(doc)
    who = doc.get("corrected") or {"at": None, "by": None, "reason": None}
    return version_entry(doc, version, **who)


def correct_submission(
    store: Store,
    survey_round: Round,
    submission_id: str,
    changes: dict[str, Any],
    if_match: int | None,
) -> dict[str, Any]:
    """Store the correction as the next version; the corrected document."""
    round_id = survey_round.id
    if changes["outcome"] is not None and not survey_round.has_sample:
        raise invalid({"outcome": ["Only visits to a sample's assignments have an outcome."]})
    who = {"at": utc_now(), "by": current_actor()["token_id"], "reason": changes["reason"]}
    if changes.get("edit_instance_id") is not None:
        who["edit_instance_id"] = changes["edit_instance_id"]
    for _ in range(RETRIES):
        doc = load_submission(store, round_id, submission_id)
        current = version_of(doc)
        if if_match is not None and if_match != current:
            raise stale(current)
        content = corrected_content(store, survey_round, doc, changes)
        is_visit = doc.get("assignment_id") is not None
        if is_visit:
            content["in_estimates"] = would_count(store, doc, content)
        content["version"] = current + 1
        content["corrected"] = who
        store.versions.add(own_version(doc))  # kept before the submission moves past it
        if replace(store, round_id, submission_id, content, expected_version=current) is None:
            if if_match is not None:
                raise stale(current + 1)
            continue  # another correction landed first: correct on top of it
        if is_visit:
            content["in_estimates"] = settle_completion(store, doc)
        store.versions.add(own_version({**doc, **content}))
        if doc.get("assignment_id") is not None:
            recompute_status(store, round_id, doc["assignment_id"])
        record(store, AuditAction.SUBMISSION_CORRECT, [submission_id], round_id=round_id)
        return {**doc, **content}
    raise Busy("The submission is being corrected by others; try again.")


def would_count(store: Store, doc: dict[str, Any], content: dict[str, Any]) -> bool:
    """Whether the corrected visit will count, read without claiming anything: only the
    correction that wins the version check may move the assignment's completion."""
    if (doc.get("review") or {}).get("state") in ("rejected", "duplicate"):
        return False
    if content["outcome"] != Outcome.COMPLETED:
        return False
    assignment = store.assignments.get(doc["round_id"], doc["assignment_id"]) or {}
    return assignment.get("completed_by") in (None, doc["submission_id"])


def settle_completion(store: Store, doc: dict[str, Any]) -> bool:
    """After the version check, the assignment's completion follows the visit's latest version
    (read again: a later correction may have landed meanwhile, and the last to settle must
    act on it): a visit no longer completed gives its place back; a completion takes the
    place when it is free, and moves out of the cells if another one took it meanwhile."""
    round_id, assignment_id, sid = doc["round_id"], doc["assignment_id"], doc["submission_id"]
    latest = store.submissions.get(round_id, sid) or doc
    if latest.get("outcome") != Outcome.COMPLETED:
        store.assignments.release_completion(round_id, assignment_id, sid)
        return False
    if not latest.get("in_estimates", True):
        return False
    if store.assignments.claim_completion(round_id, assignment_id, sid) != "taken":
        return True
    set_in_estimates(store, round_id, sid, False)
    return False


def correct_from_edit(
    store: Store,
    survey_round: Round,
    original_id: str,
    payload: dict[str, Any],
    *,
    token_id: str,
    edit_instance_id: str,
) -> SubmissionStatus:
    """An edit sent from a client (OpenRosa `meta/deprecatedID`): a new version of the stored
    submission (CREATED), or a replay (DUPLICATE) when this edit is already stored or the
    latest version already says the same.

    Only the token that sent the original may edit it (403), only while the round is open,
    never once a supervisor rejected or corrected it (409): a phone must not overwrite what
    others sent or undo a supervisor's decision.
    """
    round_id = survey_round.id
    doc = load_submission(store, round_id, original_id)
    if doc.get("token_id") != token_id:
        raise Forbidden("Only the user who sent this form may send an edit of it.")
    history = versions_of(store, round_id, original_id, doc)
    if any(entry.get("edit_instance_id") == edit_instance_id for entry in history):
        return SubmissionStatus.DUPLICATE
    changes = {
        "answers": payload.get("answers"),
        "outcome": payload.get("outcome"),
        "reason": PHONE_EDIT_REASON,
        "edit_instance_id": edit_instance_id,
    }
    content = corrected_content(store, survey_round, doc, changes)
    if all(content[name] == doc.get(name) for name in ("answers", "outcome") if name in content):
        return SubmissionStatus.DUPLICATE
    refuse_edit(survey_round, doc, history)
    try:
        correct_submission(store, survey_round, original_id, changes, version_of(doc))
    except PreconditionFailed as exc:
        raise conflict(
            "The form was changed on the server meanwhile; the edit was not stored."
        ) from exc
    return SubmissionStatus.CREATED


def refuse_edit(survey_round: Round, doc: dict[str, Any], history: list[dict[str, Any]]) -> None:
    """409 with what the phone shows when an edit from its sender may not be stored."""
    if not survey_round.is_open:
        raise conflict(f"Round {survey_round.id!r} is closed; the edit was not stored.")
    if (doc.get("review") or {}).get("state") in ("rejected", "duplicate"):
        raise conflict("A supervisor rejected this form; the edit was not stored.")
    if any(entry["version"] > 1 and not entry.get("edit_instance_id") for entry in history):
        raise conflict(
            "A supervisor corrected this form; the edit was not stored. Ask your supervisor."
        )


def versions_of(
    store: Store, round_id: str, submission_id: str, doc: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every version, oldest first: those stored, completed by the submission's own."""
    doc = doc or load_submission(store, round_id, submission_id)
    stored = {entry["version"]: entry for entry in store.versions.of(round_id, submission_id)}
    stored.setdefault(version_of(doc), own_version(doc))
    return [stored[version] for version in sorted(stored) if version <= version_of(doc)]


def parse_if_match(header: str | None) -> int | None:
    """`If-Match: "3"` (or W/"3", or 3) → 3; a malformed value is a 412, never a guess."""
    if header is None:
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    if not tag.isascii() or not tag.isdigit() or len(tag) > 9:
        raise PreconditionFailed("If-Match must be a version the API gave.")
    return int(tag)
