"""Samples, assignments, outcomes and progress (docs/design.md §8): input and output shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalogue.outcomes import Outcome
from outputs import Offer
from schemas.common import FiniteNumber, OutputFormat, PageLimit, StrictSchema, Text
from schemas.rounds import CODE
from schemas.submissions import (
    MAX_WEIGHT,
    BusinessAnswersSchema,
    GpsSchema,
    HouseholdAnswersSchema,
    InterviewTime,
    LocationSchema,
    SamplingSchema,
)

ASSIGNMENT_ID = r"[A-Za-z0-9._-]{1,64}"
MAX_SAMPLE_ROWS = 100_000


OUTCOMES = tuple(outcome.value for outcome in Outcome)
STATUSES = (*OUTCOMES, "pending")
# A supervisor closes an assignment that will never be completed; a completion is final anyway.
CLOSING_OUTCOMES = tuple(o.value for o in Outcome if o is not Outcome.COMPLETED)
PROGRESS_BY = ("district", "psu", "enumerator")


class Probability(FiniteNumber):
    """An inclusion probability in (0, 1]."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(low=0, high=1, low_inclusive=False, **kwargs)


class SampleRowSchema(StrictSchema):
    """One selected unit."""

    assignment_id = Text(required=True, max_length=64, pattern=ASSIGNMENT_ID)
    stratum = Text(required=True, max_length=64, pattern=CODE)
    psu = Text(required=True, max_length=64, pattern=CODE)
    district = Text(
        load_default=None,
        pattern=CODE,
        metadata={"description": "Only where the round's geography version has districts"},
    )
    commune = Text(required=True, pattern=CODE)
    area = fields.String(required=True, validate=validate.OneOf(("urban", "rural")))
    psu_prob = Probability(required=True, metadata={"description": "PSU inclusion probability"})
    unit_prob = Probability(required=True, metadata={"description": "Unit probability in PSU"})
    enumerator = Text(load_default=None, allow_none=True, max_length=64)
    label = Text(load_default=None, allow_none=True)

    @validates_schema
    def _base_weight_in_range(self, data: dict[str, Any], **_: Any) -> None:
        """d = 1/(psu_prob · unit_prob) must be a design weight: at most MAX_WEIGHT (a product
        that small, or one that underflows to 0, has no usable inverse)."""
        if data["psu_prob"] * data["unit_prob"] < 1 / MAX_WEIGHT:
            raise ValidationError(
                {"unit_prob": [f"psu_prob · unit_prob must be at least {1 / MAX_WEIGHT:g}."]}
            )


class SampleSchema(StrictSchema):
    """`PUT /rounds/{id}/sample` as JSON (CSV has the same columns)."""

    assignments = fields.List(
        fields.Raw(),
        required=True,
        validate=validate.Length(min=1, max=MAX_SAMPLE_ROWS),
        metadata={"description": "Sample rows (see SampleRow)"},
    )


class AssignmentSchema(Schema):
    """A sample row with its status as fieldwork stands."""

    assignment_id = fields.String()
    stratum = fields.String()
    psu = fields.String()
    district = fields.String()
    commune = fields.String()
    area = fields.String()
    psu_prob = fields.Float()
    unit_prob = fields.Float()
    enumerator = fields.String(allow_none=True)
    label = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(STATUSES))
    closed = fields.Dict(allow_none=True)


class AssignmentListSchema(Schema):
    items = fields.List(fields.Nested(AssignmentSchema))
    next = fields.String(allow_none=True)


class AssignmentQuerySchema(StrictSchema):
    enumerator = Text(load_default=None, max_length=64)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    district = Text(load_default=None, pattern=CODE)
    limit = PageLimit()
    after = Text(load_default=None, max_length=64)
    format = OutputFormat(
        Offer.LISTING,
        metadata={"description": "csv: every matching assignment (no pages), one row each"},
    )


class ClosingSchema(StrictSchema):
    outcome = fields.String(required=True, validate=validate.OneOf(CLOSING_OUTCOMES))
    reason = Text(required=True)


class AssignmentPatchSchema(StrictSchema):
    enumerator = Text(max_length=64, allow_none=True)
    closed = fields.Nested(ClosingSchema)

    @validates_schema
    def _one_change(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("Send `enumerator` or `closed`.")


class ProgressQuerySchema(StrictSchema):
    by = fields.String(load_default="district", validate=validate.OneOf(PROGRESS_BY))


class ProgressCountsSchema(Schema):
    assigned = fields.Integer()
    pending = fields.Integer()
    completed = fields.Integer()
    refused = fields.Integer()
    noncontact = fields.Integer()
    not_found = fields.Integer()
    ineligible = fields.Integer()
    other_nonresponse = fields.Integer()
    duplicates = fields.Integer()
    response_rate = fields.Float(allow_none=True)


class ProgressGroupSchema(ProgressCountsSchema):
    key = fields.String(allow_none=True)


class ProgressSchema(Schema):
    round_id = fields.String()
    by = fields.String()
    groups = fields.List(fields.Nested(ProgressGroupSchema))
    total = fields.Nested(ProgressCountsSchema)


class SampledLocationSchema(LocationSchema):
    """A location sent with a sample-round submission: it must agree with the assignment."""


class _SampleSubmissionSchema(StrictSchema):
    submission_id = fields.UUID(required=True)
    assignment_id = Text(required=True, max_length=64, pattern=ASSIGNMENT_ID)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    interviewed_at = InterviewTime(required=True, format="iso")  # in UTC: no overflow later
    started_at = InterviewTime(load_default=None, format="iso")
    enumerator_id = Text(required=True, max_length=64)
    gps = fields.Nested(GpsSchema, load_default=None)
    location = fields.Nested(SampledLocationSchema, load_default=None)
    sampling = fields.Nested(SamplingSchema, load_default=None)

    @validates_schema
    def _answers_exactly_when_completed(self, data: dict[str, Any], **_: Any) -> None:
        completed = data.get("outcome") == Outcome.COMPLETED
        if completed and data.get("answers") is None:
            raise ValidationError({"answers": ["Required when the outcome is completed."]})
        if not completed and data.get("answers") is not None:
            raise ValidationError({"answers": ["Only a completed interview has answers."]})


class HouseholdSampleSubmissionSchema(_SampleSubmissionSchema):
    answers = fields.Nested(HouseholdAnswersSchema, load_default=None)


class BusinessSampleSubmissionSchema(_SampleSubmissionSchema):
    answers = fields.Nested(BusinessAnswersSchema, load_default=None)


SAMPLE_SUBMISSION_SCHEMAS: dict[str, type[_SampleSubmissionSchema]] = {
    "household": HouseholdSampleSubmissionSchema,
    "business": BusinessSampleSubmissionSchema,
}


def as_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()
