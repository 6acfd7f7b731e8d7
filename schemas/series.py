"""Series and the change between two of its rounds (docs/design.md §10)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from catalogue import SuppressedPolicy
from outputs import Offer
from schemas.common import OutputFormat, StrictSchema
from schemas.estimates import EstimatesQuerySchema
from schemas.rounds import SLUG
from schemas.weighting import WeightingBlockSchema
from scoring.stacking import Pairing


class ChangeQuerySchema(StrictSchema):
    from_round = fields.String(
        data_key="from",
        load_default=None,
        validate=validate.Regexp(f"^{SLUG}$"),
        metadata={"description": "Round id of the series; default: its first round"},
    )
    to_round = fields.String(
        data_key="to",
        load_default=None,
        validate=validate.Regexp(f"^{SLUG}$"),
        metadata={"description": "Round id of the series; default: its last round"},
    )
    indicator = EstimatesQuerySchema._declared_fields["indicator"]
    by = EstimatesQuerySchema._declared_fields["by"]
    geography = EstimatesQuerySchema._declared_fields["geography"]
    level = EstimatesQuerySchema._declared_fields["level"]
    pairing = fields.String(
        load_default=Pairing.INDEPENDENT.value,
        validate=validate.OneOf(tuple(Pairing)),
        metadata={
            "description": "independent: separate samples (covariance 0); overlapping: PSUs "
            "revisited in both rounds contribute their covariance"
        },
    )
    weighting = EstimatesQuerySchema._declared_fields["weighting"]  # must fit both rounds
    suppressed = fields.Enum(
        SuppressedPolicy,
        by_value=True,
        load_default=SuppressedPolicy.WITHHOLD,
        metadata={
            "description": "withhold (default): a change is emptied (reason `suppressed`) where "
            "either round's estimate is withheld; show: every number, for the admin and "
            "analyst roles only (403 otherwise)"
        },
    )
    format = OutputFormat(Offer.REPORT)

    @post_load
    def _split_indicators(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return EstimatesQuerySchema._split_indicators(self, data, **kwargs)


class SeriesRoundSchema(Schema):
    id = fields.String()
    title = fields.String()
    period = fields.Dict()
    status = fields.String()
    data_version = fields.Integer()


class SeriesSchema(Schema):
    series = fields.String()
    instrument = fields.String()
    rounds = fields.List(fields.Nested(SeriesRoundSchema))


class RoundVersionSchema(Schema):
    round_id = fields.String()
    data_version = fields.Integer()
    weighting = fields.Nested(
        WeightingBlockSchema, metadata={"description": "The weighting this round entered with"}
    )


class ChangeResultSchema(Schema):
    domain = fields.Dict(allow_none=True, metadata={"description": "{by: code}; null: province"})
    from_estimate = fields.Float(allow_none=True)
    to_estimate = fields.Float(allow_none=True)
    difference = fields.Float(allow_none=True, metadata={"description": "to − from"})
    se = fields.Float(allow_none=True)
    ci_low = fields.Float(allow_none=True)
    ci_high = fields.Float(allow_none=True)
    df = fields.Integer(allow_none=True)
    p_value = fields.Float(allow_none=True)
    significant = fields.Boolean(allow_none=True)
    reason = fields.String(
        metadata={
            "description": "missing_in_round: data in one round only; suppressed: withheld "
            "because either round's estimate is"
        }
    )


class IndicatorChangeSchema(Schema):
    indicator = fields.String()
    unit = fields.String()
    by = fields.String(allow_none=True)
    level = fields.Float()
    results = fields.List(fields.Nested(ChangeResultSchema))


class ChangeSchema(Schema):
    series = fields.String()
    from_round = fields.Nested(RoundVersionSchema, data_key="from")
    to_round = fields.Nested(RoundVersionSchema, data_key="to")
    pairing = fields.String()
    changes = fields.List(fields.Nested(IndicatorChangeSchema))
