"""The raw-row path to calibrated estimates (the CLI and the R goldens, docs/design.md §9).

Rows are reduced to the same inputs the service hands over: calibration cells with ``Σd``
and one :class:`CellTotals` row per unit, so the goldens exercise the service's code path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from scoring.codes import (
    LabelsLike,
    as_label_array,
    compact,
    factorize,
    missing_labels,
    python_label,
)
from scoring.design import Design
from scoring.domains import WHOLE_POPULATION
from scoring.errors import ScoringError
from scoring.estimands import Estimand, Kind
from scoring.intervals import CiMethod
from scoring.results import Result
from scoring.weights.calibration import Calibrated, CalibrationSpec, calibrate
from scoring.weights.estimates import CellTotals, estimate_calibrated

ArrayLike = Sequence[object] | np.ndarray


def calibration_cells(
    variables: Mapping[str, LabelsLike],
    names: Sequence[str],
    n_rows: int,
    numeric: Sequence[str] = (),
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each row's calibration cell (distinct label combination) and each cell's labels.

    A ``numeric`` variable splits cells by its distinct values (g depends on the value).
    """
    key = np.zeros(n_rows, dtype=np.int64)
    levels = {}
    for name in names:
        if name in numeric:
            codes, levels[name] = _numeric_levels(variables[name], name, n_rows)
            key = key * np.int64(levels[name].shape[0]) + codes
            continue
        labels = as_label_array(variables[name], name, n_rows)
        if missing_labels(labels).any():
            raise ScoringError(f"calibration variable {name!r} has missing values")
        codes, levels[name] = factorize(labels)
        key = key * np.int64(levels[name].shape[0]) + codes
    size = int(np.prod([lv.shape[0] for lv in levels.values()], dtype=np.int64))
    cells, index = compact(key, size)
    labels_of_cell = {}
    for name in reversed(names):
        width = np.int64(levels[name].shape[0])
        labels_of_cell[name] = levels[name][cells % width]
        cells = cells // width
    return index, labels_of_cell


def _numeric_levels(values: LabelsLike, name: str, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        numbers = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ScoringError(f"calibration variable {name!r} must be numbers") from None
    if numbers.shape != (n_rows,) or not np.all(np.isfinite(numbers)):
        raise ScoringError(f"calibration variable {name!r} must be a number in every row")
    levels, codes = np.unique(numbers, return_inverse=True)
    return codes.astype(np.int64), levels


def row_totals(
    design: Design,
    estimand: Estimand,
    cell: np.ndarray,
    domain: ArrayLike | None,
    psu: ArrayLike | None = None,
) -> CellTotals:
    """One :class:`CellTotals` row per unit, and one empty row per unit without a value.

    A unit without a value is outside every domain (its ``Σd`` still enters the calibration
    residuals) and leaves an empty row (``n = 0``, ``rows = 1``, no weight) in its domain, so
    that its PSU counts in the domain's df as R's ``degf`` of the domain counts it. ``psu``
    labels the rows' PSUs (default: the design's PSU codes).
    """
    n_rows = design.n_rows
    if estimand.y.shape[0] != n_rows:
        raise ScoringError(f"the variable has {estimand.y.shape[0]} rows, the design {n_rows}")
    missing = estimand.missing()
    if domain is None:
        labels = np.full(n_rows, WHOLE_POPULATION, dtype=object)
    else:
        labels = as_label_array(domain, "domain", n_rows).astype(object)
    empty = np.flatnonzero(missing)
    empty_labels = labels[empty]
    labels[missing] = None
    d = design.weights
    y = np.where(missing, 0.0, estimand.y)
    x = np.zeros(n_rows) if estimand.x is None else np.where(missing, 0.0, estimand.x)
    member = estimand.kind is Kind.MEMBER_PROPORTION
    n = x if member else np.ones(n_rows)
    sums = {
        "sd": d,
        "sdy": d * y,
        "sdx": d * x,
        "sdyy": d * y if member else d * y * y,
        "sdxy": d * x * y,
        "sdxx": d * x * x,
    }
    zeros = np.zeros(empty.shape[0])
    stratum = design.stratum_labels[design.stratum_codes]
    psu_labels = design.psu_codes if psu is None else np.asarray(psu)
    return CellTotals(
        stratum=np.concatenate([stratum, stratum[empty]]),
        psu=np.concatenate([psu_labels, psu_labels[empty]]),
        cell=np.concatenate([cell, cell[empty]]),
        domain=np.concatenate([labels, empty_labels]),
        n=np.concatenate([n, zeros]),
        rows=np.concatenate([n, np.ones(empty.shape[0])]),
        **{name: np.concatenate([values, zeros]) for name, values in sums.items()},
    )


def estimate_calibrated_rows(
    design: Design,
    estimand: Estimand,
    spec: CalibrationSpec,
    variables: Mapping[str, LabelsLike],
    domain: ArrayLike | None = None,
    ci: str | CiMethod = "logit",
    level: float = 0.95,
    calibration: tuple[np.ndarray, Calibrated] | None = None,
) -> list[Result]:
    """Calibrate ``design.weights`` (the input weight d) on ``variables`` and estimate.

    ``calibration``: :func:`calibrate_rows`'s answer for this design, to calibrate once
    for several estimands.
    """
    cell, calibrated = calibration or calibrate_rows(design, spec, variables)
    totals = row_totals(design, estimand, cell, domain)
    fpc = None
    if design.fpc is not None:  # R: svyrecvar's (1 − f_h) on the calibration residuals
        labels_fpc = zip(design.stratum_labels, design.fpc.values, strict=True)
        fpc = {python_label(label): float(value) for label, value in labels_fpc}
    results = estimate_calibrated(
        totals,
        calibrated,
        estimand.kind,
        fpc=fpc,
        lonely_psu=design.lonely_psu,
        ci=ci,
        level=level,
    )
    if domain is None:
        return [dataclasses.replace(r, domain=None) for r in results]
    return results


def calibrate_rows(
    design: Design, spec: CalibrationSpec, variables: Mapping[str, LabelsLike]
) -> tuple[np.ndarray, Calibrated]:
    """Each row's calibration cell and the cells' g: the final weight of row i is
    ``design.weights[i] · g[cell[i]]``."""
    spec.check_variables(variables)
    cell, labels = calibration_cells(
        variables, spec.variables, design.n_rows, spec.numeric_variables
    )
    return cell, calibrate(spec, labels, np.bincount(cell, weights=design.weights))
