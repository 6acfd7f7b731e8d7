"""Turn a submission payload (JSON API or OpenRosa) into a stored document, exactly once."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Protocol

from marshmallow import ValidationError

from catalogue import SubmissionStatus
from schemas.audit import AuditAction
from schemas.common import error_paths
from schemas.submissions import SUBMISSION_SCHEMAS, location_errors
from service.audit.log import record as audit_record
from service.cells.change import CellChange
from service.cells.contributions import round_contributions
from service.cells.writes import record
from service.domain.errors import Conflict, conflict
from service.domain.round import Round
from service.interactive import BulkPace
from service.observability.metrics import count_submission
from service.offload import loop_sleep, pipelined, thread_sleep
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
from service.store.submissions import CONTENDED_INSERT_CHUNK, INSERT_CHUNK
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


def _claimed_id(payload: Any) -> str | None:
    claimed = payload.get("submission_id") if isinstance(payload, dict) else None
    return claimed if isinstance(claimed, str) and len(claimed) <= 64 else None


# One schema instance per instrument: building one (and its nested schemas) per payload cost
# more than validating it. Loading keeps no state on the instance, so threads may share them.
_SCHEMAS = {instrument: schema() for instrument, schema in SUBMISSION_SCHEMAS.items()}


def validate(survey_round: Round, payload: Any) -> dict[str, Any]:
    """The normalised submission to a round without a sample, or SubmissionInvalid with field
    paths."""
    schema = _SCHEMAS[survey_round.instrument]
    try:
        data: dict[str, Any] = schema.load(payload)
    except ValidationError as exc:
        raise SubmissionInvalid(error_paths(exc.messages), _claimed_id(payload)) from exc
    errors = location_errors(data["location"], survey_round.doc)
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
    survey_round: Round, data: dict[str, Any], *, token_id: str, source: str, raw: str
) -> dict[str, Any]:
    return {
        **data,
        "round_id": survey_round.id,
        "instrument": survey_round.instrument.value,
        "content_hash": content_hash(data),
        "raw": raw,
        "source": source,
        "received_at": utc_now(),
        "token_id": token_id,
        "in_estimates": True,  # a round without a sample counts every interview (§8)
        "agg": round_contributions(
            survey_round, data["location"], data["sampling"], data["answers"]
        ),
    }


def raw_json(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def audit_created(store: Store, survey_round: Round, submission_ids: list[str]) -> None:
    """One `submission.create` entry per stored submission (docs/design.md §11)."""
    if submission_ids:
        audit_record(store, AuditAction.SUBMISSION_CREATE, submission_ids, round_id=survey_round.id)


def _insert_counted(
    store: Store,
    survey_round: Round,
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

    status: SubmissionStatus = record(store, survey_round.id, write, [doc["submission_id"]])
    audit_created(
        store, survey_round, [doc["submission_id"]] if status is SubmissionStatus.CREATED else []
    )
    return status


def insert_counted(
    store: Store, survey_round: Round, docs: list[dict[str, Any]]
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
    statuses: list[SubmissionStatus] = record(store, survey_round.id, write, ids)
    audit_created(
        store,
        survey_round,
        [
            sid
            for sid, status in zip(ids, statuses, strict=True)
            if status is SubmissionStatus.CREATED
        ],
    )
    return statuses


def _invalid_item(exc: SubmissionInvalid) -> ItemOutcome:
    count_submission(SubmissionStatus.INVALID, "validation")
    return ItemOutcome(exc.submission_id, SubmissionStatus.INVALID, exc.errors)


class Intake(Protocol):
    """How a round takes submissions (docs/design.md §4, §8): the same steps for every
    channel, done one way for rounds without a sample and another for rounds with one."""

    @property
    def survey_round(self) -> Round: ...

    def validate(self, store: Store, payload: Any) -> dict[str, Any]:
        """The normalised submission, or SubmissionInvalid with field paths."""
        ...

    def identity(self, store: Store, payload: Any) -> tuple[str, str]:
        """(submission_id, content hash) of a valid payload, as its insert computes them."""
        ...

    def insert(
        self, store: Store, payload: Any, *, token_id: str, source: str, raw: str
    ) -> tuple[SubmissionStatus, dict[str, Any]]:
        """Validate and insert one submission: (insert status, document as built)."""
        ...

    def insert_batch(
        self, store: Store, payloads: list[Any], *, token_id: str
    ) -> list[ItemOutcome]:
        """Validate and insert a batch: each item's outcome, in request order."""
        ...


