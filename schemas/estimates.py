"""Estimates: the query planners send and the response they get (docs/design.md §3)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from catalogue import (
    ALL_BY_DIMENSIONS,
    INDICATORS_BY_ID,
    IndicatorKind,
    SuppressedPolicy,
    TargetStatus,
)
from outputs import Offer
from schemas.common import OutputFormat, StrictSchema
from schemas.weighting import WeightingBlockSchema, WeightingMode
from scoring import CiMethod, Reliability


def three_decimals(level: float) -> None:
    """Refused rather than rounded: `0.95000001` would be a different question answered with
    0.95's interval, and every distinct level is a fresh computation (docs/design.md §3)."""
    if not -1e6 < level < 1e6:
        return  # out of range: the range check says so (and 1e307 · 1000 cannot be rounded)
    if abs(level * 1000 - round(level * 1000)) > 1e-9:
        raise ValidationError("At most 3 decimals (e.g. 0.95 or 0.975).")


GROUPING_NAME = r"[a-z0-9][a-z0-9-]{0,62}"
BY_CHOICES = (*ALL_BY_DIMENSIONS, "former_province", "grouping:{name}")
BY_PATTERN = (
    "^(" + "|".join((*ALL_BY_DIMENSIONS, "former_province")) + f"|grouping:{GROUPING_NAME})$"
)


