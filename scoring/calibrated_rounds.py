"""Calibrated rounds in a change: each round's own g and its own calibration residuals.

docs/design.md §10: the stack is calibrated with every margin of each round crossed by round
(R ``calibrate(stack, ~ round:district + round:area …)``). Those constraints separate by
round, so the stacked calibration gives each round exactly the g of calibrating it alone, and
the least-squares fit of ``svyrecvar``'s residual step (``qr.resid`` on the stack's
block-diagonal indicator matrix) is each round's own fit. A round's contribution to the
difference's PSU scores is therefore its residualised scores (scoring/weights/calibration.py,
docs/design.md §9):

    Z'_jd = Z_jd − Σ_k g_k · D_jk · x_k'β_d

with ``D_jk = Σd`` of PSU j in calibration cell k over *all* responding units (in the domain
or not) and ``β_d`` the d-weighted least-squares coefficients of ``u = z/w`` on the margin
indicators (:meth:`Calibrated.fitted`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from scoring.arrays import FloatArray, IntArray, weighted_bincount
from scoring.design import ArrayLike, Design
from scoring.errors import ScoringError
from scoring.estimands import Estimand, Kind
from scoring.linearize import cell_scores
from scoring.stacking import RoundTotals, StackedCells
from scoring.weights.calibration import Calibrated, CalibrationSpec, calibrate
from scoring.weights.estimates import CellTotals
from scoring.weights.rows import calibration_cells, row_totals


@dataclass(frozen=True)
class CalibratedRound:
    """A round's PSU × calibration cell × domain sums of the input weight d, and its g.

    ``totals.cell`` indexes ``calibrated``'s cells; every responding unit is in some row
    (rows outside every domain carry their ``Σd`` for the residual step), as for
    :func:`scoring.weights.estimate_calibrated`.
    """

    totals: CellTotals
    calibrated: Calibrated

    @property
    def cell(self) -> IntArray:
        """Each row's calibration cell index, checked."""
        n_cells = self.calibrated.g.shape[0]
        try:
            index = np.asarray(self.totals.cell, dtype=np.int64)
        except (TypeError, ValueError):
            raise ScoringError("cell must be integer indices of the calibration cells") from None
        if index.ndim != 1 or np.any(index < 0) or np.any(index >= n_cells):
            raise ScoringError(f"cell must be indices in [0, {n_cells})")
        return index

    def round_totals(self) -> RoundTotals:
        """The rows under the calibrated weight ``w = g·d`` (the stack's cells)."""
        return RoundTotals(self.totals.calibrated(self.calibrated.g[self.cell]))


def residual_correction(
    calibrated_round: CalibratedRound,
    stack: StackedCells,
    which: int,
    kind: Kind,
    estimate: FloatArray,
    base: FloatArray,
) -> FloatArray:
    """``Σ_k g_k · D_jk · x_k'β_d`` per PSU j of the stack and domain d (PSUs × domains).

    ``which`` (0 from, 1 to) selects the round's rows of ``stack``, which are the rows of
    ``calibrated_round.totals`` in order; ``estimate`` and ``base`` are the round's.
    """
    rows = stack.round == which
    cell = calibrated_round.cell
    totals = calibrated_round.totals
    sd = _numbers(totals.sd)
    domain = stack.domain[rows]
    inside = (domain >= 0) & (base[np.maximum(domain, 0)] != 0)
    u = cell_scores(
        kind,
        sd[inside],
        _numbers(totals.sdy)[inside],
        _zeros_or(totals.sdx, sd.shape[0])[inside],
        estimate[domain[inside]],
        base[domain[inside]],
    )
    calibrated = calibrated_round.calibrated
    s = np.zeros((calibrated.g.shape[0], stack.n_domains))
    np.add.at(s, (cell[inside], domain[inside]), u)
    fits = calibrated.fitted(s)
    n_psus = int(stack.psu.max()) + 1
    weight = np.zeros((n_psus, calibrated.g.shape[0]))
    np.add.at(weight, (stack.psu[rows], cell), calibrated.g[cell] * sd)
    correction: FloatArray = weight @ fits
    return correction


def _numbers(values: object) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _zeros_or(values: object | None, length: int) -> FloatArray:
    return np.zeros(length) if values is None else _numbers(values)


def calibrated_round_from_rows(
    weights: ArrayLike,
    strata: ArrayLike,
    psu: ArrayLike,
    estimand: Estimand,
    spec: CalibrationSpec,
    variables: Mapping[str, ArrayLike],
    domain: ArrayLike | None = None,
) -> CalibratedRound:
    """Calibrate rows' input weights on ``variables`` and keep the service's inputs.

    The rows become calibration cells with ``Σd`` and one :class:`CellTotals` row per unit
    (scoring/weights/rows.py), labelled by PSU so that rounds can be paired; the whole
    population is the domain ``""`` there.
    """
    design = Design(weights, strata=strata, psu=psu)
    spec.check_variables(variables)
    cell, labels = calibration_cells(
        variables, spec.variables, design.n_rows, spec.numeric_variables
    )
    calibrated = calibrate(spec, labels, weighted_bincount(cell, weights=design.weights))
    return CalibratedRound(row_totals(design, estimand, cell, domain, psu), calibrated)
