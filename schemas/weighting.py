"""A round's `weighting` (docs/design.md §9): non-response classes and calibration margins.

The shape is checked here; what needs the round (its instrument's variables, its frame's codes,
whether it has a sample) is checked by `service.weighting.spec.check_weighting`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalogue import ALL_BY_DIMENSIONS
from schemas.common import Count, FiniteNumber, StrictSchema, Text
from scoring.weights import CalibrationMethod, ClassKind


class WeightInput(StrEnum):
    """Where an estimate's input weights come from."""

    SAMPLE = "sample"
    SUBMITTED = "submitted"


class WeightingMode(StrEnum):
    """`?weighting=`: how far along the weighting steps an estimate goes."""

    INPUT = "input"
    NONRESPONSE = "nonresponse"
    CALIBRATED = "calibrated"


KEY_SEPARATOR = "|"
MAX_MARGINS = 8
MAX_CATEGORIES = 5000
SUM_TOLERANCE = 1e-6
TOTAL_KEY = r"[A-Za-z0-9_-]{1,32}(\|[A-Za-z0-9_-]{1,32})*"  # codes, crossed with `|`


class NonresponseSchema(StrictSchema):
    classes = fields.String(load_default="psu", validate=validate.OneOf(tuple(ClassKind)))
    min_respondents = Count(low=1, high=1000, load_default=2)
    max_factor = FiniteNumber(low=1, high=1e6, load_default=3.0)


# former_province: rounds with a geography version (docs/design.md §13)
CALIBRATION_VARIABLES = (*ALL_BY_DIMENSIONS, "former_province")


class MarginSchema(StrictSchema):
    variables = fields.List(
        fields.String(validate=validate.OneOf(CALIBRATION_VARIABLES)),
        required=True,
        validate=validate.Length(min=1, max=len(CALIBRATION_VARIABLES)),
        metadata={"description": "One variable, or several crossed (keys joined by `|`)"},
    )
    totals = fields.Dict(
        keys=Text(max_length=200, pattern=TOTAL_KEY),
        values=FiniteNumber(low=0, high=1e12),
        required=True,
        validate=validate.Length(min=1, max=MAX_CATEGORIES),
        metadata={"description": "category key → population count of the instrument's unit"},
    )

    @validates_schema
    def _keys_name_every_variable(self, data: dict[str, Any], **_: Any) -> None:
        variables = data["variables"]
        if len(set(variables)) != len(variables):
            raise ValidationError({"variables": ["A variable appears twice."]})
        bad = {
            key: [f"Must name {len(variables)} categories joined by '|'."]
            for key in data["totals"]
            if len(key.split(KEY_SEPARATOR)) != len(variables)
        }
        if bad:
            raise ValidationError({"totals": bad})


def margin_name(margin: dict[str, Any]) -> str:
    """A margin as errors name it: its variables joined by `|` (as scoring.weights does)."""
    return KEY_SEPARATOR.join(margin["variables"])


class CalibrationSchema(StrictSchema):
    method = fields.String(required=True, validate=validate.OneOf(tuple(CalibrationMethod)))
    margins = fields.List(
        fields.Nested(MarginSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_MARGINS),
    )
    bounds = fields.List(
        FiniteNumber(low=0, high=1e6, low_inclusive=False),
        load_default=None,
        allow_none=True,
        validate=validate.Length(equal=2),
        metadata={"description": "[low, high] on g, 0 < low ≤ 1 ≤ high (rake and linear)"},
    )

    @validates_schema
    def _consistent(self, data: dict[str, Any], **_: Any) -> None:
        margins, bounds = data["margins"], data.get("bounds")
        if data["method"] == CalibrationMethod.POSTSTRATIFY and len(margins) != 1:
            raise ValidationError({"margins": ["poststratify takes exactly one margin."]})
        if bounds is not None:
            if data["method"] == CalibrationMethod.POSTSTRATIFY:
                raise ValidationError({"bounds": ["Bounds apply to rake and linear only."]})
            if not bounds[0] <= 1 <= bounds[1] or bounds[0] == bounds[1]:
                raise ValidationError({"bounds": ["Must be [low, high] with low ≤ 1 ≤ high."]})
        population = sum(margins[0]["totals"].values())
        for index, margin in enumerate(margins[1:], start=1):
            total = sum(margin["totals"].values())
            if abs(total - population) > SUM_TOLERANCE * abs(population):
                message = (
                    f"Margin {margin_name(margin)} sums to {total:g}, "
                    f"margin {margin_name(margins[0])} to {population:g}."
                )
                raise ValidationError({"margins": {index: {"totals": [message]}}})


class WeightingSchema(StrictSchema):
    """`weighting` of docs/design.md §9; omitted parts take their defaults."""

    nonresponse = fields.Nested(NonresponseSchema, load_default=None, allow_none=True)
    calibration = fields.Nested(CalibrationSchema, load_default=None, allow_none=True)


class WeightingBlockSchema(Schema):
    """Which weighting an estimate used."""

    input = fields.String(validate=validate.OneOf(tuple(WeightInput)))
    nonresponse = fields.String(allow_none=True)
    calibration = fields.String(allow_none=True)
    provisional = fields.Boolean()