class EstimatesQuerySchema(StrictSchema):
    indicator = fields.String(
        load_default=None,
        metadata={"description": "One indicator id or a comma list; default: all of the round's"},
    )
    by = fields.String(
        load_default=None,
        validate=validate.Regexp(
            BY_PATTERN,
            error="Must be one of: " + ", ".join(BY_CHOICES).replace("{", "{{").replace("}", "}}"),
        ),
        metadata={
            "description": "Domain: " + ", ".join(BY_CHOICES) + " (docs/design.md §13); "
            "none for province-wide"
        },
    )
    geography = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^vn-[0-9]{4}-[0-9]{2}$"),
        metadata={
            "description": "Report in this geography version (GET /api/v1/geography): a round "
            "of an older version is re-expressed through the crosswalk; default: the round's",
            "example": "vn-2025-07",
        },
    )
    ci = fields.String(
        load_default=CiMethod.LOGIT.value,
        validate=validate.OneOf(tuple(CiMethod)),
        metadata={"description": "CI method for proportions (R svyciprop)"},
    )
    level = fields.Float(
        load_default=0.95,
        validate=[validate.Range(min=0.5, max=0.999), three_decimals],
        metadata={"description": "Confidence level, 0.5–0.999, at most 3 decimals"},
    )
    format = OutputFormat(Offer.REPORT)
    suppressed = fields.Enum(
        SuppressedPolicy,
        by_value=True,
        load_default=SuppressedPolicy.WITHHOLD,
        metadata={
            "description": "withhold (default): a suppressed estimate's numbers (estimate, se, "
            "CI, deff, n_eff, cv, population) are null or empty, its reliability and reasons "
            "kept, and where one part of a `by` table would follow from the province and the "
            "other parts, the smallest other part is withheld too (reason `complementary`); "
            "show: every number with its reliability flag, for the admin and analyst roles "
            "only (403 otherwise)"
        },
    )
    overall = fields.Boolean(
        load_default=False,
        metadata={
            "description": "With `by`: each indicator's province-wide result first (domain "
            "null, `by` empty in CSV/XLSX), then its domains"
        },
    )
    weighting = fields.String(
        load_default=None,
        validate=validate.OneOf(tuple(WeightingMode)),
        metadata={"description": "Weighting steps to apply; default: every configured step"},
    )
    lang = fields.String(
        load_default="vi",
        validate=validate.OneOf(("vi", "en")),
        metadata={"description": "XLSX only: the language of its headers, names and words"},
    )

    @post_load
    def _split_indicators(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data["indicator"] is None:
            data["indicators"] = None
        else:
            ids = [part.strip() for part in data["indicator"].split(",") if part.strip()]
            unknown = [i for i in ids if i not in INDICATORS_BY_ID]
            if not ids or unknown:
                raise ValidationError(
                    {"indicator": [f"Unknown indicator: {', '.join(unknown) or '(empty)'}."]}
                )
            data["indicators"] = list(dict.fromkeys(ids))
        del data["indicator"]
        return data


class TargetSourceSchema(Schema):
    """Where a target comes from: an entry of the targets register (GET /api/v1/targets), or
    `set_for_round` when the round's admin set another value."""

    target_id = fields.String(allow_none=True)
    document = fields.String(allow_none=True, metadata={"example": "Quyết định 411/QĐ-TTg"})
    issuer = fields.String()
    date = fields.String()
    clause = fields.String()
    year = fields.Integer()
    short_vi = fields.String(metadata={"example": "QĐ 411/QĐ-TTg"})
    short_en = fields.String()
    set_for_round = fields.Boolean()


class TargetSchema(Schema):
    value = fields.Float()
    status = fields.String(validate=validate.OneOf(tuple(TargetStatus)))
    source = fields.Nested(TargetSourceSchema)


class EstimateResultSchema(Schema):
    domain = fields.Dict(keys=fields.String(), values=fields.String(), allow_none=True)
    estimate = fields.Float(allow_none=True)
    se = fields.Float(allow_none=True)
    ci_low = fields.Float(
        allow_none=True,
        metadata={"description": "R's number: a `wald` interval of a rate can fall below 0"},
    )
    ci_high = fields.Float(
        allow_none=True,
        metadata={"description": "R's number: a `wald` interval of a rate can rise above 1"},
    )
    df = fields.Integer(allow_none=True)
    deff = fields.Float(allow_none=True)
    n = fields.Integer()
    n_eff = fields.Float(allow_none=True)
    population = fields.Float(allow_none=True)
    cv = fields.Float(allow_none=True)
    reliability = fields.String(validate=validate.OneOf(tuple(Reliability)))
    reliability_reasons = fields.List(fields.String())
    detail = fields.String(metadata={"description": "Why there is no estimate, when there is none"})
    target = fields.Nested(TargetSchema, allow_none=True)


class IndicatorEstimatesSchema(Schema):
    indicator = fields.String()
    unit = fields.String()
    by = fields.String(allow_none=True)
    ci_method = fields.String()
    level = fields.Float()
    results = fields.List(fields.Nested(EstimateResultSchema))


class EstimatesSchema(Schema):
    round_id = fields.String()
    data_version = fields.Integer()
    computed_at = fields.String()
    n_submissions = fields.Integer()
    estimates = fields.List(fields.Nested(IndicatorEstimatesSchema))
    weighting = fields.Nested(WeightingBlockSchema)


class IndicatorSchema(Schema):
    id = fields.String()
    instrument = fields.String()
    unit = fields.String()
    kind = fields.String(validate=validate.OneOf(tuple(IndicatorKind)))
    is_rate = fields.Boolean(
        metadata={"description": "A share in [0, 1] (proportion, member proportion), not a score"}
    )
    definition = fields.String(metadata={"description": "In English"})
    definition_vi = fields.String(metadata={"description": "In Vietnamese"})
    label_en = fields.String()
    label_vi = fields.String()
    default_target = fields.Float(
        allow_none=True,
        metadata={
            "description": "The target a new round of the whole province would be held against "
            "today (catalogue/targets); a round's own targets are in the round"
        },
    )
    target_source = fields.String(allow_none=True)
    by = fields.List(fields.String())


class IndicatorListSchema(Schema):
    items = fields.List(fields.Nested(IndicatorSchema))
    next = fields.String(allow_none=True)


def check_indicators_of(instrument: str, ids: list[str]) -> None:
    """422 material: every requested indicator must belong to the round's instrument."""
    wrong = [i for i in ids if INDICATORS_BY_ID[i].instrument != instrument]
    if wrong:
        raise ValidationError(
            {"indicator": [f"Not an indicator of the {instrument} instrument: {', '.join(wrong)}."]}
        )
