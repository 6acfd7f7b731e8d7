"""Review verdicts, corrections and versions of a submission (docs/design.md §11)."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalogue import ReviewState
from schemas.common import StoredBoolean, StrictSchema, Text
from schemas.submissions import StoredSubmissionSchema

SUPERVISOR_STATES = (ReviewState.APPROVED, ReviewState.HAS_ISSUES, ReviewState.REJECTED)


class ReviewRequestSchema(StrictSchema):
    state = fields.String(
        required=True, validate=validate.OneOf([state.value for state in SUPERVISOR_STATES])
    )
    comment = Text(load_default=None, max_length=1000)


class ReviewSchema(Schema):
    state = fields.String()
    comment = fields.String(allow_none=True)
    by = fields.String(allow_none=True, metadata={"description": "the reviewer's token id"})
    at = fields.String(allow_none=True)


class CorrectionRequestSchema(StrictSchema):
    """New answers replace the old ones whole; they are validated like a new submission."""

    answers = fields.Dict(load_default=None)
    outcome = fields.String(load_default=None)
    reason = Text(required=True, max_length=1000)

    @validates_schema
    def _something_to_correct(self, data: dict, **_: object) -> None:
        if data["answers"] is None and data["outcome"] is None:
            raise ValidationError("Give the corrected answers, outcome or both.", "answers")


class SubmissionDetailSchema(StoredSubmissionSchema):
    """One submission as supervisors see it: its review, version and flags."""

    review = fields.Nested(ReviewSchema, allow_none=True)
    version = fields.Integer(load_default=1, dump_default=1)
    flags = fields.List(fields.String(), dump_default=[])
    in_estimates = StoredBoolean(dump_default=True)


class VersionSchema(Schema):
    version = fields.Integer()
    at = fields.String()
    by = fields.String(allow_none=True, metadata={"description": "token id"})
    reason = fields.String(allow_none=True)
    answers = fields.Dict(allow_none=True)
    outcome = fields.String(allow_none=True)


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(VersionSchema))
