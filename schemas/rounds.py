"""Survey rounds: creation, edits and what the API shows of them."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalogue import INDICATORS_BY_ID, INSTRUMENTS, RoundPurpose, RoundStatus
from catalogue.geography import version_ids
from catalogue.geography.rounds import (
    all_former_provinces,
    default_geography,
    round_coverage,
    round_domains,
    round_geography_id,
)
from schemas.common import FiniteNumber, StrictSchema, Text
from schemas.tokens import TOKEN_NAME
from schemas.weighting import WeightingSchema
from scoring import LonelyPsu

SLUG = r"[a-z0-9][a-z0-9-]{1,62}"
CODE = r"[A-Za-z0-9_-]{1,32}"


class PeriodSchema(StrictSchema):
    start = fields.Date(required=True)
    end = fields.Date(required=True)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data["start"] > data["end"]:
            raise ValidationError({"end": ["Must not be before start."]})


LONELY_PSU_ARGS: dict[str, Any] = {
    "validate": validate.OneOf(tuple(LonelyPsu)),
    "metadata": {
        "description": "What a stratum with a single PSU contributes (R survey.lonely.psu)"
    },
}
FPC_ARGS: dict[str, Any] = {
    "keys": Text(max_length=64, pattern=CODE),
    "values": FiniteNumber(low=0, high=1e9, low_inclusive=False),
    "allow_none": True,
    "metadata": {
        "description": "Per stratum, every stratum of the data: population number of PSUs "
        "(all ≥ 1), or sampling fractions (all ≤ 1); not a mix"
    },
}


STAGES_ARGS: dict[str, Any] = {
    "validate": validate.OneOf((1, 2)),
    "metadata": {
        "description": "1 (default): ultimate clusters, the PSUs' variance only; 2: a sample "
        "round's units are a second stage, R svydesign(ids = ~psu + unit, fpc = ~psu_prob + "
        "unit_prob): the first-stage fraction is the stratum's psu_prob, the second the PSU's "
        "unit_prob (docs/design.md §8)"
    },
}
TWO_STAGE_FPC = (
    "A two-stage design takes its first-stage fpc from the sample's psu_prob (n_h/N_h): "
    "leave fpc out."
)


def check_stages(design: dict[str, Any]) -> None:
    """A two-stage design's fpc comes from its sample, never from `fpc` as well."""
    if design.get("stages") == 2 and design.get("fpc"):
        raise ValidationError({"stages": [TWO_STAGE_FPC]})


def check_fpc_kind(fpc: dict[str, float] | None) -> None:
    """One kind, as R's `as.fpc` reads them: all counts (≥ 1) or all fractions (≤ 1)."""
    if fpc is None:
        return
    if not fpc:
        raise ValidationError({"fpc": ["Give a value for every stratum, or leave fpc out."]})
    values = fpc.values()
    if any(v > 1 for v in values) and any(v < 1 for v in values):
        raise ValidationError(
            {"fpc": ["Give all population PSU counts (≥ 1) or all sampling fractions (≤ 1)."]}
        )


class DesignPatchSchema(StrictSchema):
    """A change of design: only the members given are replaced."""

    lonely_psu = fields.String(**LONELY_PSU_ARGS)
    fpc = fields.Dict(**FPC_ARGS)
    stages = fields.Integer(strict=True, **STAGES_ARGS)

    @validates_schema
    def _one_kind_of_fpc(self, data: dict[str, Any], **_: Any) -> None:
        check_fpc_kind(data.get("fpc"))
        check_stages(data)


class DesignSchema(DesignPatchSchema):
    lonely_psu = fields.String(load_default=LonelyPsu.ADJUST.value, **LONELY_PSU_ARGS)
    fpc = fields.Dict(load_default=None, **FPC_ARGS)


class CommuneSchema(StrictSchema):
    district = Text(required=True, pattern=CODE)
    name = Text(required=True)


