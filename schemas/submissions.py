"""Submissions (docs/design.md §4): a schema per instrument, the batch envelope, the frame check."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from catalogue import SubmissionStatus
from catalogue.classifications import AREAS, BUSINESS_TYPES, VSIC_SECTIONS
from catalogue.geography.codes import location_errors as geography_errors
from catalogue.geography.rounds import round_geography_id
from outputs import Offer
from schemas.common import (
    Count,
    FiniteNumber,
    OutputFormat,
    PageLimit,
    StoredBoolean,
    StrictBoolean,
    StrictSchema,
    Text,
)
from schemas.rounds import CODE

MAX_BATCH = 1000
CLOCK_SKEW = timedelta(days=1)
EARLIEST_INTERVIEW = datetime(2000, 1, 1, tzinfo=UTC)
PRACTICES = (
    "e_invoice",
    "digital_signature",
    "online_sales",
    "cashless_payments",
    "cloud_or_accounting_software",
    "website_or_social_page",
)


class GpsSchema(StrictSchema):
    lat = FiniteNumber(low=-90, high=90, required=True)
    lon = FiniteNumber(low=-180, high=180, required=True)
    accuracy_m = FiniteNumber(low=0, high=1e5, load_default=None)


class LocationSchema(StrictSchema):
    district = Text(
        load_default=None,
        pattern=CODE,
        metadata={"description": "Only where the round's geography version has districts"},
    )
    commune = Text(required=True, pattern=CODE)
    village = Text(load_default=None)
    area = fields.String(required=True, validate=validate.OneOf(AREAS))
    gps = fields.Nested(GpsSchema, load_default=None)


# A design weight (§4): finite, at least 10^-6 (smaller ones underflow what the cells and the
# weighting multiply them by) and at most 10^7 (larger ones overflow their squared sums).
MIN_WEIGHT, MAX_WEIGHT = 1e-6, 1e7


class SamplingSchema(StrictSchema):
    stratum = Text(required=True, max_length=64, pattern=CODE)
    psu = Text(required=True, max_length=64, pattern=CODE)
    weight = FiniteNumber(low=MIN_WEIGHT, high=MAX_WEIGHT, required=True)


class HouseholdAnswersSchema(StrictSchema):
    members = Count(low=1, high=50, required=True)
    members_15plus = Count(low=0, high=50, required=True)
    fiber_available = StrictBoolean(required=True)
    fiber_subscribed = StrictBoolean(required=True)
    mobile_4g_5g = StrictBoolean(required=True)
    smartphones = Count(low=0, high=200, required=True)
    members_15plus_with_epay = Count(low=0, high=50, required=True)
    members_15plus_egov_mobile = Count(low=0, high=50, required=True)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        if data["members_15plus"] > data["members"]:
            errors["members_15plus"] = ["Cannot exceed members."]
        for field in ("members_15plus_with_epay", "members_15plus_egov_mobile"):
            if data[field] > data["members_15plus"]:
                errors[field] = ["Cannot exceed members_15plus."]
        if data["fiber_subscribed"] and not data["fiber_available"]:
            errors["fiber_subscribed"] = ["A subscription needs fiber_available."]
        if errors:
            raise ValidationError(errors)


class PracticesSchema(StrictSchema):
    e_invoice = StrictBoolean(required=True)
    digital_signature = StrictBoolean(required=True)
    online_sales = StrictBoolean(required=True)
    cashless_payments = StrictBoolean(required=True)
    cloud_or_accounting_software = StrictBoolean(required=True)
    website_or_social_page = StrictBoolean(required=True)


class BusinessAnswersSchema(StrictSchema):
    type = fields.String(required=True, validate=validate.OneOf(BUSINESS_TYPES))
    sector = fields.String(
        required=True,
        validate=validate.OneOf(VSIC_SECTIONS),
        metadata={"description": "VSIC 2018 section letter"},
    )
    employees = Count(low=0, high=1_000_000, required=True)
    uses_it = StrictBoolean(required=True)
    e_transactions = StrictBoolean(required=True)
    practices = fields.Nested(PracticesSchema, required=True)

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        if data["e_transactions"] and not data["uses_it"]:
            raise ValidationError({"e_transactions": ["Electronic transactions need uses_it."]})


class InterviewTime(fields.AwareDateTime):
    """An ISO 8601 date-time with its UTC offset, returned in UTC, from EARLIEST_INTERVIEW on.

    Converting to UTC first keeps every later comparison and `isoformat` within the calendar:
    `0001-01-01T00:00+01:00` lies before year 1 in UTC and would overflow (docs/design.md §4)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            utc = moment.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError("Lies outside the calendar once converted to UTC.") from exc
        if utc < EARLIEST_INTERVIEW:
            raise ValidationError(f"Lies before {EARLIEST_INTERVIEW.date().isoformat()}.")
        return utc


