"""Estimates under calibrated weights, from PSU × calibration cell × domain sums.

See docs/design.md §9.

The service hands over, per estimand, one row per PSU × calibration cell × domain with sums
of the *pre-calibration* weight d (:class:`CellTotals`) and the :class:`Calibrated` g per
cell. Every responding unit must be in some row: rows outside every domain (``domain``
``None``) still carry their ``Σd``, which the calibration residuals and ``n_h`` need.

- point estimates, ``population`` and ``deff`` come from the calibrated sums ``g·Σd…``,
  summed to PSU × domain cells (:func:`scoring.sufficient.cells_from_totals`);
- the scores are replaced by calibration residuals (:class:`CalibrationResidual`), built
  from the same rows so that PSU codes agree;
- everything else is the §6 chain (:func:`scoring.estimation.estimate_cells`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from scoring.codes import python_label
from scoring.errors import ScoringError
from scoring.estimands import Kind
from scoring.estimation import estimate_from_totals
from scoring.results import Result
from scoring.sufficient import Cells, PsuTotals, cells_from_totals
from scoring.weights.calibration import Calibrated, CalibrationResidual

ArrayLike = Sequence[object] | np.ndarray


@dataclass(frozen=True)
class CellTotals:
    """One row per PSU × calibration cell × domain (arrays of equal length).

    ``cell``: index into the :class:`Calibrated` cells; ``sd = Σd``, ``sdy = Σd·y``,
    ``sdx = Σd·x``, ``sdyy = Σd·y²`` with d the non-response-adjusted weight; ``stratum``,
    ``psu``, ``domain`` and ``n`` as in :class:`scoring.PsuTotals` (for a member proportion
    ``sdy = Σd·count``, ``sdx = Σd·size``, ``n = Σ size``, ``sdyy = sdy``). ``sdxy = Σd·x·y``
    and ``sdxx = Σd·x²`` give a ratio its design effect; ``rows`` (default ``n``) counts the
    units with or without a value, so that a PSU whose units all miss the variable still
    counts in its domain's df (R ``degf`` of the domain, ``na.rm`` inside the estimate).
    """

    stratum: ArrayLike
    psu: ArrayLike
    cell: ArrayLike
    domain: ArrayLike
    n: ArrayLike
    sd: ArrayLike
    sdy: ArrayLike
    sdx: ArrayLike | None = None
    sdyy: ArrayLike | None = None
    sdxy: ArrayLike | None = None
    sdxx: ArrayLike | None = None
    rows: ArrayLike | None = None

    def calibrated(self, g: np.ndarray) -> PsuTotals:
        """The same rows with the calibrated weight ``w = g·d``: ``Σw = g·Σd`` and so on."""
        return PsuTotals(
            stratum=self.stratum,
            psu=self.psu,
            domain=self.domain,
            n=self.n,
            sw=g * _numbers(self.sd),
            swy=g * _numbers(self.sdy),
            swx=None if self.sdx is None else g * _numbers(self.sdx),
            swyy=None if self.sdyy is None else g * _numbers(self.sdyy),
            swxy=None if self.sdxy is None else g * _numbers(self.sdxy),
            swxx=None if self.sdxx is None else g * _numbers(self.sdxx),
            rows=self.rows,
        )


def estimate_calibrated(
    totals: CellTotals, calibrated: Calibrated, kind: str | Kind, **options: Any
) -> list[Result]:
    """Estimates per domain under the calibrated weights, with R's calibrated variance.

    ``options``: ``fpc``, ``lonely_psu``, ``ci``, ``level`` of
    :func:`scoring.estimate_from_totals`.
    """
    cell = _cell_index(totals.cell, calibrated.g.shape[0])
    return estimate_from_totals(
        totals.calibrated(calibrated.g[cell]),
        kind,
        residual=partial(calibration_residual, totals, cell, calibrated),
        **options,
    )


def calibration_residual(
    totals: CellTotals, cell: np.ndarray, calibrated: Calibrated, cells: Cells
) -> CalibrationResidual:
    """The residual step's inputs: PSU × cell ``Σd`` and cell × domain d-weighted sums."""
    sd = _numbers(totals.sd)
    psu_cells = cells_from_totals(
        PsuTotals(totals.stratum, totals.psu, cell, _numbers(totals.n), sd, np.zeros_like(sd))
    )
    domain = _domain_codes(totals.domain, cells.domain_labels)
    inside = np.flatnonzero(domain >= 0)
    zeros = np.zeros_like(sd)
    sdx = zeros if totals.sdx is None else _numbers(totals.sdx)
    return CalibrationResidual(
        calibrated=calibrated,
        psu=psu_cells.psu,
        stratum=psu_cells.stratum,
        cell=np.asarray([python_label(c) for c in psu_cells.domain_labels])[psu_cells.domain],
        d=psu_cells.sw,
        domain_cell=cell[inside],
        domain=domain[inside],
        sd=sd[inside],
        sdy=_numbers(totals.sdy)[inside],
        sdx=sdx[inside],
        n_strata=cells.n_strata,
        n_rows=round(float(np.sum(psu_cells.n))),
    )


def _domain_codes(domain: ArrayLike, labels: np.ndarray) -> np.ndarray:
    """Each row's code among the estimate's sorted domain ``labels`` (−1: outside all)."""
    values = [python_label(v) for v in np.asarray(domain, dtype=object)]
    if labels.shape[0] == 1 and labels[0] is None:
        return np.zeros(len(values), dtype=np.int64)
    code = {label: i for i, label in enumerate(labels)}
    return np.array([code.get(v, -1) for v in values], dtype=np.int64)


def _cell_index(cell: ArrayLike, n_cells: int) -> np.ndarray:
    try:
        index = np.asarray(cell, dtype=np.int64)
    except (TypeError, ValueError):
        raise ScoringError("cell must be integer indices of the calibration cells") from None
    if index.ndim != 1 or np.any(index < 0) or np.any(index >= n_cells):
        raise ScoringError(f"cell must be indices in [0, {n_cells})")
    return index


def _numbers(values: ArrayLike) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ScoringError("cell sums must be numbers") from None
