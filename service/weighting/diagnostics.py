"""`GET …/weights` (docs/design.md §9): the summary of a round's final weights and the
per-unit table. Final weight = d · non-response factor · g.

Both read each unit's weight (an admin export, not an estimate): the cells keep Σw per
class but not Σw², the smallest or the largest weight, which the summary needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.weights import WeightCells, summarize
from service.domain.cells import CellKey, parse_keys
from service.domain.round import Round
from service.rounds.weighting import configured, numeric_variables
from service.store import get_store
from service.weighting.calibrated import UnitClasses, calibrate_classes, unit_classes
from service.weighting.nonresponse import SampleFactors, read_outcomes, sample_factors
from service.weighting.units import NUMERIC

UNIT_COLUMNS = (
    "submission_id",
    "assignment_id",
    "stratum",
    "psu",
    "input_weight",
    "nonresponse_factor",
    "g",
    "final_weight",
)


@dataclass(frozen=True)
class UnitWeights:
    """Every unit carrying weight with its input weight, non-response factor, class and g."""

    units: list[dict[str, Any]]
    keys: dict[str, CellKey]  # the units' cell keys, parsed
    inputs: np.ndarray  # d
    factors: np.ndarray  # the non-response factor (ones without a sample)
    classes: UnitClasses  # calibration classes, with Σ of the non-response adjusted weights
    g: np.ndarray  # per class (ones without calibration)
    margins: list[dict[str, Any]]
    nonresponse: SampleFactors | None  # None: a round without a sample

    @property
    def weights(self) -> np.ndarray:
        """The non-response adjusted weights ``d · factor``."""
        weights: np.ndarray = self.inputs * self.factors
        return weights


def nonresponse_of(
    survey_round: Round, units: list[dict[str, Any]], keys: dict[str, CellKey]
) -> tuple[list[dict[str, Any]], np.ndarray, SampleFactors | None]:
    """The units that carry weight after the non-response step, their factors and the step
    (`keys`: the units' cell keys, parsed)."""
    outcomes = read_outcomes(get_store(), survey_round)
    if outcomes is None:
        return units, np.ones(len(units)), None
    step = sample_factors(survey_round, outcomes)
    factors = np.array([step.of(keys[unit["agg"]["cell"]]) for unit in units])
    kept = [unit for unit, factor in zip(units, factors, strict=True) if factor > 0]
    return kept, factors[factors > 0], step


def unit_weights(survey_round: Round) -> UnitWeights:
    """The round's units and weights under its configured weighting (422 when its
    calibration cannot be done)."""
    numeric = numeric_variables(survey_round)
    found = list(get_store().submissions.unit_weights(survey_round.id, numeric))
    keys = parse_keys(unit["agg"]["cell"] for unit in found)
    units, factors, step = nonresponse_of(survey_round, found, keys)
    inputs = np.array([float(u["agg"]["w"]) for u in units])
    as_cells = [
        {"cell": u["agg"]["cell"], "w": w, "n": 1}
        | ({NUMERIC: {v: float(u["answers"][v]) for v in numeric}} if numeric else {})
        for u, w in zip(units, inputs * factors, strict=True)
    ]
    classes = unit_classes(survey_round, as_cells)
    calibration = configured(survey_round)["calibration"]
    g, margins = np.ones(classes.sw.shape[0]), []
    if calibration is not None and units:
        calibrated = calibrate_classes(calibration, classes)
        g = calibrated.g
        margins = [
            {
                "variables": list(category.variables),
                "key": category.key,
                "total": category.total,
                "achieved": category.achieved,
            }
            for category in calibrated.categories
        ]
    return UnitWeights(units, keys, inputs, factors, classes, g, margins, step)


def nonresponse_summary(step: SampleFactors | None) -> dict[str, Any]:
    """The sampled units, their Σd, the non-response classes and warnings (none without a
    sample: `n_units` is then the submissions in estimates)."""
    if step is None:
        return {"classes": [], "warnings": []}
    classes = [
        {
            "cls": item.label,  # shown as `class` (schemas/weights.py)
            "eligible": item.eligible,
            "completed": item.completed,
            "unknown_factor": item.unknown_factor,
            "response_factor": item.response_factor,
            "factor": item.factor,
        }
        for item in step.adjustment.classes
    ]
    return {
        "n_units": step.outcomes.n_units,
        "sum_sample": step.outcomes.sum_input,
        "classes": classes,
        "warnings": list(step.adjustment.warnings),
    }


def weight_cells(found: UnitWeights) -> WeightCells:
    """Per calibration class: units, Σd, Σw_nr, Σw_nr², the smallest and largest w_nr."""
    of_unit, w, n_classes = found.classes.of_cell, found.weights, found.classes.sw.shape[0]
    inputs, squares = np.zeros(n_classes), np.zeros(n_classes)
    np.add.at(inputs, of_unit, found.inputs)
    np.add.at(squares, of_unit, w * w)
    low, high = np.full(n_classes, np.inf), np.full(n_classes, -np.inf)
    np.minimum.at(low, of_unit, w)
    np.maximum.at(high, of_unit, w)
    return WeightCells(found.classes.n, inputs, found.classes.sw, squares, low, high)


def weights_summary(survey_round: Round) -> dict[str, Any]:
    """The §9 diagnostics of the final weights."""
    found = unit_weights(survey_round)
    summary: dict[str, Any] = {
        "n_units": len(found.units),
        "n_respondents": 0,
        "sum_sample": None,
        "sum_input": 0.0,
        "sum_final": 0.0,
        "min": None,
        "max": None,
        "cv": None,
        "kish_deff": None,
        "g": {"min": None, "max": None},
        "margins": found.margins,
    } | nonresponse_summary(found.nonresponse)
    if not found.units:
        return summary
    result = summarize(weight_cells(found), found.g)
    return summary | {
        "n_respondents": result.n_respondents,
        "sum_input": result.sum_input,
        "sum_final": result.sum_final,
        "min": result.min,
        "max": result.max,
        "cv": result.cv,
        "kish_deff": result.kish_deff,
        "g": {"min": result.g_min, "max": result.g_max},
    }


def unit_rows(survey_round: Round) -> Iterator[dict[str, Any]]:
    """One row per unit: its design, input weight, non-response factor, g and final weight."""
    found = unit_weights(survey_round)
    rows = zip(found.units, found.inputs, found.factors, found.classes.of_cell, strict=True)
    for unit, weight, factor, klass in rows:
        key = found.keys[unit["agg"]["cell"]]
        g = float(found.g[klass])
        yield {
            "submission_id": unit["submission_id"],
            "assignment_id": unit.get("assignment_id"),
            "stratum": key.stratum,
            "psu": key.psu,
            "input_weight": float(weight),
            "nonresponse_factor": float(factor),
            "g": g,
            "final_weight": float(weight * factor) * g,
        }
