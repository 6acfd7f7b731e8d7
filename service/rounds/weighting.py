"""A round's `weighting`: checked against the round, stored with defaults, and which steps an
estimate applies (docs/design.md §9)."""

from __future__ import annotations

from typing import Any

from catalogue import BY_DIMENSIONS
from catalogue.geography.rounds import round_coverage, round_geography_id
from schemas.submissions import BUSINESS_TYPES, VSIC_SECTIONS
from schemas.weighting import KEY_SEPARATOR, WeightingMode, WeightInput
from scoring import ScoringError
from scoring.weights import CalibrationSpec, ClassKind
from service.domain.errors import invalid

NONE_CLASSES = {"classes": ClassKind.NONE, "min_respondents": 2, "max_factor": 3.0}
SAMPLE_CLASSES = {"classes": ClassKind.PSU, "min_respondents": 2, "max_factor": 3.0}
FIXED_CODES: dict[str, tuple[str, ...]] = {
    "area": ("urban", "rural"),
    "type": BUSINESS_TYPES,
    "sector": VSIC_SECTIONS,
}


def has_sample(round_doc: dict[str, Any]) -> bool:
    return bool(round_doc.get("sample"))


def configured(round_doc: dict[str, Any]) -> dict[str, Any]:
    """The round's weighting with defaults: psu classes with a sample, none without."""
    stored = round_doc.get("weighting") or {}
    default = SAMPLE_CLASSES if has_sample(round_doc) else NONE_CLASSES
    return {
        "nonresponse": stored.get("nonresponse") or default,
        "calibration": stored.get("calibration"),
    }


def _frame_codes(round_doc: dict[str, Any], variable: str) -> set[str] | None:
    """The codes a variable may take in this round (None: not restricted)."""
    frame = round_doc.get("frame") or {}
    match variable:
        case "district":
            return set(frame["districts"]) if frame else None
        case "commune":
            return set(frame.get("communes") or {}) or None if frame else None
        case "former_province":
            return set(round_coverage(round_doc))
        case _:
            return set(FIXED_CODES[variable])


def _margin_errors(round_doc: dict[str, Any], index: int, margin: dict[str, Any]) -> dict:
    path = f"weighting.calibration.margins.{index}"
    variables = margin["variables"]
    known = set(BY_DIMENSIONS[round_doc["instrument"]])
    if round_geography_id(round_doc) is not None:
        known.add("former_province")
    lacking = [v for v in variables if v not in known]
    if lacking:
        message = f"The {round_doc['instrument']} instrument has no {lacking[0]!r} variable."
        return {f"{path}.variables": [message]}
    codes = [_frame_codes(round_doc, v) for v in variables]
    errors: dict[str, list[str]] = {}
    for key in margin["totals"]:
        for variable, part, allowed in zip(variables, key.split(KEY_SEPARATOR), codes, strict=True):
            if allowed is not None and part not in allowed:
                errors[f"{path}.totals.{key}"] = [f"{part!r} is not a {variable} of this round."]
    return errors


def check_weighting(round_doc: dict[str, Any], weighting: dict[str, Any]) -> dict[str, Any]:
    """The weighting to store, or 422 naming the margin or class (the round is unchanged)."""
    nonresponse = weighting.get("nonresponse")
    if not has_sample(round_doc) and nonresponse and nonresponse["classes"] != ClassKind.NONE:
        message = "A round without a sample has no outcomes to adjust: classes must be none."
        raise invalid({"weighting.nonresponse.classes": [message]})
    calibration = weighting.get("calibration")
    errors: dict[str, list[str]] = {}
    if calibration:
        for index, margin in enumerate(calibration["margins"]):
            errors |= _margin_errors(round_doc, index, margin)
    if errors:
        raise invalid(errors, "The weighting does not fit this round.")
    if calibration:
        try:
            CalibrationSpec.from_json(calibration)  # the engine's own checks, met above so far
        except ScoringError as error:
            raise invalid({"weighting.calibration": [str(error)]}) from error
    return {"nonresponse": nonresponse, "calibration": calibration}


def applied_mode(round_doc: dict[str, Any], requested: str | None) -> WeightingMode:
    """The steps an estimate applies: as requested, else every configured step."""
    calibrated = configured(round_doc)["calibration"] is not None
    if requested is None:
        return WeightingMode.CALIBRATED if calibrated else WeightingMode.NONRESPONSE
    mode = WeightingMode(requested)
    if mode is WeightingMode.CALIBRATED and not calibrated:
        message = f"Round {round_doc['_id']!r} has no calibration configured."
        raise invalid({"weighting": [message]})
    return mode


def weighting_block(
    round_doc: dict[str, Any], mode: WeightingMode, nonresponse: str | None, provisional: bool
) -> dict[str, Any]:
    """The `weighting` block of an estimates answer; `nonresponse`: the classes applied (None:
    the input weights; `none` on a sample round is one class for the whole round)."""
    calibration = configured(round_doc)["calibration"]
    return {
        "input": WeightInput.SAMPLE if has_sample(round_doc) else WeightInput.SUBMITTED,
        "nonresponse": nonresponse,
        "calibration": calibration["method"] if mode is WeightingMode.CALIBRATED else None,
        "provisional": provisional,
    }