class FrameSchema(StrictSchema):
    """The sampling frame's codes; when present, submissions must use them."""

    districts = fields.Dict(keys=Text(pattern=CODE), values=Text(), required=True)
    communes = fields.Dict(
        keys=Text(pattern=CODE), values=fields.Nested(CommuneSchema), load_default=dict
    )

    @validates_schema
    def _communes_in_districts(self, data: dict[str, Any], **_: Any) -> None:
        unknown = {
            code: ["District is not in the frame."]
            for code, commune in data.get("communes", {}).items()
            if commune["district"] not in data["districts"]
        }
        if unknown:
            raise ValidationError({"communes": unknown})


def check_targets(instrument: str | None, targets: dict[str, float] | None) -> None:
    errors: dict[str, list[str]] = {}
    for indicator_id, value in (targets or {}).items():
        indicator = INDICATORS_BY_ID.get(indicator_id)
        if indicator is None:
            errors[indicator_id] = ["Unknown indicator."]
        elif instrument and indicator.instrument != instrument:
            errors[indicator_id] = [f"Not an indicator of the {instrument} instrument."]
        elif indicator.is_rate and value > 1:
            errors[indicator_id] = ["A rate target must be between 0 and 1."]
    if errors:
        raise ValidationError({"targets": errors})


TARGETS_FIELD_ARGS: dict[str, Any] = {
    "keys": fields.String(),
    "values": FiniteNumber(low=0, high=100),
    "metadata": {
        "description": "indicator id → target (rates in [0, 1]); defaults per docs/design.md §5"
    },
}


SERIES_METADATA = {
    "description": "The series (slug) whose rounds are compared (docs/design.md §10); "
    "only rounds of the same instrument",
    "example": "laocai-household",
}


TEAM_NAME = Text(max_length=64, pattern=TOKEN_NAME)
TEAMS_ARGS: dict[str, Any] = {
    "validate": validate.Length(max=5000),
    "metadata": {
        "description": "Token names of the enumerators who collect for the round "
        "(docs/design.md §16); empty or absent: every enumerator"
    },
}


GEOGRAPHY_METADATA = {
    "description": "The geography version whose codes the round uses (GET /api/v1/geography); "
    "default: the version in force on period.start; null: free codes (docs/design.md §13)",
    "example": "vn-2025-07",
}
COVERAGE_METADATA = {
    "description": "The former provinces (codes of vn-2025-03) whose population the round "
    "represents; default: every one its geography version spans",
    "example": ["10", "15"],
}


def check_geography(geography: str | None, coverage: list[str] | None) -> None:
    """A known version, and a coverage of former provinces that version spans."""
    if geography is None:
        if coverage:
            raise ValidationError({"coverage": ["A round without a geography has no coverage."]})
        return
    if geography not in version_ids():
        known = ", ".join(version_ids())
        raise ValidationError({"geography": [f"Unknown geography version (known: {known})."]})
    spanned = all_former_provinces(geography)
    unknown = sorted(set(coverage or ()) - set(spanned))
    if unknown:
        raise ValidationError(
            {"coverage": [f"Not former provinces of {geography}: {', '.join(unknown)}."]}
        )
    if coverage is not None and not coverage:
        raise ValidationError({"coverage": ["Name at least one former province."]})


PURPOSE_METADATA = {
    "description": "production (default) | pilot | test: pilots and tests are not listed to "
    "planners, and the dashboard never shows them"
}


