"""A round's sample and fieldwork: upload, assignments, field operations, progress (§8)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import ValidationError

from catalogue import Role
from outputs import Table, answer
from schemas.common import error_paths
from schemas.rounds import SampleSummarySchema
from schemas.samples import (
    AssignmentListSchema,
    AssignmentPatchSchema,
    AssignmentQuerySchema,
    AssignmentSchema,
    ProgressQuerySchema,
    ProgressSchema,
    SampleRowSchema,
    SampleSchema,
)
from service.auth import require_role
from service.domain.errors import conflict, invalid
from service.domain.round import Round
from service.errors import Problem
from service.rounds.model import load_round
from service.rounds.teams import require_collector
from service.samples.operations import append_rows, change_assignment, with_status
from service.samples.progress import progress
from service.samples.sample import (
    SampleInUse,
    SampleInvalid,
    import_sample,
    uploaded_rows,
    validate_rows,
)
from service.samples.status import status_filter
from service.store import get_store
from service.tabular import flatten
from service.uploaded_tables import TABLE_MIMETYPES, XLSX

blp = Blueprint(
    "samples",
    __name__,
    url_prefix="/api/v1/rounds",
    description="Samples, assignments and fieldwork progress",
)

SAMPLE_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Sample"}},
        XLSX: {"schema": {"type": "string", "format": "binary"}},
        "text/csv": {
            "schema": {"type": "string"},
            "example": "assignment_id,stratum,psu,district,commune,area,psu_prob,unit_prob,"
            "enumerator,label\nA-001,080-U,080001,080,02641,urban,0.2,0.1,enum-01,Hộ ông A\n",
        },
    },
}
# Who runs fieldwork (docs/design.md §3, §8); admin may always.
FIELD_OPERATORS = (Role.SUPERVISOR,)
ASSIGNMENT_READERS = (Role.SUPERVISOR, Role.ENUMERATOR, Role.ANALYST)  # an enumerator: its own
PROGRESS_READERS = (Role.SUPERVISOR, Role.PLANNER, Role.ANALYST)


def document(api: Api) -> None:
    api.spec.components.schema("Sample", schema=SampleSchema)
    api.spec.components.schema("SampleRow", schema=SampleRowSchema)


def sample_rows() -> tuple[list[Any], str]:
    """The rows of a CSV, XLSX or JSON body, and whether they came from a file or JSON."""
    if request.mimetype in TABLE_MIMETYPES:
        body, charset = request.get_data(), request.mimetype_params.get("charset")
        try:
            return uploaded_rows(body, request.mimetype, charset), "csv"
        except SampleInvalid as exc:
            raise invalid(exc.errors, "The sample is invalid; nothing was stored.") from exc
    try:
        body = SampleSchema().load(request.get_json())
    except ValidationError as exc:
        raise invalid(error_paths(exc.messages), "The sample is invalid.") from exc
    return body["assignments"], "json"


@blp.route("/<string:round_id>/sample")
class RoundSample(MethodView):
    @require_role(Role.ADMIN)
    @blp.doc(requestBody=SAMPLE_BODY)
    @blp.response(200, SampleSummarySchema)
    def put(self, round_id: str) -> dict[str, int]:
        """Load the round's sample (one row per selected unit); the same sample again is a no-op."""
        survey_round = load_round(round_id)
        rows, source = sample_rows()
        store = get_store()
        try:
            valid = _validated(rows, survey_round, source)
            return import_sample(store, survey_round, valid).summary
        except SampleInUse as exc:
            raise conflict(str(exc)) from exc


def _validated(rows: list[Any], survey_round: Round, source: str) -> list[dict[str, Any]]:
    try:
        return validate_rows(rows, survey_round, source)
    except SampleInvalid as exc:
        raise invalid(exc.errors, "The sample is invalid; nothing was stored.") from exc


@blp.route("/<string:round_id>/sample/rows")
class RoundSampleRows(MethodView):
    @require_role(Role.ADMIN)
    @blp.doc(requestBody=SAMPLE_BODY)
    @blp.response(200, SampleSummarySchema)
    def post(self, round_id: str) -> dict[str, int]:
        """Append units (reserves released in a PSU); their `unit_prob` holds for the whole PSU."""
        survey_round = load_round(round_id)
        if not survey_round.has_sample:
            raise conflict(f"Round {round_id!r} has no sample to append to.")
        rows, source = sample_rows()
        try:
            return append_rows(get_store(), survey_round, rows, source)
        except SampleInvalid as exc:
            raise invalid(exc.errors, "The rows are invalid; nothing was stored.") from exc


@blp.route("/<string:round_id>/assignments")
class RoundAssignments(MethodView):
    @require_role(*ASSIGNMENT_READERS)
    @blp.arguments(AssignmentQuerySchema, location="query")
    @blp.response(200, AssignmentListSchema)
    def get(self, query: dict[str, Any], round_id: str) -> Any:
        """Assignments with their status; an enumerator sees only its own. CSV: all of them."""
        require_collector(load_round(round_id), g.token)
        filters = _filters(query)
        assignments = get_store().assignments

        def every() -> Iterator[dict[str, Any]]:
            cursor = assignments.iterate(round_id, filters)
            return (flatten(with_status(item)) for item in cursor)

        def page() -> dict[str, Any]:
            items = assignments.page(round_id, filters, query["limit"] + 1, query["after"])
            more = len(items) > query["limit"]
            items = items[: query["limit"]]
            return {
                "items": [with_status(item) for item in items],
                "next": items[-1]["assignment_id"] if more else None,
            }

        table = Table("assignments", ASSIGNMENT_COLUMNS, every, document=page)
        return answer(query["format"], table, f"{round_id}-assignments")


ASSIGNMENT_COLUMNS = [
    *(name for name in AssignmentSchema().fields if name != "closed"),
    *("closed.outcome", "closed.reason", "closed.by", "closed.at"),
]


def _filters(query: dict[str, Any]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if g.token["role"] == Role.ENUMERATOR:
        if query["enumerator"] not in (None, g.token["name"]):
            raise Problem(403, "Forbidden", "An enumerator sees only its own assignments.")
        query["enumerator"] = g.token["name"]
    if query["enumerator"] is not None:
        filters["enumerator"] = query["enumerator"]
    if query["district"] is not None:
        filters["district"] = query["district"]
    if query["status"] is not None:
        filters |= status_filter(query["status"])
    return filters


@blp.route("/<string:round_id>/assignments/<string:assignment_id>")
class RoundAssignment(MethodView):
    @require_role(*FIELD_OPERATORS)
    @blp.arguments(AssignmentPatchSchema)
    @blp.response(200, AssignmentSchema)
    def patch(self, change: dict[str, Any], round_id: str, assignment_id: str) -> dict[str, Any]:
        """Reassign (`enumerator`) or close with a final outcome (`closed`)."""
        load_round(round_id)
        changed = change_assignment(get_store(), round_id, assignment_id, change, g.token["_id"])
        return with_status(changed)


@blp.route("/<string:round_id>/progress")
class RoundProgress(MethodView):
    @require_role(*PROGRESS_READERS)
    @blp.arguments(ProgressQuerySchema, location="query")
    @blp.response(200, ProgressSchema)
    def get(self, query: dict[str, Any], round_id: str) -> dict[str, Any]:
        """Assignments by status per district, PSU or assignee, with response rates."""
        load_round(round_id)
        return progress(get_store(), round_id, query["by"])
