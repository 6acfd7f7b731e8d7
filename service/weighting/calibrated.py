"""Calibrated estimates from a round's cells (docs/design.md §9): never raw rows.

A cell is stratum × PSU × unit class (district, commune, area[, type, sector]); margins are
categorical, so g depends on the unit class only. The classes with their Σw are the
calibration cells; each round cell is one PSU × class × domain row of the engine's
`CellTotals`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue import BY_DIMENSIONS, Indicator
from catalogue.geography import former_provinces
from scoring import Result, ScoringError
from scoring.weights import (
    Calibrated,
    CalibrationError,
    CalibrationSpec,
    CellTotals,
    SpecError,
    calibrate,
    estimate_calibrated,
)
from service.cells.contributions import moment_fields
from service.cells.domains import FORMER_PROVINCE, UNMAPPED, Domain
from service.cells.sums import CellSums, psu_totals
from service.domain.cells import CellKey, parse_keys
from service.domain.errors import invalid
from service.domain.estimator import Estimator
from service.domain.round import Round
from service.rounds.weighting import configured, field_path, spec_problem
from service.weighting.units import NUMERIC


@dataclass(frozen=True)
class UnitClasses:
    """Each round cell's unit class and, per class, its labels and Σw."""

    of_cell: np.ndarray  # class index per round cell
    labels: dict[str, np.ndarray]  # variable → label per class
    sw: np.ndarray  # Σw per class
    n: np.ndarray  # units per class


def unit_classes(survey_round: Round, cells: Sequence[dict[str, Any]]) -> UnitClasses:
    """The distinct unit classes of the round's cells (the key after stratum and PSU, and the
    values of numeric margins' variables in unit cells), with each class's former province
    where the round has a geography."""
    variables = BY_DIMENSIONS[survey_round.instrument]
    numeric = sorted(cells[0].get(NUMERIC, {})) if cells else []
    keys = parse_keys(cell["cell"] for cell in cells)  # the weights' units share their keys
    class_of_cell = [
        (*keys[cell["cell"]].dimensions, *(float(cell[NUMERIC][v]) for v in numeric))
        for cell in cells
    ]
    unique = sorted(set(class_of_cell))
    position = {key: i for i, key in enumerate(unique)}
    of_cell = np.array([position[key] for key in class_of_cell], dtype=np.int64)
    labels = {v: np.array([c[i] for c in unique], dtype=object) for i, v in enumerate(variables)}
    for i, v in enumerate(numeric, start=len(variables)):
        labels[v] = np.array([c[i] for c in unique], dtype=float)
    if survey_round.geography is not None:
        former = former_provinces(survey_round.geography)
        commune = labels["commune"]
        labels[FORMER_PROVINCE] = np.array([former.get(c, UNMAPPED) for c in commune], dtype=object)
    sw = np.zeros(len(unique))
    n = np.zeros(len(unique))
    np.add.at(sw, of_cell, [float(cell.get("w", 0.0)) for cell in cells])
    np.add.at(n, of_cell, [float(cell.get("n", 0)) for cell in cells])
    return UnitClasses(of_cell, labels, sw, n)


def calibration_problem(error: CalibrationError, calibration: dict[str, Any]) -> Exception:
    """A calibration the data cannot meet → 422 naming the margin (and category)."""
    path = field_path(CalibrationSpec.from_json(calibration).path_of(error))
    return invalid({path: [str(error)]}, f"The round's calibration cannot be done: {error}")


def calibrate_classes(calibration: dict[str, Any], classes: UnitClasses) -> Calibrated:
    """g per unit class, or 422 naming the margin."""
    try:
        return calibrate(CalibrationSpec.from_json(calibration), classes.labels, classes.sw)
    except CalibrationError as error:
        raise calibration_problem(error, calibration) from error
    except SpecError as error:  # a stored calibration the engine refuses: never a 500
        raise spec_problem(error, "The round's calibration cannot be done.") from error
    except ScoringError as error:
        raise invalid({"weighting.calibration": [str(error)]}) from error


def per_cell(
    instrument: str,
    cells: Sequence[dict[str, Any]],
    indicators: Sequence[Indicator],
    domain: Domain | None,
) -> CellSums:
    """The round's cells one by one (not summed over classes), in their given order."""
    names = moment_fields(list(indicators))
    keys = [CellKey.parse(cell["cell"]) for cell in cells]  # distinct per cell: one parse each
    return CellSums(
        stratum=[key.stratum for key in keys],
        psu=[key.psu for key in keys],
        domain=[domain.label(key) for key in keys] if domain is not None else [None] * len(keys),
        rows=np.array([float(cell.get("n", 0)) for cell in cells]),
        sw=np.array([float(cell.get("w", 0.0)) for cell in cells]),
        moments={name: np.array([float(cell.get(name, 0.0)) for cell in cells]) for name in names},
    )


@dataclass(frozen=True)
class CalibratedCells:
    """A calibrated round's cells one by one, their unit classes and g per class."""

    rows: CellSums  # the round's cells, in order (`per_cell`)
    classes: UnitClasses
    calibrated: Calibrated

    def totals(self, indicator: Indicator) -> CellTotals:
        """The engine's PSU × class × domain rows for one indicator (docs/design.md §9a)."""
        totals = psu_totals(self.rows, indicator)
        return CellTotals(
            stratum=totals.stratum,
            psu=totals.psu,
            cell=self.classes.of_cell,
            domain=totals.domain,
            n=totals.n,
            sd=totals.sw,
            sdy=totals.swy,
            sdx=totals.swx,
            sdyy=totals.swyy,
        )


def calibrated_cells(
    survey_round: Round,
    cells: Sequence[dict[str, Any]],
    indicators: Sequence[Indicator],
    domain: Domain | None,
) -> CalibratedCells:
    """The round's (non-response adjusted) cells calibrated with its margins, or 422."""
    classes = unit_classes(survey_round, cells)
    calibrated = calibrate_classes(configured(survey_round)["calibration"], classes)
    return CalibratedCells(
        per_cell(survey_round.instrument, cells, indicators, domain), classes, calibrated
    )


def calibrated_estimator(calibration: CalibratedCells) -> Callable[[Indicator], Estimator]:
    """For each indicator, the engine call giving its calibrated estimates."""

    def for_indicator(indicator: Indicator) -> Estimator:
        rows = calibration.totals(indicator)

        def estimate(kind: Any, **options: Any) -> list[Result]:
            return estimate_calibrated(rows, calibration.calibrated, kind, **options)

        return estimate

    return for_indicator
