"""Turn a submission payload (JSON API or OpenRosa) into a stored document, exactly once."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from marshmallow import ValidationError

from catalogue import RoundStatus, SubmissionStatus
from schemas.audit import AuditAction
from schemas.common import error_paths
from schemas.submissions import SUBMISSION_SCHEMAS, location_errors
from service.audit.log import record as audit_record
from service.cells.change import CellChange
from service.cells.contributions import contributions
from service.cells.writes import record
from service.domain.errors import Conflict, conflict
from service.observability.metrics import count_submission
from service.offload import pipelined
from service.samples.visits import (
    VisitInvalid,
    after_store,
    decide_counting,
    hashed_content,
    validate_visit,
    visit_fields,
)
from service.store import Store
from service.store.clock import utc_now
from service.store.submissions import INSERT_CHUNK
from service.submissions.group_commit import groups_of


class SubmissionInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]], submission_id: str | None) -> None:
        super().__init__("invalid submission")
        self.errors, self.submission_id = errors, submission_id


@dataclass(frozen=True)
class ItemOutcome:
    submission_id: str | None
    status: SubmissionStatus
    errors: dict[str, list[str]] | None = None


def is_open(round_doc: dict[str, Any]) -> bool:
    return round_doc.get("status") == RoundStatus.OPEN


def closed_replay(store: Store, round_doc: dict[str, Any], payload: Any) -> dict[str, Any]:
    """A closed round takes nothing new, but acknowledges a resend of what it already stored
    (docs/design.md §4): ODK Collect must not report a failure for a form the server has.
    The stored copy, or 409."""
    try:
        submission_id, digest = _identity(store, round_doc, payload)
    except SubmissionInvalid:
        submission_id, digest = None, None
    stored = submission_id and store.submissions.get(round_doc["_id"], submission_id)
    if not stored or stored.get("content_hash") != digest:
        raise conflict(f"Round {round_doc['_id']!r} is closed to submissions.")
    return stored


def _identity(store: Store, round_doc: dict[str, Any], payload: Any) -> tuple[str, str]:
    """(submission_id, content hash) of a valid payload, as its insert would compute them."""
    if round_doc.get("sample"):
        data, _ = _valid_visit(store, round_doc, payload)
        return data["submission_id"], content_hash(hashed_content(data))
    data = validate(round_doc, payload)
    return data["submission_id"], content_hash(data)


def closed_batch_item(store: Store, round_doc: dict[str, Any], payload: Any) -> ItemOutcome:
    try:
        stored = closed_replay(store, round_doc, payload)
    except Conflict as exc:
        return ItemOutcome(_claimed_id(payload), SubmissionStatus.CONFLICT, {"round": [exc.detail]})
    return ItemOutcome(stored["submission_id"], SubmissionStatus.DUPLICATE)


def _claimed_id(payload: Any) -> str | None:
    claimed = payload.get("submission_id") if isinstance(payload, dict) else None
    return claimed if isinstance(claimed, str) and len(claimed) <= 64 else None


# One schema instance per instrument: building one (and its nested schemas) per payload cost
# more than validating it. Loading keeps no state on the instance, so threads may share them.
_SCHEMAS = {instrument: schema() for instrument, schema in SUBMISSION_SCHEMAS.items()}


def validate(round_doc: dict[str, Any], payload: Any) -> dict[str, Any]:
    """The normalised submission, or SubmissionInvalid with field paths."""
    schema = _SCHEMAS[round_doc["instrument"]]
    try:
        data = schema.load(payload)
    except ValidationError as exc:
        raise SubmissionInvalid(error_paths(exc.messages), _claimed_id(payload)) from exc
    errors = location_errors(data["location"], round_doc)
    if errors:
        raise SubmissionInvalid(errors, str(data["submission_id"]))
    data["submission_id"] = str(data["submission_id"])
    data["interviewed_at"] = data["interviewed_at"].astimezone(UTC).isoformat()
    if data.get("started_at") is not None:
        data["started_at"] = data["started_at"].astimezone(UTC).isoformat()
    return data


def content_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the normalised content: the same interview sent twice hashes the same."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def to_document(
    round_doc: dict[str, Any], data: dict[str, Any], *, token_id: str, source: str, raw: str
) -> dict[str, Any]:
    return {
        **data,
        "round_id": round_doc["_id"],
        "instrument": round_doc["instrument"],
        "content_hash": content_hash(data),
        "raw": raw,
        "source": source,
        "received_at": utc_now(),
        "token_id": token_id,
        "in_estimates": True,  # a round without a sample counts every interview (§8)
        "agg": contributions(
            round_doc["instrument"], data["location"], data["sampling"], data["answers"]
        ),
    }


def raw_json(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def audit_created(store: Store, round_doc: dict[str, Any], submission_ids: list[str]) -> None:
    """One `submission.create` entry per stored submission (docs/design.md §11)."""
    if submission_ids:
        audit_record(
            store, AuditAction.SUBMISSION_CREATE, submission_ids, round_id=round_doc["_id"]
        )


def _valid_visit(
    store: Store, round_doc: dict[str, Any], payload: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        return validate_visit(store, round_doc, payload)
    except VisitInvalid as exc:
        raise SubmissionInvalid(exc.errors, _claimed_id(payload)) from exc


def _insert_counted(
    store: Store,
    round_doc: dict[str, Any],
    doc: dict[str, Any],
    settle: Callable[[SubmissionStatus], bool] | None = None,
) -> SubmissionStatus:
    """Insert one document, adding it to the round's cells when it counts (docs/design.md §7).

    `settle` runs after the insert and before the cells' version moves (a visit raises its
    assignment's status there); True when what it changed must move the version.
    """

    def write() -> tuple[SubmissionStatus, CellChange]:
        status = store.submissions.insert(doc)
        change = CellChange.of_stored([doc] if status is SubmissionStatus.CREATED else [])
        if settle is not None:
            change.versioned = settle(status)
        return status, change

    status = record(store, round_doc["_id"], write, [doc["submission_id"]])
    audit_created(
        store, round_doc, [doc["submission_id"]] if status is SubmissionStatus.CREATED else []
    )
    return status


def insert_counted(
    store: Store, round_doc: dict[str, Any], docs: list[dict[str, Any]]
) -> list[SubmissionStatus]:
    """Insert documents of a round without a sample (unordered), add the created ones to the
    cells and the audit log: four store commands however many documents."""
    if not docs:
        return []

    def write() -> tuple[list[SubmissionStatus], CellChange]:
        statuses = store.submissions.insert_many(docs)
        created = [d for d, s in zip(docs, statuses, strict=True) if s is SubmissionStatus.CREATED]
        return statuses, CellChange.of_stored(created)

    ids = [doc["submission_id"] for doc in docs]
    statuses = record(store, round_doc["_id"], write, ids)
    audit_created(
        store,
        round_doc,
        [
            sid
            for sid, status in zip(ids, statuses, strict=True)
            if status is SubmissionStatus.CREATED
        ],
    )
    return statuses


def store_visit(
    store: Store, round_doc: dict[str, Any], payload: Any, *, token_id: str, source: str, raw: str
) -> tuple[SubmissionStatus, dict[str, Any]]:
    """Validate and store one visit to an assignment of a round with a sample (§8)."""
    data, assignment = _valid_visit(store, round_doc, payload)
    received_at = utc_now()
    doc = {
        "round_id": round_doc["_id"],
        "instrument": round_doc["instrument"],
        "content_hash": content_hash(hashed_content(data)),
        "raw": raw,
        "source": source,
        "received_at": received_at,
        "token_id": token_id,
    }
    doc |= visit_fields(round_doc, assignment, data, received_at)
    claimed = decide_counting(store, doc, assignment)
    status = _insert_counted(
        store, round_doc, doc, lambda status: after_store(store, doc, status, claimed)
    )
    return status, doc


def _store_one(
    store: Store, round_doc: dict[str, Any], payload: Any, *, token_id: str, source: str, raw: str
) -> tuple[SubmissionStatus, dict[str, Any]]:
    """Validate and insert one submission: (insert status, document as built)."""
    if round_doc.get("sample"):
        return store_visit(store, round_doc, payload, token_id=token_id, source=source, raw=raw)
    data = validate(round_doc, payload)
    doc = to_document(round_doc, data, token_id=token_id, source=source, raw=raw)
    # Concurrent single submissions of this process share their store commands (group_commit.py).
    groups = groups_of(store)
    status = groups.insert(
        round_doc["_id"], doc, lambda docs: insert_counted(store, round_doc, docs)
    )
    return status, doc


def submit_one(
    store: Store,
    round_doc: dict[str, Any],
    payload: Any,
    *,
    token_id: str,
    source: str = "json",
    raw: str | None = None,
) -> tuple[SubmissionStatus, dict[str, Any]]:
    """Validate and store one submission: its status (created, duplicate or conflict), document."""
    if not is_open(round_doc):
        return SubmissionStatus.DUPLICATE, closed_replay(store, round_doc, payload)
    raw = raw if raw is not None else raw_json(payload)
    try:
        status, doc = _store_one(
            store, round_doc, payload, token_id=token_id, source=source, raw=raw
        )
    except SubmissionInvalid:
        count_submission(SubmissionStatus.INVALID, "validation")
        raise
    count_submission(status)
    if status is SubmissionStatus.DUPLICATE:  # a replay answers with the stored copy
        doc = store.submissions.get(round_doc["_id"], doc["submission_id"]) or doc
    return status, doc


def _submit_visits(
    store: Store, round_doc: dict[str, Any], payloads: list[Any], *, token_id: str
) -> list[ItemOutcome]:
    """A batch to a round with a sample: one visit after the other (each claims in turn)."""
    outcomes = []
    for payload in payloads:
        try:
            status, doc = store_visit(
                store, round_doc, payload, token_id=token_id, source="json", raw=raw_json(payload)
            )
        except SubmissionInvalid as exc:
            outcomes.append(ItemOutcome(exc.submission_id, SubmissionStatus.INVALID, exc.errors))
            count_submission(SubmissionStatus.INVALID, "validation")
            continue
        outcomes.append(ItemOutcome(doc["submission_id"], status))
        count_submission(status)
    return outcomes


def _prepare_batch(
    round_doc: dict[str, Any], payloads: list[Any], token_id: str
) -> tuple[list[ItemOutcome | None], list[tuple[int, dict[str, Any]]]]:
    """Validate each item: invalid ones get their outcome, valid ones become (position, doc)."""
    outcomes: list[ItemOutcome | None] = [None] * len(payloads)
    valid: list[tuple[int, dict[str, Any]]] = []
    for position, payload in enumerate(payloads):
        try:
            data = validate(round_doc, payload)
        except SubmissionInvalid as exc:
            outcomes[position] = ItemOutcome(
                exc.submission_id, SubmissionStatus.INVALID, exc.errors
            )
            count_submission(SubmissionStatus.INVALID, "validation")
            continue
        raw = raw_json(payload)
        valid.append(
            (position, to_document(round_doc, data, token_id=token_id, source="json", raw=raw))
        )
    return outcomes, valid


def submit_batch(
    store: Store, round_doc: dict[str, Any], payloads: list[Any], *, token_id: str
) -> list[ItemOutcome]:
    """Store every valid item (unordered); report each item's status in request order."""
    if not is_open(round_doc):
        return [closed_batch_item(store, round_doc, payload) for payload in payloads]
    if round_doc.get("sample"):
        return _submit_visits(store, round_doc, payloads, token_id=token_id)
    stored: list[str] = []  # the ids stored so far, for the fault hook of tests (cells.writes)

    def write() -> tuple[list[ItemOutcome], CellChange]:
        return _store_parts(store, round_doc, payloads, token_id, stored)

    return record(store, round_doc["_id"], write, stored)


