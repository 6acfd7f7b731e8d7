"""Weighting: non-response adjustment, calibration and calibrated variance (docs/design.md §9).

``nonresponse`` (two-step class factors) → ``certainty`` (the variance design of take-all
PSUs) → ``calibration`` (g per calibration cell, and the residual step of the variance) →
``estimates`` (the §6 chain on PSU × calibration cell × domain sums); ``diagnostics`` sums
up the final weights; ``rows`` reduces raw rows to those sums for the CLI and the goldens.
"""

from catalogue.outcomes import Outcome
from scoring.weights.calibration import (
    KEY_SEPARATOR,
    Calibrated,
    CalibrationError,
    CalibrationMethod,
    CalibrationResidual,
    CalibrationSpec,
    CategoryWithoutTotal,
    InconsistentTotals,
    InfeasibleBounds,
    Margin,
    MarginSumsDiffer,
    NotConverged,
    TotalWithoutRespondent,
    calibrate,
    margin_name,
)
from scoring.weights.certainty import variance_design
from scoring.weights.diagnostics import WeightCells, WeightSummary, summarize
from scoring.weights.estimates import CellTotals, estimate_calibrated
from scoring.weights.nonresponse import (
    Adjustment,
    ClassKind,
    NonresponseSpec,
    OutcomeSums,
    adjust,
    adjusted_weights,
)
from scoring.weights.rows import calibrate_rows, estimate_calibrated_rows
from scoring.weights.spec_error import FieldPath, SpecError, field_name

__all__ = [
    "KEY_SEPARATOR",
    "Adjustment",
    "Calibrated",
    "CalibrationError",
    "CalibrationMethod",
    "CalibrationResidual",
    "CalibrationSpec",
    "CategoryWithoutTotal",
    "CellTotals",
    "ClassKind",
    "FieldPath",
    "InconsistentTotals",
    "InfeasibleBounds",
    "Margin",
    "MarginSumsDiffer",
    "NonresponseSpec",
    "NotConverged",
    "Outcome",
    "OutcomeSums",
    "SpecError",
    "TotalWithoutRespondent",
    "WeightCells",
    "WeightSummary",
    "adjust",
    "adjusted_weights",
    "calibrate",
    "calibrate_rows",
    "estimate_calibrated",
    "estimate_calibrated_rows",
    "field_name",
    "margin_name",
    "summarize",
    "variance_design",
]