class _SubmissionSchema(StrictSchema):
    submission_id = fields.UUID(required=True)
    interviewed_at = InterviewTime(required=True, format="iso")
    # Optional on every submission (the contract, §4); absent stays absent, so the content hash
    # of a submission sent without it is what it always was (a resend stays a duplicate).
    started_at = InterviewTime(allow_none=True, format="iso")
    enumerator_id = Text(required=True, max_length=64)
    location = fields.Nested(LocationSchema, required=True)
    sampling = fields.Nested(SamplingSchema, required=True)

    @validates("interviewed_at")
    def _not_in_future(self, value: datetime, **_: Any) -> None:
        if value > datetime.now(UTC) + CLOCK_SKEW:
            raise ValidationError("Lies in the future.")


class HouseholdSubmissionSchema(_SubmissionSchema):
    answers = fields.Nested(HouseholdAnswersSchema, required=True)


class BusinessSubmissionSchema(_SubmissionSchema):
    answers = fields.Nested(BusinessAnswersSchema, required=True)


SUBMISSION_SCHEMAS: dict[str, type[_SubmissionSchema]] = {
    "household": HouseholdSubmissionSchema,
    "business": BusinessSubmissionSchema,
}


class BatchSchema(Schema):
    """The envelope only; each item is validated on its own so one bad item fails alone."""

    class Meta:
        unknown = RAISE

    submissions = fields.List(
        fields.Raw(allow_none=True), required=True, validate=validate.Length(min=1, max=MAX_BATCH)
    )


def location_errors(location: dict[str, Any], round_doc: Mapping[str, Any]) -> dict[str, list[str]]:
    """Errors when the location's codes are not units of the round's geography version (with
    what a code of another version became) or not in its frame (DESIGN §4, §13)."""
    version_id = round_geography_id(round_doc)
    if version_id is not None:
        errors = geography_errors(version_id, location.get("district"), location["commune"])
    elif not location.get("district"):
        errors = {"location.district": ["Missing data for required field."]}
    else:
        errors = {}
    return errors or frame_errors(location, round_doc.get("frame"))


def frame_errors(location: dict[str, Any], frame: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Errors when the location's codes are not in the round's frame (no frame: no check)."""
    if not frame:
        return {}
    errors: dict[str, list[str]] = {}
    if location.get("district") not in frame["districts"]:
        errors["location.district"] = ["Not a district of the round's frame."]
    communes = frame.get("communes") or {}
    if communes:
        commune = communes.get(location["commune"])
        if commune is None:
            errors["location.commune"] = ["Not a commune of the round's frame."]
        elif commune["district"] != location["district"]:
            errors["location.commune"] = ["Lies in another district."]
    return errors


class BatchItemResultSchema(Schema):
    submission_id = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(tuple(SubmissionStatus)))
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class BatchSummarySchema(Schema):
    created = fields.Integer()
    duplicate = fields.Integer()
    conflict = fields.Integer()
    invalid = fields.Integer()


class BatchResultSchema(Schema):
    results = fields.List(fields.Nested(BatchItemResultSchema))
    summary = fields.Nested(BatchSummarySchema)


class SubmissionAcceptedSchema(Schema):
    round_id = fields.String()
    submission_id = fields.String()
    status = fields.String()
    received_at = fields.String()


class StoredSubmissionSchema(Schema):
    """A stored submission as admins export it."""

    submission_id = fields.String()
    round_id = fields.String()
    interviewed_at = fields.String()
    enumerator_id = fields.String()
    location = fields.Dict()
    sampling = fields.Dict()
    answers = fields.Dict(allow_none=True)
    received_at = fields.String()
    source = fields.String()
    # Rounds with a sample (docs/design.md §8)
    assignment_id = fields.String()
    outcome = fields.String()
    started_at = fields.String(allow_none=True)
    in_estimates = StoredBoolean()
    review = fields.Dict(allow_none=True)
    flags = fields.List(fields.String())


class SubmissionListSchema(Schema):
    items = fields.List(fields.Nested(StoredSubmissionSchema))
    next = fields.String(allow_none=True)


class PageQuerySchema(StrictSchema):
    limit = PageLimit()
    after = Text(load_default=None, max_length=64)
    format = OutputFormat(Offer.LISTING)
    review = fields.String(
        load_default=None,
        validate=validate.OneOf(("unreviewed", "approved", "has_issues", "rejected", "duplicate")),
        metadata={"description": "only submissions with this review state"},
    )
