"""The estimates report under a round's weighting (docs/design.md §9)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalogue import Indicator
from service.cells.sums import cell_sums
from service.estimates.report import estimates_report
from service.weighting.calibrated import (
    calibrate_classes,
    calibrated_estimator,
    per_cell,
    unit_classes,
)
from service.weighting.nonresponse import SampleOutcomes, adjusted_cells
from service.weighting.spec import WeightingMode, configured, weighting_block


def weighted_report(
    round_doc: dict[str, Any],
    version: int,
    cells: Sequence[dict[str, Any]],
    indicators: list[Indicator],
    query: dict[str, Any],
    mode: WeightingMode,
    outcomes: SampleOutcomes | None,
) -> dict[str, Any]:
    """Estimates on the (non-response adjusted) cells, or calibrated from their unit classes.

    A round without submissions has nothing to calibrate: its results are empty either way.
    """
    instrument, by = round_doc["instrument"], query["by"]
    adjusted = adjusted_cells(round_doc, cells, mode, outcomes)
    cells = adjusted.cells
    block = weighting_block(round_doc, mode, adjusted.classes, adjusted.provisional)
    options = (by, query["ci"], query["level"], block)
    if mode is not WeightingMode.CALIBRATED or not cells:
        sums = cell_sums(instrument, cells, indicators, by)
        return estimates_report(round_doc, version, sums, indicators, *options)
    rows = per_cell(instrument, cells, indicators, by)
    classes = unit_classes(instrument, cells)
    calibrated = calibrate_classes(configured(round_doc)["calibration"], classes)
    estimator = calibrated_estimator(rows, classes, calibrated)
    return estimates_report(round_doc, version, rows, indicators, *options, estimator)
