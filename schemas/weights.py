"""`GET …/weights`: its query and its answer (docs/design.md §9)."""

from __future__ import annotations

from marshmallow import Schema, fields

from outputs import Offer
from schemas.common import OutputFormat, StrictSchema


class WeightsQuerySchema(StrictSchema):
    format = OutputFormat(Offer.LISTING)


class RangeSchema(Schema):
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)


class ClassSchema(Schema):
    """A non-response class (docs/design.md §9): factor = unknown_factor · response_factor."""

    cls = fields.String(data_key="class")
    eligible = fields.Float()
    completed = fields.Float()
    unknown_factor = fields.Float()
    response_factor = fields.Float()
    factor = fields.Float(allow_none=True)


class MarginAchievedSchema(Schema):
    variables = fields.List(fields.String())
    key = fields.String()
    total = fields.Float()
    achieved = fields.Float()


class WeightsSchema(Schema):
    n_units = fields.Integer()
    n_respondents = fields.Integer()
    sum_sample = fields.Float(
        allow_none=True,
        metadata={"description": "Σd over every sampled unit (null without a sample)"},
    )
    sum_input = fields.Float(metadata={"description": "Σd over the respondents"})
    sum_final = fields.Float()
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)
    cv = fields.Float(allow_none=True)
    kish_deff = fields.Float(allow_none=True)
    g = fields.Nested(RangeSchema)
    classes = fields.List(fields.Nested(ClassSchema))
    margins = fields.List(fields.Nested(MarginAchievedSchema))
    warnings = fields.List(fields.String())
