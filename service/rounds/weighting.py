"""A round's `weighting`: checked against the round, stored with defaults, and which steps an
estimate applies (docs/design.md §9)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalogue import BY_DIMENSIONS
from schemas.submissions import BUSINESS_TYPES, VSIC_SECTIONS
from schemas.weighting import KEY_SEPARATOR, WeightingMode, WeightInput
from scoring import ScoringError
from scoring.weights import CalibrationSpec, ClassKind
from service.domain.errors import invalid
from service.domain.round import Round

NONE_CLASSES = {"classes": ClassKind.NONE, "min_respondents": 2, "max_factor": 3.0}
SAMPLE_CLASSES = {"classes": ClassKind.PSU, "min_respondents": 2, "max_factor": 3.0}
FIXED_CODES: dict[str, tuple[str, ...]] = {
    "area": ("urban", "rural"),
    "type": BUSINESS_TYPES,
    "sector": VSIC_SECTIONS,
}


def configured(survey_round: Round) -> dict[str, Any]:
    """The round's weighting with defaults: psu classes with a sample, none without."""
    stored = survey_round.weighting
    default = SAMPLE_CLASSES if survey_round.has_sample else NONE_CLASSES
    return {
        "nonresponse": stored.get("nonresponse") or default,
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
            return set(FIXED_CODES[variable])


def _margin_errors(survey_round: Round, index: int, margin: dict[str, Any]) -> dict[str, list[str]]:
    path = f"weighting.calibration.margins.{index}"
    variables = margin["variables"]
    known = set(BY_DIMENSIONS[survey_round.instrument])
    if survey_round.geography is not None:
        known.add("former_province")
    lacking = [v for v in variables if v not in known]
    if lacking:
        message = f"The {survey_round.instrument} instrument has no {lacking[0]!r} variable."
        return {f"{path}.variables": [message]}
    codes = [_frame_codes(survey_round, v) for v in variables]
    errors: dict[str, list[str]] = {}
    for key in margin["totals"]:
        for variable, part, allowed in zip(variables, key.split(KEY_SEPARATOR), codes, strict=True):
            if allowed is not None and part not in allowed:
                errors[f"{path}.totals.{key}"] = [f"{part!r} is not a {variable} of this round."]
    return errors


def check_weighting(survey_round: Round, weighting: Mapping[str, Any]) -> dict[str, Any]:
    """The weighting to store, or 422 naming the margin or class (the round is unchanged)."""
    nonresponse = weighting.get("nonresponse")
    if not survey_round.has_sample and nonresponse and nonresponse["classes"] != ClassKind.NONE:
        message = "A round without a sample has no outcomes to adjust: classes must be none."
        raise invalid({"weighting.nonresponse.classes": [message]})
    calibration = weighting.get("calibration")
    errors: dict[str, list[str]] = {}
    if calibration:
        for index, margin in enumerate(calibration["margins"]):
            errors |= _margin_errors(survey_round, index, margin)
    if errors:
        raise invalid(errors, "The weighting does not fit this round.")
    if calibration:
        try:
            CalibrationSpec.from_json(calibration)  # the engine's own checks, met above so far
        except ScoringError as error:
            raise invalid({"weighting.calibration": [str(error)]}) from error
    return {"nonresponse": nonresponse, "calibration": calibration}


def applied_mode(survey_round: Round, requested: str | None) -> WeightingMode:
    """The steps an estimate applies: as requested, else every configured step."""
    calibrated = configured(survey_round)["calibration"] is not None
    if requested is None:
        return WeightingMode.CALIBRATED if calibrated else WeightingMode.NONRESPONSE
    mode = WeightingMode(requested)
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
