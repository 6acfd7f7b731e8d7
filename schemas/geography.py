"""Geography versions, their units, crosswalks and groupings as the API shows them (§13)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalogue.geography.versions import LEVELS
from outputs import Offer
from schemas.common import OutputFormat, StrictSchema, Text


class SourceSchema(Schema):
    repository = fields.String()
    url = fields.String()
    commit = fields.String()
    licence = fields.String()
    used_for = fields.String()


class GeographyVersionSchema(Schema):
    id = fields.String(metadata={"example": "vn-2025-07"})
    title = fields.String()
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    provinces = fields.Integer()
    districts = fields.Integer()
    communes = fields.Integer()
    sources = fields.List(fields.Nested(SourceSchema))


class GeographyVersionListSchema(Schema):
    items = fields.List(fields.Nested(GeographyVersionSchema))


class UnitsQuerySchema(StrictSchema):
    level = fields.String(load_default=None, validate=validate.OneOf(LEVELS))
    parent = Text(load_default=None, pattern=r"[0-9]{2,5}")
    format = OutputFormat(Offer.LISTING)


class UnitSchema(Schema):
    code = fields.String()
    level = fields.String()
    kind = fields.String()
    name_vi = fields.String()
    name_ascii = fields.String()
    parent = fields.String(allow_none=True)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    former_province = fields.String(
        allow_none=True,
        metadata={"description": "Communes: the former province (vn-2025-03) it lies in"},
    )


class UnitListSchema(Schema):
    version = fields.String()
    items = fields.List(fields.Nested(UnitSchema))


class CrosswalkQuerySchema(StrictSchema):
    from_version = fields.String(data_key="from", required=True, metadata={"example": "vn-2025-03"})
    to_version = fields.String(data_key="to", required=True, metadata={"example": "vn-2025-07"})
    format = OutputFormat(Offer.LISTING)


class CrosswalkRowSchema(Schema):
    from_code = fields.String()
    from_name = fields.String()
    from_district = fields.String()
    from_province = fields.String()
    to_code = fields.String()
    to_name = fields.String()
    relation = fields.String(
        metadata={"description": "whole: the former commune lies wholly inside the new one"}
    )


class CrosswalkSchema(Schema):
    from_version = fields.String(data_key="from")
    to_version = fields.String(data_key="to")
    sources = fields.List(fields.Nested(SourceSchema))
    items = fields.List(fields.Nested(CrosswalkRowSchema))


GROUPING_NAME = r"[a-z0-9][a-z0-9-]{0,62}"


class GroupingQuerySchema(StrictSchema):
    source = Text(
        load_default=None,
        max_length=500,
        metadata={"description": "Where the grouping comes from (e.g. a provincial decision)"},
    )


class GroupingBodySchema(StrictSchema):
    """A grouping as JSON (the same as the CSV `commune,group`)."""

    groups = fields.Dict(keys=Text(pattern=r"[0-9]{5}"), values=Text(max_length=100), required=True)
    source = Text(load_default=None, max_length=500)


class GroupingSchema(Schema):
    version = fields.String()
    name = fields.String()
    source = fields.String(allow_none=True)
    groups = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "commune → group"}
    )
    updated_at = fields.String()
