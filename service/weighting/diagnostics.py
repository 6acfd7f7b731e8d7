"""`GET …/weights` (docs/design.md §9): the summary of a round's final weights and the
per-unit table.

Both read each unit's weight (an admin export, not an estimate): the cells keep Σw per
class but not Σw², the smallest or the largest weight, which the summary needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from scoring.weights import WeightCells, summarize
from service.cells.contributions import SEPARATOR
from service.store import get_store
from service.weighting.calibrated import UnitClasses, calibrate_classes, unit_classes
from service.weighting.spec import configured

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
    """Every unit in estimates with its weight, class, and its class's g."""

    units: list[dict[str, Any]]
    weights: np.ndarray
    classes: UnitClasses
    g: np.ndarray  # per class (ones without calibration)
    margins: list[dict[str, Any]]


def unit_weights(round_doc: dict[str, Any]) -> UnitWeights:
    """The round's units and weights under its configured weighting (422 when its
    calibration cannot be done)."""
    units = list(get_store().submissions.unit_weights(round_doc["_id"]))
    as_cells = [{"cell": u["agg"]["cell"], "w": u["agg"]["w"], "n": 1} for u in units]
    classes = unit_classes(round_doc["instrument"], as_cells)
    calibration = configured(round_doc)["calibration"]
    g, margins = np.ones(classes.sw.shape[0]), []
    if calibration is not None and units:
        calibrated = calibrate_classes(calibration, classes)
        g = calibrated.g
        margins = [
            {
                "variables": category.margin.split(SEPARATOR),
                "key": category.key,
                "total": category.total,
                "achieved": category.achieved,
            }
            for category in calibrated.categories
        ]
    weights = np.array([float(u["agg"]["w"]) for u in units])
    return UnitWeights(units, weights, classes, g, margins)


def weights_summary(round_doc: dict[str, Any]) -> dict[str, Any]:
    """The §9 diagnostics of the final weights."""
    found = unit_weights(round_doc)
    summary: dict[str, Any] = {
        "n_units": len(found.units),
        "n_respondents": 0,
        "sum_input": 0.0,
        "sum_final": 0.0,
        "min": None,
        "max": None,
        "cv": None,
        "kish_deff": None,
        "g": {"min": None, "max": None},
        "classes": [],
        "margins": found.margins,
        "warnings": [],
    }
    if not found.units:
        return summary
    of_unit, w, n_classes = found.classes.of_cell, found.weights, found.classes.sw.shape[0]
    squares = np.zeros(n_classes)
    np.add.at(squares, of_unit, w * w)
    low, high = np.full(n_classes, np.inf), np.full(n_classes, -np.inf)
    np.minimum.at(low, of_unit, w)
    np.maximum.at(high, of_unit, w)
    sums = found.classes.sw
    cells = WeightCells(found.classes.n, sums, sums, squares, low, high)
    result = summarize(cells, found.g)
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


def unit_rows(round_doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per unit: its design, input weight, non-response factor, g and final weight."""
    found = unit_weights(round_doc)
    for unit, weight, klass in zip(found.units, found.weights, found.classes.of_cell, strict=True):
        stratum, psu = unit["agg"]["cell"].split(SEPARATOR)[:2]
        g = float(found.g[klass])
        yield {
            "submission_id": unit["submission_id"],
            "assignment_id": unit.get("assignment_id"),
            "stratum": stratum,
            "psu": psu,
            "input_weight": weight,
            "nonresponse_factor": 1.0,
            "g": g,
            "final_weight": g * weight,
        }