def _store_parts(
    store: Store, round_doc: dict[str, Any], payloads: list[Any], token_id: str, stored: list[str]
) -> tuple[list[ItemOutcome], CellChange]:
    """A batch in parts of `INSERT_CHUNK`, each stored (with its audit entries) while the next
    is validated. Validating 1000 items is seconds of pure CPU: off the event loop, so a bulk
    sender does not hold up the other connections of its worker (issue 22), and beside the
    store's work rather than before it (issue 23: the audit's insert had made the two a longer
    chain)."""
    outcomes: list[ItemOutcome] = []
    change = CellChange()

    def store_part(
        prepared: tuple[list[ItemOutcome | None], list[tuple[int, dict[str, Any]]]],
    ) -> None:
        part, valid = prepared
        statuses = store.submissions.insert_many([doc for _, doc in valid])
        created = [
            d for (_, d), s in zip(valid, statuses, strict=True) if s is SubmissionStatus.CREATED
        ]
        change.add_stored(created)
        stored.extend(doc["submission_id"] for _, doc in valid)
        audit_created(store, round_doc, [doc["submission_id"] for doc in created])
        for (position, doc), status in zip(valid, statuses, strict=True):
            part[position] = ItemOutcome(doc["submission_id"], status)
            count_submission(status)
        outcomes.extend(outcome for outcome in part if outcome is not None)

    parts = [
        payloads[start : start + INSERT_CHUNK] for start in range(0, len(payloads), INSERT_CHUNK)
    ]
    pipelined(parts, lambda part: _prepare_batch(round_doc, part, token_id), store_part)
    return outcomes, change


def summarise(outcomes: list[ItemOutcome]) -> dict[str, int]:
    counts = Counter(outcome.status for outcome in outcomes)
    return {status.value: counts.get(status, 0) for status in SubmissionStatus}
