"""A round's `weighting`: checked against the round, stored with defaults, and which steps an
estimate applies (docs/design.md §9)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalogue import BY_DIMENSIONS, Instrument
from catalogue.classifications import CODES
from schemas.common import Count
from schemas.submissions import BusinessAnswersSchema, HouseholdAnswersSchema
from schemas.weighting import WeightingMode, WeightInput
from scoring.weights import (
    CalibrationSpec,
    ClassKind,
    FieldPath,
    Margin,
    NonresponseSpec,
    SpecError,
)
from service.domain.errors import invalid
from service.domain.round import Round

DOES_NOT_FIT = "The weighting does not fit this round."
ANSWERS = {Instrument.HOUSEHOLD: HouseholdAnswersSchema, Instrument.BUSINESS: BusinessAnswersSchema}


def configured(survey_round: Round) -> dict[str, Any]:
    """The round's weighting with defaults: psu classes with a sample, none without."""
    stored = survey_round.weighting
    default = NonresponseSpec(ClassKind.PSU if survey_round.has_sample else ClassKind.NONE)
    return {
        "nonresponse": stored.get("nonresponse") or default.to_json(),
        "calibration": stored.get("calibration"),
    }


def _frame_codes(survey_round: Round, variable: str) -> set[str] | None:
    """The codes a variable may take in this round (None: not restricted)."""
    frame = survey_round.frame or {}
    match variable:
        case "district":
            return set(frame["districts"]) if frame else None
        case "commune":
            return set(frame.get("communes") or {}) or None if frame else None
        case "former_province":
            return set(survey_round.coverage)
        case _:
            return set(CODES[variable])


def field_path(path: FieldPath) -> str:
    """An engine field (`calibration.margins.0`) as the round's errors name it."""
    return ".".join(("weighting", *(str(part) for part in path)))


def spec_problem(error: SpecError, detail: str = DOES_NOT_FIT) -> Exception:
    """The engine's refusal as 422 under the field it names, with the engine's message."""
    return invalid({field_path(error.path): [str(error)]}, detail)


def round_variables(survey_round: Round) -> set[str]:
    """The variables a margin of this round may cross."""
    known = set(BY_DIMENSIONS[survey_round.instrument])
    if survey_round.geography is not None:
        known.add("former_province")
    return known


def numeric_answers(instrument: str) -> set[str]:
    """The instrument's counts (household members, employees): a numeric margin's variables."""
    schema = ANSWERS[Instrument(instrument)]()
    return {name for name, field in schema.fields.items() if isinstance(field, Count)}


def _code_errors(survey_round: Round, spec: CalibrationSpec) -> dict[str, list[str]]:
    """Categories that are no code of this round (its frame, coverage or code lists)."""
    errors: dict[str, list[str]] = {}
    for index, margin in enumerate(spec.margins):
        if margin.numeric:
            continue
        codes = [_frame_codes(survey_round, v) for v in margin.variables]
        for key in margin.totals:
            parts = Margin.categories(key)
            for variable, part, allowed in zip(margin.variables, parts, codes, strict=True):
                if allowed is not None and part not in allowed:
                    path = field_path(("calibration", "margins", index, "totals", key))
                    errors[path] = [f"{part!r} is not a {variable} of this round."]
    return errors


def check_calibration(survey_round: Round, calibration: Mapping[str, Any]) -> None:
    """The engine's rules, then the round's: its variables and its codes (else 422)."""
    try:
        spec = CalibrationSpec.from_json(calibration)
        spec.check_variables(
            round_variables(survey_round), numeric_answers(survey_round.instrument)
        )
    except SpecError as error:
        raise spec_problem(error) from error
    errors = _code_errors(survey_round, spec)
    if errors:
        raise invalid(errors, DOES_NOT_FIT)


def check_weighting(survey_round: Round, weighting: Mapping[str, Any]) -> dict[str, Any]:
    """The weighting to store, or 422 naming the margin or class (the round is unchanged)."""
    nonresponse = weighting.get("nonresponse")
    if not survey_round.has_sample and nonresponse and nonresponse["classes"] != ClassKind.NONE:
        message = "A round without a sample has no outcomes to adjust: classes must be none."
        raise invalid({"weighting.nonresponse.classes": [message]})
    calibration = weighting.get("calibration")
    if calibration:
        refuse_two_stage_calibration(survey_round)
        check_calibration(survey_round, calibration)
    return {"nonresponse": nonresponse, "calibration": calibration}


def numeric_variables(survey_round: Round) -> tuple[str, ...]:
    """The variables of the round's numeric margins (none: its cells suffice)."""
    calibration = configured(survey_round)["calibration"]
    if not calibration:
        return ()
    try:
        return CalibrationSpec.from_json(calibration).numeric_variables
    except SpecError:  # refused with its field where the round is calibrated
        return ()


TWO_STAGE_CALIBRATION = (
    "A two-stage design is not calibrated (not done yet): set stages to 1, or leave out the "
    "calibration; the non-response step and the input weights are estimated with both stages."
)


def refuse_two_stage_calibration(survey_round: Round) -> None:
    """422 naming `design.stages`: calibration with two stages is a documented departure."""
    if survey_round.design.two_stage:
        raise invalid({"design.stages": [TWO_STAGE_CALIBRATION]})


def applied_mode(survey_round: Round, requested: str | None) -> WeightingMode:
    """The steps an estimate applies: as requested, else every configured step."""
    calibrated = configured(survey_round)["calibration"] is not None
    if requested is None:
        return WeightingMode.CALIBRATED if calibrated else WeightingMode.NONRESPONSE
    mode = WeightingMode(requested)
    if mode is WeightingMode.CALIBRATED:  # a two-stage round has no calibration configured
        refuse_two_stage_calibration(survey_round)
    if mode is WeightingMode.CALIBRATED and not calibrated:
        message = f"Round {survey_round.id!r} has no calibration configured."
        raise invalid({"weighting": [message]})
    return mode


def weighting_block(
    survey_round: Round, mode: WeightingMode, nonresponse: str | None, provisional: bool
) -> dict[str, Any]:
    """The `weighting` block of an estimates answer; `nonresponse`: the classes applied (None:
    the input weights; `none` on a sample round is one class for the whole round)."""
    calibration = configured(survey_round)["calibration"]
    return {
        "input": WeightInput.SAMPLE if survey_round.has_sample else WeightInput.SUBMITTED,
        "nonresponse": nonresponse,
        "calibration": calibration["method"] if mode is WeightingMode.CALIBRATED else None,
        "provisional": provisional,
    }