class RoundCreateSchema(StrictSchema):
    id = Text(required=True, pattern=SLUG, metadata={"example": "laocai-2025-household"})
    instrument = fields.String(required=True, validate=validate.OneOf(INSTRUMENTS))
    title = Text(required=True)
    title_vi = Text(metadata={"description": "The title in Vietnamese, shown on the dashboard"})
    period = fields.Nested(PeriodSchema, required=True)
    status = fields.String(
        load_default=RoundStatus.OPEN.value, validate=validate.OneOf(tuple(RoundStatus))
    )
    design = fields.Nested(DesignSchema, load_default=lambda: DesignSchema().load({}))
    targets = fields.Dict(load_default=None, allow_none=True, **TARGETS_FIELD_ARGS)
    frame = fields.Nested(FrameSchema, load_default=None, allow_none=True)
    series = Text(load_default=None, allow_none=True, pattern=SLUG, metadata=SERIES_METADATA)
    teams = fields.List(TEAM_NAME, load_default=list, **TEAMS_ARGS)
    geography = Text(allow_none=True, max_length=32, metadata=GEOGRAPHY_METADATA)
    coverage = fields.List(
        Text(pattern=r"[0-9]{2}"), allow_none=True, load_default=None, metadata=COVERAGE_METADATA
    )
    purpose = fields.String(
        load_default=RoundPurpose.PRODUCTION.value,
        validate=validate.OneOf(tuple(RoundPurpose)),
        metadata=PURPOSE_METADATA,
    )

    @validates_schema
    def _targets_match_instrument(self, data: dict[str, Any], **_: Any) -> None:
        check_targets(data.get("instrument"), data.get("targets"))

    @validates_schema
    def _known_geography(self, data: dict[str, Any], **_: Any) -> None:
        if "period" not in data:
            return
        geography = data.get("geography", default_geography(data["period"]["start"]))
        check_geography(geography, data.get("coverage"))


class RoundPatchSchema(StrictSchema):
    title = Text()
    title_vi = Text()
    status = fields.String(validate=validate.OneOf(tuple(RoundStatus)))
    targets = fields.Dict(**TARGETS_FIELD_ARGS)
    weighting = fields.Nested(
        WeightingSchema,
        metadata={"description": "Non-response classes and calibration (docs/design.md §9)"},
    )
    series = Text(allow_none=True, pattern=SLUG, metadata=SERIES_METADATA)
    design = fields.Nested(DesignPatchSchema)
    teams = fields.List(TEAM_NAME, **TEAMS_ARGS)
    purpose = fields.String(validate=validate.OneOf(tuple(RoundPurpose)), metadata=PURPOSE_METADATA)

    @validates_schema
    def _known_targets(self, data: dict[str, Any], **_: Any) -> None:
        check_targets(None, data.get("targets"))


class SampleSummarySchema(Schema):
    """How big a round's sample is (docs/design.md §8)."""

    assignments = fields.Integer()
    psus = fields.Integer()
    strata = fields.Integer()


class RoundSchema(Schema):
    """A round as the API shows it."""

    id = fields.String(attribute="_id")
    instrument = fields.String()
    title = fields.String()
    title_vi = fields.String()
    period = fields.Dict()
    status = fields.String()
    design = fields.Dict()
    targets = fields.Dict(keys=fields.String(), values=fields.Float())
    frame = fields.Dict(allow_none=True)
    sample = fields.Nested(SampleSummarySchema, allow_none=True)
    weighting = fields.Dict(allow_none=True)
    series = fields.String(allow_none=True)
    teams = fields.List(fields.String())
    geography = fields.Function(round_geography_id, allow_none=True, metadata=GEOGRAPHY_METADATA)
    coverage = fields.Function(
        lambda doc: list(round_coverage(doc)),
        metadata=COVERAGE_METADATA | {"type": "array", "items": {"type": "string"}},
    )
    domains = fields.Function(
        lambda doc: list(round_domains(doc)),
        metadata={
            "description": "The `by` domains the round's estimates offer (plus grouping:{name})",
            "type": "array",
            "items": {"type": "string"},
        },
    )
    purpose = fields.String(dump_default=RoundPurpose.PRODUCTION.value)
    data_version = fields.Integer()
    n_submissions = fields.Integer()
    created_at = fields.String()
    updated_at = fields.String()


class RoundListSchema(Schema):
    items = fields.List(fields.Nested(RoundSchema))
    next = fields.String(allow_none=True)