@dataclass(frozen=True, slots=True)
class PlainIntake:
    """A round without a sample: every valid interview is stored and counts (§4)."""

    survey_round: Round

    def validate(self, store: Store, payload: Any) -> dict[str, Any]:
        return validate(self.survey_round, payload)

    def identity(self, store: Store, payload: Any) -> tuple[str, str]:
        data = self.validate(store, payload)
        return data["submission_id"], content_hash(data)

    def insert(
        self, store: Store, payload: Any, *, token_id: str, source: str, raw: str
    ) -> tuple[SubmissionStatus, dict[str, Any]]:
        survey_round = self.survey_round
        data = validate(survey_round, payload)
        doc = to_document(survey_round, data, token_id=token_id, source=source, raw=raw)
        # Concurrent single submissions of this process share their store commands
        # (group_commit.py).
        status = groups_of(store).insert(
            survey_round.id, doc, lambda docs: insert_counted(store, survey_round, docs)
        )
        return status, doc

    def insert_batch(
        self, store: Store, payloads: list[Any], *, token_id: str
    ) -> list[ItemOutcome]:
        """Every valid item stored (unordered), one write mark for the whole batch."""
        stored: list[str] = []  # the ids stored so far, for the fault hook of tests (cells.writes)

        def write() -> tuple[list[ItemOutcome], CellChange]:
            return self._store_parts(store, payloads, token_id, stored)

        outcomes: list[ItemOutcome] = record(store, self.survey_round.id, write, stored)
        return outcomes

    def _store_parts(
        self, store: Store, payloads: list[Any], token_id: str, stored: list[str]
    ) -> tuple[list[ItemOutcome], CellChange]:
        """A batch in parts of `INSERT_CHUNK`, each stored (with its audit entries) while the
        next is validated. Validating 1000 items is a few tenths of a second of pure CPU: off
        the event loop, so a bulk sender does not hold up the other connections of its worker
        (issue 22), and beside the store's work rather than before it (issue 23: the audit's
        insert had made the two a longer chain). Before each item and each store command the
        batch yields to the server's interactive requests (service/interactive.py)."""
        outcomes: list[ItemOutcome] = []
        change = CellChange()
        pace = BulkPace()

        def store_part(
            prepared: tuple[list[ItemOutcome | None], list[tuple[int, dict[str, Any]]]],
        ) -> None:
            part, valid = prepared
            docs = [doc for _, doc in valid]
            size = CONTENDED_INSERT_CHUNK if pace.contended() else INSERT_CHUNK
            statuses: list[SubmissionStatus] = []
            for start in range(0, len(docs), size):
                pace.yield_turn(loop_sleep)
                statuses += store.submissions.insert_many(docs[start : start + size])
            created = [
                d
                for (_, d), s in zip(valid, statuses, strict=True)
                if s is SubmissionStatus.CREATED
            ]
            change.add_stored(created)
            stored.extend(doc["submission_id"] for _, doc in valid)
            pace.yield_turn(loop_sleep)
            audit_created(store, self.survey_round, [doc["submission_id"] for doc in created])
            for (position, doc), status in zip(valid, statuses, strict=True):
                part[position] = ItemOutcome(doc["submission_id"], status)
                count_submission(status)
            outcomes.extend(outcome for outcome in part if outcome is not None)

        parts = [
            payloads[start : start + INSERT_CHUNK]
            for start in range(0, len(payloads), INSERT_CHUNK)
        ]
        pipelined(parts, lambda part: self._prepared(part, token_id, pace), store_part)
        return outcomes, change

    def _prepared(
        self, payloads: list[Any], token_id: str, pace: BulkPace
    ) -> tuple[list[ItemOutcome | None], list[tuple[int, dict[str, Any]]]]:
        """Validate each item: invalid ones get their outcome, valid ones become (position,
        doc). Runs in a thread of the hub's pool; each item yields to interactive requests."""
        outcomes: list[ItemOutcome | None] = [None] * len(payloads)
        valid: list[tuple[int, dict[str, Any]]] = []
        for position, payload in enumerate(payloads):
            pace.yield_turn(thread_sleep)
            try:
                data = validate(self.survey_round, payload)
            except SubmissionInvalid as exc:
                outcomes[position] = _invalid_item(exc)
                continue
            doc = to_document(
                self.survey_round, data, token_id=token_id, source="json", raw=raw_json(payload)
            )
            valid.append((position, doc))
        return outcomes, valid


