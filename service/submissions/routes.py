"""Submit interviews (enumerators, supervisors) and export them (supervisors, admin)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint

from catalogue import SubmissionStatus
from outputs import Table, answer
from schemas.review import (
    CorrectionRequestSchema,
    ReviewRequestSchema,
    SubmissionDetailSchema,
    VersionListSchema,
)
from schemas.submissions import (
    BatchResultSchema,
    BatchSchema,
    BusinessSubmissionSchema,
    HouseholdSubmissionSchema,
    PageQuerySchema,
    SubmissionAcceptedSchema,
    SubmissionListSchema,
)
from service.admission import ingest_slot
from service.auth import MICRODATA_READERS, SUBMISSION_READERS, SUBMITTERS, require_role
from service.domain.errors import conflict, invalid
from service.errors import Problem
from service.rounds.model import load_round, round_for_writing
from service.rounds.teams import require_collector
from service.store import get_store
from service.submissions.corrections import (
    correct_submission,
    parse_if_match,
    version_of,
    versions_of,
)
from service.submissions.export import export_columns, export_row
from service.submissions.ingest import SubmissionInvalid, submit_batch, submit_one, summarise
from service.submissions.review import load_submission, review_submission

blp = Blueprint(
    "submissions",
    __name__,
    url_prefix="/api/v1/rounds",
    description="Household and business interviews",
)

SUBMISSION_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"$ref": "#/components/schemas/HouseholdSubmission"},
                    {"$ref": "#/components/schemas/BusinessSubmission"},
                ]
            }
        }
    },
}


def document(api: Api) -> None:
    """Name the per-instrument submission schemas in the OpenAPI document."""
    api.spec.components.schema("HouseholdSubmission", schema=HouseholdSubmissionSchema)
    api.spec.components.schema("BusinessSubmission", schema=BusinessSubmissionSchema)


def json_body() -> Any:
    body = request.get_json(silent=False)
    if body is None:
        raise Problem(400, "Bad Request", "The body must be JSON.")
    return body


@blp.route("/<string:round_id>/submissions")
class RoundSubmissions(MethodView):
    @require_role(*SUBMITTERS)
    @blp.doc(requestBody=SUBMISSION_BODY)
    @blp.response(201, SubmissionAcceptedSchema, description="Stored")
    @blp.alt_response(200, schema=SubmissionAcceptedSchema, description="Replay of a stored one")
    def post(self, round_id: str) -> tuple[dict[str, Any], int]:
        """Submit one interview; resending the same one is harmless."""
        survey_round = round_for_writing(round_id)
        require_collector(survey_round, g.token)
        try:
            with ingest_slot(g.token["_id"]):
                status, doc = submit_one(
                    get_store(), survey_round, json_body(), token_id=g.token["_id"]
                )
        except SubmissionInvalid as exc:
            raise invalid(exc.errors, "The submission is invalid.") from exc
        if status is SubmissionStatus.CONFLICT:
            raise conflict(
                f"Submission {doc['submission_id']} was already stored with other content."
            )
        accepted = {
            "round_id": round_id,
            "submission_id": doc["submission_id"],
            "status": status,
            "received_at": doc["received_at"],
        }
        return accepted, 201 if status is SubmissionStatus.CREATED else 200

    @require_role(*MICRODATA_READERS)
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, SubmissionListSchema)
    def get(self, query: dict[str, Any], round_id: str) -> Any:
        """Export submissions: JSON pages (`limit`, `after`) or, with CSV, all of them."""
        survey_round = load_round(round_id)
        submissions = get_store().submissions

        def page() -> dict[str, Any]:
            items = submissions.page(round_id, query["limit"] + 1, query["after"], query["review"])
            more = len(items) > query["limit"]
            items = items[: query["limit"]]
            return {"items": items, "next": items[-1]["submission_id"] if more else None}

        table = Table(
            "submissions",
            export_columns(survey_round.instrument, survey_round.has_sample),
            lambda: (export_row(doc) for doc in submissions.iterate(round_id)),
            document=page,
        )
        return answer(query["format"], table, f"{round_id}-submissions")


@blp.route("/<string:round_id>/submissions/batch")
class RoundSubmissionBatch(MethodView):
    @require_role(*SUBMITTERS)
    @blp.arguments(BatchSchema)
    @blp.response(200, BatchResultSchema)
    def post(self, batch: dict[str, Any], round_id: str) -> dict[str, Any]:
        """Submit up to 1000 interviews; each item gets its own status, valid ones are stored."""
        survey_round = round_for_writing(round_id)
        require_collector(survey_round, g.token)
        with ingest_slot(g.token["_id"]):
            outcomes = submit_batch(
                get_store(), survey_round, batch["submissions"], token_id=g.token["_id"]
            )
        results = [
            {"submission_id": o.submission_id, "status": o.status}
            | ({"errors": o.errors} if o.errors else {})
            for o in outcomes
        ]
        return {"results": results, "summary": summarise(outcomes)}


@blp.route("/<string:round_id>/submissions/<string:submission_id>")
class SubmissionById(MethodView):
    @require_role(*MICRODATA_READERS)
    @blp.response(200, SubmissionDetailSchema)
    def get(self, round_id: str, submission_id: str) -> Any:
        """One submission with its review, version (also the ETag) and flags."""
        load_round(round_id)
        doc = load_submission(get_store(), round_id, submission_id)
        return doc, 200, {"ETag": f'"{version_of(doc)}"'}

    @require_role(*SUBMISSION_READERS)
    @blp.arguments(CorrectionRequestSchema)
    @blp.response(200, SubmissionDetailSchema)
    def patch(self, changes: dict[str, Any], round_id: str, submission_id: str) -> Any:
        """Correct the answers (or a miscoded outcome) as a new version; `If-Match: "<version>"`
        refuses a stale correction with 412."""
        survey_round = load_round(round_id)
        if_match = parse_if_match(request.headers.get("If-Match"))
        doc = correct_submission(get_store(), survey_round, submission_id, changes, if_match)
        return doc, 200, {"ETag": f'"{version_of(doc)}"'}


@blp.route("/<string:round_id>/submissions/<string:submission_id>/review")
class SubmissionReview(MethodView):
    @require_role(*SUBMISSION_READERS)
    @blp.arguments(ReviewRequestSchema)
    @blp.response(200, SubmissionDetailSchema)
    def post(self, verdict: dict[str, Any], round_id: str, submission_id: str) -> Any:
        """Approve, mark as having issues, or reject (rejected submissions leave estimates)."""
        survey_round = load_round(round_id)
        return review_submission(
            get_store(), survey_round, submission_id, verdict["state"], verdict["comment"]
        )


@blp.route("/<string:round_id>/submissions/<string:submission_id>/versions")
class SubmissionVersions(MethodView):
    @require_role(*MICRODATA_READERS)
    @blp.response(200, VersionListSchema)
    def get(self, round_id: str, submission_id: str) -> Any:
        """Every version, oldest first: 1 is what was received."""
        load_round(round_id)
        return {"items": versions_of(get_store(), round_id, submission_id)}
