"""A round's `weighting` (docs/design.md §9): non-response classes and calibration margins.

The shape is checked here and every rule by the engine's own specs (`scoring.weights`), whose
refusals become field errors; what needs the round (its instrument's variables, its frame's
codes, whether it has a sample) is checked by `service.rounds.weighting.check_weighting`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from schemas.common import Count, FiniteNumber, StrictSchema, Text
from scoring.weights import (
    KEY_SEPARATOR,
    CalibrationMethod,
    CalibrationSpec,
    ClassKind,
    NonresponseSpec,
    SpecError,
)


class WeightInput(StrEnum):
    """Where an estimate's input weights come from."""

    SAMPLE = "sample"
    SUBMITTED = "submitted"


class WeightingMode(StrEnum):
    """`?weighting=`: how far along the weighting steps an estimate goes."""

    INPUT = "input"
    NONRESPONSE = "nonresponse"
    CALIBRATED = "calibrated"


MAX_MARGINS = 8
MAX_VARIABLES = 8
MAX_CATEGORIES = 5000
MAX_MAGNITUDE = 1e12
VARIABLE = r"[A-Za-z_][A-Za-z0-9_]{0,63}"
CODE = r"[A-Za-z0-9_-]{1,32}"
TOTAL_KEY = rf"{CODE}({re.escape(KEY_SEPARATOR)}{CODE})*"  # codes, crossed


def number(**kwargs: Any) -> FiniteNumber:
    """A finite JSON number; what it must be is the engine's rule, not the schema's."""
    return FiniteNumber(low=-MAX_MAGNITUDE, high=MAX_MAGNITUDE, **kwargs)


def engine_rules(parse: Callable[[dict[str, Any]], object], data: dict[str, Any]) -> None:
    """Run the engine's own checks on a loaded object; a refusal becomes the field error of
    the field it names (so the service and the command line give the same message)."""
    try:
        parse(data)
    except SpecError as error:
        messages: Any = [str(error)]
        for part in reversed(error.path[1:]):  # the path starts at this schema's own field
            messages = {part: messages}
        raise ValidationError(messages) from error


class NonresponseSchema(StrictSchema):
    """`nonresponse`: loaded with the engine's defaults filled in."""

    classes = fields.String(metadata={"enum": [kind.value for kind in ClassKind]})
    min_respondents = Count(low=-(10**9))
    max_factor = number()

    @validates_schema
    def _engine_rules(self, data: dict[str, Any], **_: Any) -> None:
        engine_rules(NonresponseSpec.from_json, data)

    @post_load
    def _with_defaults(self, data: dict[str, Any], **_: Any) -> dict[str, object]:
        return NonresponseSpec.from_json(data).to_json()


class MarginSchema(StrictSchema):
    variables = fields.List(
        Text(max_length=64, pattern=VARIABLE),
        required=True,
        validate=validate.Length(max=MAX_VARIABLES),
        metadata={"description": "One variable, or several crossed (keys joined by `|`)"},
    )
    totals = fields.Dict(
        keys=Text(max_length=200, pattern=TOTAL_KEY),
        values=number(),
        validate=validate.Length(max=MAX_CATEGORIES),
        metadata={"description": "category key → population count of the instrument's unit"},
    )
    total = number(
        metadata={"description": "a numeric variable's population total (instead of totals)"}
    )


class CalibrationSchema(StrictSchema):
    """`calibration`: its shape here, its rules in the engine (`scoring.weights`)."""

    method = fields.String(
        required=True, metadata={"enum": [method.value for method in CalibrationMethod]}
    )
    margins = fields.List(
        fields.Nested(MarginSchema),
        required=True,
        validate=validate.Length(max=MAX_MARGINS),
    )
    bounds = fields.List(
        number(),
        load_default=None,
        allow_none=True,
        metadata={"description": "[low, high] on g, 0 < low ≤ 1 ≤ high (rake and linear)"},
    )

    @validates_schema
    def _engine_rules(self, data: dict[str, Any], **_: Any) -> None:
        engine_rules(CalibrationSpec.from_json, data)


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
