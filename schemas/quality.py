"""Interview quality by enumerator (docs/design.md §11)."""

from marshmallow import Schema, fields, validate

from schemas.common import StrictSchema


class QualityQuerySchema(StrictSchema):
    by = fields.String(load_default="enumerator", validate=validate.OneOf(("enumerator",)))
    short_minutes = fields.Float(
        load_default=None,
        validate=validate.Range(min=0, min_inclusive=False, max=1440),
        metadata={"description": "default: a third of the round's median interview length"},
    )


class QualityFlagSchema(Schema):
    code = fields.String()
    message = fields.String()
    submission_ids = fields.List(fields.String())


class EnumeratorQualitySchema(Schema):
    key = fields.String(metadata={"description": "the submitting enumerator_id"})
    submissions = fields.Integer()
    completed = fields.Integer()
    median_duration_min = fields.Float(allow_none=True)
    short_share = fields.Float(allow_none=True)
    refusal_rate = fields.Float(allow_none=True)
    identical_answers = fields.Integer()
    flags = fields.List(fields.Nested(QualityFlagSchema))


class QualityReportSchema(Schema):
    round_id = fields.String()
    by = fields.String()
    short_minutes = fields.Float(allow_none=True)
    groups = fields.List(fields.Nested(EnumeratorQualitySchema))