@dataclass(frozen=True, slots=True)
class SampleIntake:
    """A round with a sample: each submission is a visit to an assignment (§8)."""

    survey_round: Round

    def _visit(self, store: Store, payload: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            return validate_visit(store, self.survey_round, payload)
        except VisitInvalid as exc:
            raise SubmissionInvalid(exc.errors, _claimed_id(payload)) from exc

    def validate(self, store: Store, payload: Any) -> dict[str, Any]:
        data, _ = self._visit(store, payload)
        return data

    def identity(self, store: Store, payload: Any) -> tuple[str, str]:
        data = self.validate(store, payload)
        return data["submission_id"], content_hash(hashed_content(data))

    def insert(
        self, store: Store, payload: Any, *, token_id: str, source: str, raw: str
    ) -> tuple[SubmissionStatus, dict[str, Any]]:
        survey_round = self.survey_round
        data, assignment = self._visit(store, payload)
        received_at = utc_now()
        doc = {
            "round_id": survey_round.id,
            "instrument": survey_round.instrument.value,
            "content_hash": content_hash(hashed_content(data)),
            "raw": raw,
            "source": source,
            "received_at": received_at,
            "token_id": token_id,
        }
        doc |= visit_fields(survey_round, assignment, data, received_at)
        claimed = decide_counting(store, doc, assignment)
        status = _insert_counted(
            store, survey_round, doc, lambda status: after_store(store, doc, status, claimed)
        )
        return status, doc

    def insert_batch(
        self, store: Store, payloads: list[Any], *, token_id: str
    ) -> list[ItemOutcome]:
        """One visit after the other (each claims its assignment in turn), each yielding first
        to the server's interactive requests (service/interactive.py)."""
        outcomes = []
        pace = BulkPace()
        for payload in payloads:
            pace.yield_turn(loop_sleep)
            try:
                status, doc = self.insert(
                    store, payload, token_id=token_id, source="json", raw=raw_json(payload)
                )
            except SubmissionInvalid as exc:
                outcomes.append(_invalid_item(exc))
                continue
            outcomes.append(ItemOutcome(doc["submission_id"], status))
            count_submission(status)
        return outcomes


def intake_for(survey_round: Round) -> Intake:
    """How this round takes submissions: chosen once, from whether it has a sample."""
    return SampleIntake(survey_round) if survey_round.has_sample else PlainIntake(survey_round)


def closed_replay(store: Store, intake: Intake, payload: Any) -> dict[str, Any]:
    """A closed round takes nothing new, but acknowledges a resend of what it already stored
    (docs/design.md §4): ODK Collect must not report a failure for a form the server has.
    The stored copy, or 409."""
    round_id = intake.survey_round.id
    try:
        submission_id, digest = intake.identity(store, payload)
    except SubmissionInvalid:
        submission_id, digest = None, None
    stored = submission_id and store.submissions.get(round_id, submission_id)
    if not stored or stored.get("content_hash") != digest:
        raise conflict(f"Round {round_id!r} is closed to submissions.")
    return stored


def closed_batch_item(store: Store, intake: Intake, payload: Any) -> ItemOutcome:
    try:
        stored = closed_replay(store, intake, payload)
    except Conflict as exc:
        return ItemOutcome(_claimed_id(payload), SubmissionStatus.CONFLICT, {"round": [exc.detail]})
    return ItemOutcome(stored["submission_id"], SubmissionStatus.DUPLICATE)


def submit_one(
    store: Store,
    survey_round: Round,
    payload: Any,
    *,
    token_id: str,
    source: str = "json",
    raw: str | None = None,
) -> tuple[SubmissionStatus, dict[str, Any]]:
    """Validate and store one submission: its status (created, duplicate or conflict), document."""
    intake = intake_for(survey_round)
    if not survey_round.is_open:
        return SubmissionStatus.DUPLICATE, closed_replay(store, intake, payload)
    raw = raw if raw is not None else raw_json(payload)
    try:
        status, doc = intake.insert(store, payload, token_id=token_id, source=source, raw=raw)
    except SubmissionInvalid:
        count_submission(SubmissionStatus.INVALID, "validation")
        raise
    count_submission(status)
    if status is SubmissionStatus.DUPLICATE:  # a replay answers with the stored copy
        doc = store.submissions.get(survey_round.id, doc["submission_id"]) or doc
    return status, doc


def submit_batch(
    store: Store, survey_round: Round, payloads: list[Any], *, token_id: str
) -> list[ItemOutcome]:
    """Store every valid item; report each item's status in request order."""
    intake = intake_for(survey_round)
    if not survey_round.is_open:
        return [closed_batch_item(store, intake, payload) for payload in payloads]
    return intake.insert_batch(store, payloads, token_id=token_id)


def summarise(outcomes: list[ItemOutcome]) -> dict[str, int]:
    counts = Counter(outcome.status for outcome in outcomes)
    return {status.value: counts.get(status, 0) for status in SubmissionStatus}
