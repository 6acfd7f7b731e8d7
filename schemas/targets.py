"""The targets register as the API shows it (docs/design.md §13)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalogue import INDICATORS_BY_ID
from schemas.common import StrictSchema
from schemas.estimates import TargetSourceSchema


class TargetsQuerySchema(StrictSchema):
    indicator = fields.String(validate=validate.OneOf(tuple(INDICATORS_BY_ID)))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    area = fields.String(
        validate=validate.Regexp(r"^(national|vn-[0-9]{4}-[0-9]{2}:[0-9]{2})$"),
        metadata={
            "description": "`national`, or `{geography}:{province code}`",
            "example": "national",
        },
    )


class TargetEntrySchema(Schema):
    id = fields.String()
    indicator = fields.String()
    value = fields.Float()
    comparison = fields.String()
    year = fields.Integer()
    applies_to = fields.Raw(
        metadata={"description": '"national", or {"geography", "code"}', "example": "national"}
    )
    source = fields.Nested(TargetSourceSchema)
    checked = fields.String(
        metadata={
            "description": "How the value was checked: `text` (the document's text), `quoted "
            "text` (its wording as published by others), `contract` (the project's contract)"
        }
    )
    evidence = fields.String()


class TargetListSchema(Schema):
    items = fields.List(fields.Nested(TargetEntrySchema))
    next = fields.String(allow_none=True)
