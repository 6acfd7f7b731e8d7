"""Small-area estimates and the auxiliary data they use (docs/design.md §14)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from catalogue import INDICATORS_BY_ID
from outputs import Offer
from schemas.common import OutputFormat, StrictSchema, Text
from scoring.small_area import FitMethod, Source, VarianceSource, Why

VERSION_PATTERN = r"[a-z0-9][a-z0-9.-]{0,63}"
TABLE_PATTERN = r"[a-z0-9][a-z0-9_-]{0,63}"
COLUMN_PATTERN = r"[a-z][a-z0-9_]{0,63}"


class SmallAreaQuerySchema(StrictSchema):
    indicator = fields.String(
        required=True,
        validate=validate.OneOf(tuple(INDICATORS_BY_ID)),
        metadata={"description": "One indicator of the round's instrument"},
    )
    covariates = fields.String(
        load_default=None,
        metadata={
            "description": "Comma list of auxiliary columns (`column`, or `table.column` when "
            "two tables of the version have it); default: every column of the version's tables"
        },
    )
    method = fields.String(
        load_default=FitMethod.REML.value,
        validate=validate.OneOf(tuple(FitMethod)),
        metadata={"description": "How σ²_v is estimated (R sae::eblupFH)"},
    )
    variance = fields.String(
        load_default=VarianceSource.SMOOTHED.value,
        validate=validate.OneOf(tuple(VarianceSource)),
        metadata={
            "description": "smoothed: ψ_d = p̂(1−p̂)·deff/n_d from the province estimate; "
            "pooled: ψ_d = mean(n_k·se_k²)/n_d over the communes; direct: the commune "
            "estimate's se²"
        },
    )
    geography = Text(
        load_default=None,
        pattern=VERSION_PATTERN,
        metadata={"description": "Geography version; default: the round's"},
    )
    format = OutputFormat(Offer.REPORT)

    @post_load
    def _split_covariates(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data["covariates"] is not None:
            names = [part.strip() for part in data["covariates"].split(",") if part.strip()]
            if not names:
                raise ValidationError({"covariates": ["Name at least one column."]})
            data["covariates"] = list(dict.fromkeys(names))
        return data


class BetaSchema(Schema):
    name = fields.String()
    estimate = fields.Float(allow_none=True)
    se = fields.Float(allow_none=True)


class SmallAreaModelSchema(Schema):
    method = fields.String()
    sigma2_v = fields.Float(
        allow_none=True, metadata={"description": "0 is a finding: no area effect"}
    )
    beta = fields.List(fields.Nested(BetaSchema))
    converged = fields.Boolean()
    iterations = fields.Integer()
    covariates = fields.List(fields.String())
    auxiliary_source = fields.String()
    variance = fields.String()
    areas_in_fit = fields.Integer()
    communes_without_covariates = fields.List(
        fields.String(),
        metadata={"description": "Communes with interviews but no covariates: left out"},
    )
    diagnostics = fields.Dict(allow_none=True)


class DirectSchema(Schema):
    estimate = fields.Float(allow_none=True, metadata={"description": "null when suppressed"})
    se = fields.Float(allow_none=True)
    reliability = fields.String()


class ModelEstimateSchema(Schema):
    estimate = fields.Float()
    rmse = fields.Float()
    cv = fields.Float(allow_none=True)
    shrinkage = fields.Float(metadata={"description": "γ_d; 0 for a synthetic estimate"})


class PublishedSchema(Schema):
    estimate = fields.Float(allow_none=True)
    ci_low = fields.Float(allow_none=True)
    ci_high = fields.Float(allow_none=True)
    source = fields.String(validate=validate.OneOf(tuple(Source)))
    reason = fields.String(validate=validate.OneOf(tuple(Why)))


class CommuneEstimateSchema(Schema):
    commune = fields.String()
    name = fields.String(allow_none=True)
    n = fields.Integer(allow_none=True, metadata={"description": "null in a withheld row"})
    direct = fields.Nested(DirectSchema, allow_none=True)
    model = fields.Nested(ModelEstimateSchema, allow_none=True)
    published = fields.Nested(PublishedSchema)


class SmallAreaSchema(Schema):
    round_id = fields.String()
    indicator = fields.String()
    geography = fields.String()
    level = fields.Float()
    model = fields.Nested(SmallAreaModelSchema)
    communes = fields.List(fields.Nested(CommuneEstimateSchema))


class AuxiliaryPutQuerySchema(StrictSchema):
    source = Text(
        required=True,
        max_length=1000,
        metadata={"description": "Where the numbers come from (census table, register, date)"},
    )


class AuxiliaryGetQuerySchema(StrictSchema):
    format = OutputFormat(Offer.LISTING)


class AuxiliarySummarySchema(Schema):
    version = fields.String()
    name = fields.String()
    source = fields.String()
    columns = fields.List(fields.String())
    communes = fields.Integer()
    updated_at = fields.String()


class AuxiliarySchema(AuxiliarySummarySchema):
    rows = fields.List(
        fields.Dict(keys=fields.String(), values=fields.Raw()),
        metadata={"description": "{commune, <column>: number, ...}"},
    )
